import { Readable } from 'node:stream';
import type { ByteRange, FileStat } from '../storages/storage.js';
import { bufferStream, sliceStream } from '../storages/content.js';
import type { DownloadFile } from './downloadFile.js';
import { ImproperlyConfiguredError } from './errors.js';
import { isHeaderValue } from './headers.js';

type Chunks = Readable | AsyncIterable<Uint8Array | string> | Iterable<Uint8Array | string>;

export interface VirtualFileOptions {
  /** The client-side file name (and the MIME guess). */
  name: string;
  /** The whole content. Its size is known, so Range works. */
  content?: string | Uint8Array;
  /**
   * Generated content: a factory (called once per download, and once per
   * part of a multi-range answer), or a stream or iterable, which can be read
   * once only and is therefore never served in ranges.
   */
  stream?: Chunks | (() => Chunks);
  /** Byte size of `stream`, when known: enables Content-Length, and Range for a factory. */
  size?: number;
  modifiedTime?: Date;
  contentType?: string;
}

/**
 * A file that lives in memory or is generated on the fly. It has no path and
 * no URL, so it is never offloaded to a proxy: it is always streamed by Node.
 */
export class VirtualFile implements DownloadFile {
  readonly name: string;
  readonly acceptsRanges: boolean;
  readonly #content: Uint8Array | undefined;
  readonly #stream: VirtualFileOptions['stream'];
  readonly #stat: Partial<FileStat>;

  constructor(options: VirtualFileOptions) {
    if ((options.content === undefined) === (options.stream === undefined)) {
      throw new TypeError('VirtualFile needs exactly one of `content` or `stream`.');
    }
    if (options.size !== undefined && !(Number.isSafeInteger(options.size) && options.size >= 0)) {
      throw new ImproperlyConfiguredError(`VirtualFile size is the stream's length in bytes, a whole number from 0 up, or leave it out when unknown; got ${JSON.stringify(options.size) ?? String(options.size)}.`);
    }
    if (options.contentType !== undefined && !isHeaderValue(options.contentType)) {
      throw new ImproperlyConfiguredError(`VirtualFile contentType must be a header value in printable ASCII, e.g. 'text/csv'; got ${JSON.stringify(options.contentType)}.`);
    }
    this.name = options.name;
    this.acceptsRanges = options.content !== undefined || typeof options.stream === 'function';
    this.#content = typeof options.content === 'string' ? Buffer.from(options.content, 'utf8') : options.content;
    this.#stream = options.stream;
    const size = this.#content?.byteLength ?? options.size;
    this.#stat = {
      ...(size !== undefined && { size }),
      ...(options.modifiedTime && { modifiedTime: options.modifiedTime }),
      ...(options.contentType && { contentType: options.contentType }),
    };
  }

  async stat(): Promise<Partial<FileStat>> {
    return { ...this.#stat };
  }

  async open(range?: ByteRange): Promise<Readable> {
    if (this.#content) return bufferStream(this.#content, range);
    const chunks = typeof this.#stream === 'function' ? this.#stream() : this.#stream!;
    const stream = chunks instanceof Readable ? chunks : Readable.from(toBytes(chunks), { objectMode: false });
    return range ? sliceStream(stream, range) : stream;
  }
}

async function* toBytes(chunks: AsyncIterable<Uint8Array | string> | Iterable<Uint8Array | string>): AsyncIterable<Uint8Array> {
  for await (const chunk of chunks) yield typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
}

