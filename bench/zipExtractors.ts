/**
 * Real extractors from Debian, as the zip tests and the benchmark's ZIP64
 * check run them: Info-ZIP unzip, 7-Zip, libarchive's bsdtar, and Python's
 * zipfile. (test/zip/extractors.ts adds extraction and the test's checks.)
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

export const runExtractor = promisify(execFile);
// Info-ZIP unzip writes UTF-8 names only under a UTF-8 locale.
const ENV = { ...process.env, LC_ALL: 'C.UTF-8', LANG: 'C.UTF-8' };
export const EXTRACTOR_OPTIONS = { env: ENV, maxBuffer: 64 * 1024 * 1024 };

export const EXTRACTORS = ['unzip', '7z', 'bsdtar', 'python3'] as const;
export type Extractor = (typeof EXTRACTORS)[number];

const PYTHON_TEST = `
import hashlib, json, sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as z:
    bad = z.testzip()
    if bad is not None:
        sys.exit('bad entry: ' + bad)
    def digest(info):
        hash = hashlib.sha256()
        with z.open(info) as entry:
            for chunk in iter(lambda: entry.read(1 << 20), b''):
                hash.update(chunk)
        return hash.hexdigest()
    print(json.dumps({i.filename: digest(i) for i in z.infolist() if not i.is_dir()}))
`;

/** Python's zipfile tests `archive` and reads every file of it as a library does: each file's sha256 by name. */
export async function pythonDigests(archive: string): Promise<Record<string, string>> {
  const { stdout } = await runExtractor('python3', ['-c', PYTHON_TEST, archive], EXTRACTOR_OPTIONS);
  return JSON.parse(stdout) as Record<string, string>;
}

/** Tests `archive` with one extractor (its own integrity check). */
export async function testArchive(extractor: Extractor, archive: string): Promise<void> {
  switch (extractor) {
    case 'unzip':
      await runExtractor('unzip', ['-tq', archive], EXTRACTOR_OPTIONS);
      return;
    case '7z':
      await runExtractor('7z', ['t', archive], EXTRACTOR_OPTIONS);
      return;
    case 'bsdtar':
      await runExtractor('bsdtar', ['-tf', archive], EXTRACTOR_OPTIONS);
      return;
    case 'python3':
      await pythonDigests(archive);
      return;
  }
}
