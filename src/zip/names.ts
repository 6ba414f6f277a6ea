/**
 * Names inside a ZIP archive: safe to extract anywhere (no zip-slip), and
 * unique. A hostile name is made safe rather than refused, so that a user's
 * uploaded "../../.bashrc" still arrives, as ".bashrc" inside the folder.
 */

// Control characters (C0, DEL, C1), the characters Windows refuses in a name,
// and the invisible ones that reorder or hide text ("exe.txt" shown for "txt.exe").
const UNSAFE = /[\u0000-\u001f\u007f-\u009f:*?"<>|\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]/g;

/** Most filesystems store at most 255 bytes per name segment. */
const MAX_SEGMENT_BYTES = 255;

/**
 * The archive path of an entry: `/`-separated, relative, without `.` or `..`
 * segments, drive letters, backslashes (read as separators, as Windows
 * extractors would), or control characters. A folder's name ends with `/`.
 * Unicode is kept exactly as given (no normalization).
 */
export function safeEntryName(name: string, folder = false): string {
  const segments = String(name)
    .toWellFormed()
    .split(/[/\\]+/)
    .map((segment, index) => (index === 0 && /^[a-z]:$/i.test(segment) ? '' : segment))
    .map((segment) => segment.replace(UNSAFE, '_').trim())
    // Windows drops trailing dots and spaces: "a." would land on "a".
    .map((segment) => segment.replace(/(?<=[^. ])[. ]+$/, ''))
    // Nothing, `.`, `..` (and `...`, which Windows reads as nothing) name no segment.
    .filter((segment) => !/^\.*$/.test(segment))
    .map(shorten);
  if (segments.length === 0) segments.push(folder ? 'folder' : 'file');
  return segments.join('/') + (folder ? '/' : '');
}

/** Cuts a segment to MAX_SEGMENT_BYTES of UTF-8, between characters, keeping a short extension. */
function shorten(segment: string): string {
  if (Buffer.byteLength(segment) <= MAX_SEGMENT_BYTES) return segment;
  const dot = segment.lastIndexOf('.');
  const extension = dot > 0 && segment.length - dot <= 16 ? segment.slice(dot) : '';
  let stem = segment.slice(0, segment.length - extension.length);
  const budget = MAX_SEGMENT_BYTES - Buffer.byteLength(extension);
  while (Buffer.byteLength(stem) > budget) stem = [...stem].slice(0, -1).join('');
  return stem + extension;
}

/**
 * Makes every name unique, case- and normalization-insensitively (Windows
 * and macOS extract `A.txt` and `a.txt` onto one file; macOS and libarchive
 * extract `café` spelt with é or with e + ◌́ onto one file). The first holder of a name keeps it;
 * a later one becomes `a (2).txt`, `a (3).txt`… skipping names that any entry
 * asked for. A file never takes the name of a folder that another entry
 * lives in. A folder named twice is kept once: the result has `undefined`
 * for the repeat, which the archive leaves out.
 */
export function uniqueNames(names: readonly string[]): (string | undefined)[] {
  const key = (name: string) => name.normalize('NFC').toLowerCase();
  const taken = new Set<string>();
  const folders = new Set<string>();
  for (const name of names) {
    const segments = name.split('/');
    for (let end = 1; end < segments.length; end++) folders.add(key(segments.slice(0, end).join('/')));
    taken.add(key(name));
  }
  const given = new Set<string>();
  return names.map((name) => {
    if (name.endsWith('/')) {
      if (given.has(key(name))) return undefined;
      given.add(key(name));
      return name;
    }
    let unique = name;
    for (let n = 2; given.has(key(unique)) || folders.has(key(unique)) || (unique !== name && taken.has(key(unique))); n++) unique = numbered(name, n);
    given.add(key(unique));
    return unique;
  });
}

/** `a/b.txt` → `a/b (2).txt`; `a/.env` and `a/README` → `a/.env (2)`, `a/README (2)`. */
function numbered(name: string, n: number): string {
  const slash = name.lastIndexOf('/');
  const dot = name.lastIndexOf('.');
  const at = dot > slash + 1 ? dot : name.length;
  return `${name.slice(0, at)} (${n})${name.slice(at)}`;
}
