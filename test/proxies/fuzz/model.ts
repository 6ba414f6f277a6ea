/**
 * The referee: what RFC 9110 asks of an origin server for one GET or HEAD of
 * a file, written from the RFC and sharing no code with the library. Where
 * the RFC lets the server choose, the choice taken is said beside it; the
 * library takes the same ones.
 */

export interface Representation {
  content: Buffer;
  etag: string | undefined;
  lastModified: string | undefined;
}

/** The answer as compared: a 206 of one range, several ranges, or the whole content. */
export interface Expected {
  status: number;
  contentRange?: string;
  /** 206 only: the ranges served, inclusive, in the order sent. */
  ranges?: Array<[number, number]>;
  /** Ranges were coalesced: the order of the parts is the server's choice (§15.3.7.2 orders only ranges not coalesced). */
  anyOrder?: boolean;
}

/** The library's cap (src/ranges.ts MAX_RANGES): more ranges than this, after coalescing, are ignored. */
export const MAX_RANGES = 16;

export function rfcAnswer(method: 'GET' | 'HEAD', headers: Record<string, string>, representation: Representation): Expected {
  const header = (name: string) => Object.entries(headers).find(([key]) => key.toLowerCase() === name)?.[1];
  const { etag } = representation;
  const modified = representation.lastModified === undefined ? undefined : httpDate(representation.lastModified);

  // §13.2.2, steps 1 to 4.
  const ifMatch = header('if-match');
  if (ifMatch !== undefined) {
    if (!ifMatchHolds(ifMatch, etag)) return { status: 412 };
  } else {
    const since = httpDate(header('if-unmodified-since'));
    if (since !== undefined && modified !== undefined && modified > since) return { status: 412 };
  }
  const ifNoneMatch = header('if-none-match');
  if (ifNoneMatch !== undefined) {
    if (noneMatches(ifNoneMatch, etag) === false) return { status: 304 };
  } else {
    const since = httpDate(header('if-modified-since'));
    if (since !== undefined && modified !== undefined && modified <= since) return { status: 304 };
  }

  // §14.2: range handling is defined for GET only; step 5 of §13.2.2 for If-Range.
  const range = header('range');
  if (method !== 'GET' || range === undefined || !ifRangeHolds(header('if-range'), etag, modified)) return { status: 200 };
  const size = representation.content.length;
  const parsed = byteRanges(range, size);
  if (parsed === 'unsatisfiable') return { status: 416, contentRange: `bytes */${size}` };
  if (parsed === undefined) return { status: 200 };
  const { ranges, coalesced } = parsed;
  if (ranges.length === 1) return { status: 206, contentRange: `bytes ${ranges[0]![0]}-${ranges[0]![1]}/${size}`, ranges };
  return { status: 206, ranges, anyOrder: coalesced };
}

const parseTag = (text: string) => /^(W\/)?"[\x21\x23-\x7e\x80-\xff]*"$/.exec(text) ? { weak: text.startsWith('W/'), opaque: text.replace(/^W\//, '') } : undefined;
const members = (value: string) => value.split(',').map((member) => member.trim()).filter(Boolean);

/** §13.1.1: `*`, or a listed entity-tag equal to the current one by strong comparison (§8.8.3.2). */
function ifMatchHolds(value: string, etag: string | undefined): boolean {
  if (value.trim() === '*') return true;
  const current = etag === undefined ? undefined : parseTag(etag);
  if (!current || current.weak) return false;
  return members(value).some((member) => {
    const tag = parseTag(member);
    return tag !== undefined && !tag.weak && tag.opaque === current.opaque;
  });
}

/** §13.1.2: false for `*`, or for a listed entity-tag equal to the current one by weak comparison. A value that is no list of entity-tags matches nothing. */
function noneMatches(value: string, etag: string | undefined): boolean {
  if (value.trim() === '*') return false;
  const current = etag === undefined ? undefined : parseTag(etag);
  if (!current) return true;
  return !members(value).some((member) => parseTag(member)?.opaque === current.opaque);
}

/** §13.1.5: an entity-tag matches strongly; an HTTP-date equals Last-Modified exactly; anything else is false. */
function ifRangeHolds(value: string | undefined, etag: string | undefined, modified: number | undefined): boolean {
  if (value === undefined) return true;
  const text = value.trim();
  if (text.startsWith('"') || text.startsWith('W/')) {
    const tag = parseTag(text);
    const current = etag === undefined ? undefined : parseTag(etag);
    return tag !== undefined && current !== undefined && !tag.weak && !current.weak && tag.opaque === current.opaque;
  }
  const date = httpDate(text);
  return date !== undefined && date === modified;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const DAY = '(Mon|Tue|Wed|Thu|Fri|Sat|Sun)';
const LONG_DAY = '(Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)';
const MONTH = `(${MONTHS.join('|')})`;
const CLOCK = '(\\d\\d):(\\d\\d):(\\d\\d)';
const IMF_FIXDATE = new RegExp(`^${DAY}, (\\d\\d) ${MONTH} (\\d{4}) ${CLOCK} GMT$`);
const RFC850 = new RegExp(`^${LONG_DAY}, (\\d\\d)-${MONTH}-(\\d\\d) ${CLOCK} GMT$`);
const ASCTIME = new RegExp(`^${DAY} ${MONTH} ([ \\d]\\d) ${CLOCK} (\\d{4})$`);

/** §5.6.7: the three HTTP-date formats, case-sensitive; anything else is no date (undefined). */
export function httpDate(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const text = value.trim();
  let parts: { day: string; month: string; year: number; clock: string[] } | undefined;
  let match: RegExpExecArray | null;
  if ((match = IMF_FIXDATE.exec(text))) parts = { day: match[2]!, month: match[3]!, year: Number(match[4]), clock: match.slice(5, 8) };
  else if ((match = RFC850.exec(text))) {
    // A two-digit year more than 50 years ahead is the most recent past year with those digits.
    const year = 2000 + Number(match[4]);
    parts = { day: match[2]!, month: match[3]!, year: year > new Date().getUTCFullYear() + 50 ? year - 100 : year, clock: match.slice(5, 8) };
  } else if ((match = ASCTIME.exec(text))) parts = { day: match[3]!, month: match[2]!, year: Number(match[7]), clock: match.slice(4, 7) };
  if (!parts) return undefined;
  const [hours, minutes, seconds] = parts.clock.map(Number) as [number, number, number];
  const time = Date.UTC(parts.year, MONTHS.indexOf(parts.month), Number(parts.day), hours, minutes, seconds);
  // The weekday must agree, or the date is not a date.
  return new Date(time).getUTCDate() === Number(parts.day) ? time : undefined;
}

/** A Range value taken apart, for the model and for the classes of differences. */
export interface RangeForm {
  /** The unit is a token, and every element an int-range or a suffix-range (spaces around the numbers allowed). */
  valid: boolean;
  unit: string | undefined;
  /** The non-empty elements. */
  specs: string[];
  emptyElements: boolean;
  /** An int-range whose last-pos is below its first-pos. */
  reversed: boolean;
  whitespace: boolean;
}

const INT_RANGE = /^(\d+)[ \t]*-[ \t]*(\d*)$/;
const SUFFIX_RANGE = /^-[ \t]*(\d+)$/;

export function rangeForm(value: string): RangeForm {
  const match = /^([!#$%&'*+\-.^_`|~0-9A-Za-z]+)=(.*)$/.exec(value.trim());
  const elements = match ? match[2]!.split(',').map((spec) => spec.replace(/^[ \t]+|[ \t]+$/g, '')) : [];
  const specs = elements.filter(Boolean);
  return {
    valid: match !== null && specs.length > 0 && specs.every((spec) => INT_RANGE.test(spec) || SUFFIX_RANGE.test(spec)),
    unit: match?.[1],
    specs,
    emptyElements: elements.length > specs.length,
    reversed: specs.some((spec) => {
      const int = INT_RANGE.exec(spec);
      return int !== null && int[2] !== '' && Number(int[2]) < Number(int[1]);
    }),
    whitespace: /[ \t]/.test(value.trim()),
  };
}

/**
 * §14.1: the ranges to serve for a Range value; undefined to ignore it
 * (serve 200), 'unsatisfiable' for a 416.
 * Choices the RFC leaves open, taken as the library takes them:
 * - an invalid ranges-specifier (§14.1.1: bad syntax, another unit) is ignored, not rejected;
 *   spaces around a spec's numbers are read as a lenient parser reads them;
 * - an int-range whose last-pos is below its first-pos is dropped like an unsatisfiable one;
 * - overlapping and adjacent ranges are coalesced (§15.3.7.2);
 * - more than MAX_RANGES ranges after that are ignored (§14.2);
 * - on an empty representation a non-zero suffix is satisfiable (§14.1.1) but no 206 can carry it:
 *   the Range is ignored (§14.2), 200.
 */
export function byteRanges(value: string, size: number): { ranges: Array<[number, number]>; coalesced: boolean } | 'unsatisfiable' | undefined {
  const form = rangeForm(value);
  if (!form.valid || form.unit!.toLowerCase() !== 'bytes') return undefined;
  const ranges: Array<[number, number]> = [];
  for (const spec of form.specs) {
    const int = INT_RANGE.exec(spec);
    if (int) {
      const first = Number(int[1]);
      if (int[2] !== '' && Number(int[2]) < first) continue;
      if (first < size) ranges.push([first, int[2] === '' ? size - 1 : Math.min(Number(int[2]), size - 1)]);
      continue;
    }
    const length = Number(SUFFIX_RANGE.exec(spec)![1]);
    if (length > 0 && size === 0) return undefined;
    if (length > 0) ranges.push([Math.max(0, size - length), size - 1]);
  }
  if (ranges.length === 0) return 'unsatisfiable';
  const merged = coalesce(ranges);
  return merged.length > MAX_RANGES ? undefined : { ranges: merged, coalesced: merged.length < ranges.length };
}

/** Merges overlapping and adjacent ranges; each merged range takes the place of its earliest member. */
function coalesce(ranges: Array<[number, number]>): Array<[number, number]> {
  const sorted = ranges.map(([start, end], order) => ({ start, end, order })).sort((a, b) => a.start - b.start);
  const merged: typeof sorted = [];
  for (const range of sorted) {
    const last = merged[merged.length - 1];
    if (last && range.start <= last.end + 1) {
      last.end = Math.max(last.end, range.end);
      last.order = Math.min(last.order, range.order);
    } else merged.push({ ...range });
  }
  return merged.sort((a, b) => a.order - b.order).map(({ start, end }) => [start, end]);
}
