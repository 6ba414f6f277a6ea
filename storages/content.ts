/** Helpers for the content a storage saves and serves from memory. */
import { Readable } from 'node:stream';
import type { ByteRange, SaveContent } from './storage.js';

const CHUNK = 64 * 1024;

/** Reads any SaveContent into one Buffer (a copy: the caller's bytes are never kept). */
export async function toBuffer(content: SaveContent): Promise<Buffer> {
  if (typeof content === 'string') return Buffer.from(content, 'utf8');
  if (content instanceof Uint8Array) return Buffer.from(content);
  const chunks: Buffer[] = [];
  for await (const chunk of content) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : Buffer.from(chunk));
  return Buffer.concat(chunks);
}

/** Clamps an inclusive range to a file of `size` bytes; undefined when nothing is left. */
export function clampRange(range: ByteRange | undefined, size: number): ByteRange | undefined {
  const start = Math.max(0, range?.start ?? 0);
  const end = Math.min(size - 1, range?.end ?? size - 1);
  return start <= end ? { start, end } : undefined;
}

/** Streams `range` of `buffer` in 64 KiB views: no byte is copied, backpressure holds. */
export function bufferStream(buffer: Uint8Array, range?: ByteRange): Readable {
  const bounds = clampRange(range, buffer.byteLength);
  let position = bounds?.start ?? 0;
  const stop = bounds ? bounds.end + 1 : 0;
  return new Readable({
    highWaterMark: CHUNK,
    read() {
      if (position >= stop) {
        this.push(null);
        return;
      }
      const next = Math.min(stop, position + CHUNK);
      const view = buffer.subarray(position, next);
      position = next;
      this.push(view);
    },
  });
}

/**
 * Keeps only `range` of a stream that cannot seek (generated content, an
 * upstream that ignored Range). Stopping early destroys the source.
 */
export function sliceStream(source: Readable, range: ByteRange): Readable {
  async function* slice(): AsyncIterable<Uint8Array> {
    let offset = 0;
    for await (const chunk of source as AsyncIterable<Uint8Array | string>) {
      const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
      const from = Math.max(range.start - offset, 0);
      const to = Math.min(range.end + 1 - offset, bytes.byteLength);
      if (from < to) yield bytes.subarray(from, to);
      offset += bytes.byteLength;
      if (offset > range.end) return;
    }
  }
  return Readable.from(slice(), { objectMode: false });
}
