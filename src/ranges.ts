/**
 * Range requests (RFC 9110 §14): one range → 206; several → multipart/byteranges;
 * none satisfiable → 416. Overlapping ranges are coalesced, and a request for
 * more than MAX_RANGES pieces is answered in full, so a response is never
 * larger than the file plus a bounded overhead.
 */
import parseRange from 'range-parser';
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import type { ByteRange } from '../storages/storage.js';
import type { DownloadFile } from './downloadFile.js';

export const MAX_RANGES = 16;

/** The ranges to serve; 'unsatisfiable' for a 416; undefined to serve the whole file. */
export function selectRanges(header: string | undefined, size: number): ByteRange[] | 'unsatisfiable' | undefined {
  // Another unit (or none) is ignored before anything is found unsatisfiable (RFC 9110 §14.2).
  if (!header || !/^bytes=/i.test(header)) return undefined;
  // Range units are case-insensitive (RFC 9110 §14.1); range-parser knows only 'bytes'.
  // Empty list elements are allowed and ignored (§5.6.1.2); range-parser would refuse the whole header.
  const bytes = header.replace(/^bytes=/i, 'bytes=').replace(/(?<==|,)[ \t]*,|,[ \t]*$/g, '');
  // On an empty file a non-zero suffix is satisfiable (§14.1.1), yet no Content-Range can describe
  // its zero bytes: the Range is ignored (§14.2), and the empty file answered 200.
  if (size === 0 && /[=,]\s*-0*[1-9]/.test(bytes)) return undefined;
  // range-parser refuses a suffix longer than the file; RFC 9110 §14.1.3 serves the whole file then.
  const suffixesClamped = bytes.replace(/([=,]\s*)-(\d+)/g, (spec, lead: string, length: string) => (Number(length) > size ? `${lead}-${size}` : spec));
  const ranges = parseRange(size, suffixesClamped, { combine: true });
  if (ranges === -1) return 'unsatisfiable';
  if (ranges === -2 || ranges.type !== 'bytes' || ranges.length > MAX_RANGES) return undefined;
  return ranges.map(({ start, end }) => ({ start, end }));
}

export function contentRange(range: ByteRange, size: number): string {
  return `bytes ${range.start}-${range.end}/${size}`;
}

export interface MultipartBody {
  contentType: string;
  length: number;
  open: () => Promise<Readable>;
}

/** A multipart/byteranges body whose parts open one after another, each only when reached. */
export function multipartBody(file: DownloadFile, ranges: ByteRange[], partType: string, size: number): MultipartBody {
  const boundary = randomBytes(12).toString('hex');
  const heads = ranges.map(
    (range, index) => `${index ? '\r\n' : ''}--${boundary}\r\nContent-Type: ${partType}\r\nContent-Range: ${contentRange(range, size)}\r\n\r\n`,
  );
  const tail = `\r\n--${boundary}--\r\n`;
  const length = ranges.reduce((total, range, index) => total + Buffer.byteLength(heads[index]!) + range.end - range.start + 1, Buffer.byteLength(tail));

  async function* parts(): AsyncIterable<Uint8Array> {
    for (const [index, range] of ranges.entries()) {
      yield Buffer.from(heads[index]!);
      yield* (await file.open(range)) as AsyncIterable<Uint8Array>;
    }
    yield Buffer.from(tail);
  }

  return {
    contentType: `multipart/byteranges; boundary=${boundary}`,
    length,
    open: async () => Readable.from(parts(), { objectMode: false }),
  };
}
