import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { posix } from 'node:path';
import type { ByteRange, FileStat } from '../storages/storage.js';
import { sliceStream } from '../storages/content.js';
import { FileNotFoundError, StorageError } from './errors.js';
import type { DownloadFile } from './downloadFile.js';

export interface HTTPFileOptions {
  /** Client-side file name; default: the last segment of the URL's path. */
  name?: string;
  /**
   * Headers sent upstream (e.g. Authorization). Accept-Encoding is always
   * `identity`: fetch decodes what it receives, and a download's length must
   * be that of the bytes it sends.
   */
  headers?: Record<string, string>;
  /** A fetch implementation; default: the global fetch. */
  fetch?: typeof fetch;
  /**
   * Milliseconds to wait for the upstream's headers, and then between two
   * chunks of its body. Default 30 000.
   */
  timeout?: number;
}

/**
 * A file that another HTTP server holds: proxied with fetch, Range forwarded.
 * Upstream 404/410 → FileNotFoundError (404); any other failure, refused
 * connection or timeout → StorageError with status 502.
 */
export class HTTPFile implements DownloadFile {
  readonly name: string;
  readonly #headers: Record<string, string>;
  readonly #fetch: typeof fetch;
  readonly #timeout: number;

  constructor(readonly url: string, options: HTTPFileOptions = {}) {
    const parsed = new URL(url);
    this.name = options.name ?? (safeDecode(posix.basename(parsed.pathname)) || parsed.hostname);
    const headers = Object.entries(options.headers ?? {}).filter(([name]) => name.toLowerCase() !== 'accept-encoding');
    // fetch would ask for gzip, then decode it: a compressed length, and ranges of compressed bytes, would follow.
    this.#headers = { ...Object.fromEntries(headers), 'Accept-Encoding': 'identity' };
    this.#fetch = options.fetch ?? fetch;
    this.#timeout = options.timeout ?? 30_000;
  }

  async stat(): Promise<Partial<FileStat>> {
    const response = await this.#request('HEAD');
    // Servers that refuse HEAD still serve GET: the size is then unknown.
    if (response.status === 405 || response.status === 501) return {};
    // An upstream that compresses anyway gives the compressed length: the bytes sent on are the decoded ones.
    const size = encoded(response) ? NaN : Number(response.headers.get('content-length') ?? NaN);
    const modified = Date.parse(response.headers.get('last-modified') ?? '');
    const etag = response.headers.get('etag');
    const contentType = response.headers.get('content-type');
    return {
      ...(Number.isSafeInteger(size) && size >= 0 && { size }),
      ...(!Number.isNaN(modified) && { modifiedTime: new Date(modified) }),
      ...(etag && { etag }),
      ...(contentType && { contentType }),
    };
  }

  async open(range?: ByteRange): Promise<Readable> {
    let response = await this.#request('GET', range && { Range: `bytes=${range.start}-${range.end}` });
    let served = response.status === 206 ? servedRange(response) : undefined;
    if (response.status === 206 && (!range || served?.start !== range.start)) {
      // Compressed bytes, a multipart answer, or a range starting elsewhere: none is the range asked. Take the whole file and cut it.
      await response.body?.cancel();
      response = await this.#request('GET');
      served = undefined;
    }
    const body = Readable.fromWeb(response.body as WebReadableStream<Uint8Array>);
    if (!range) return body;
    // No range served: an upstream that ignored Range answered 200 with everything.
    if (!served) return sliceStream(body, range);
    // More than asked (an upstream that rounds ranges up) is cut; less is the file's end.
    return served.end > range.end ? sliceStream(body, { start: 0, end: range.end - range.start }) : body;
  }

  async #request(method: 'GET' | 'HEAD', extra?: Record<string, string>): Promise<Response> {
    const controller = new AbortController();
    const timeout = () => controller.abort(new StorageError(`${method} ${this.url}: no answer within ${this.#timeout} ms`, { status: 502 }));
    let timer = setTimeout(timeout, this.#timeout);
    let response: Response;
    try {
      response = await this.#fetch(this.url, { method, headers: { ...this.#headers, ...extra }, signal: controller.signal, redirect: 'follow' });
    } catch (error) {
      clearTimeout(timer);
      if (error instanceof StorageError) throw error;
      throw new StorageError(`${method} ${this.url} failed: ${(error as Error).message}`, { cause: error, status: 502 });
    }
    clearTimeout(timer);
    if (response.status === 404 || response.status === 410) {
      await response.body?.cancel();
      throw new FileNotFoundError(this.name, { reason: `${this.url} answered ${response.status}` });
    }
    const ok = response.ok || response.status === 405 || response.status === 501;
    if (!ok) {
      await response.body?.cancel();
      throw new StorageError(`${method} ${this.url}: upstream answered ${response.status}`, { status: 502 });
    }
    if (method === 'GET' && response.body) {
      // From here on the timeout guards the gap between two chunks: a stalled upstream aborts the download.
      timer = setTimeout(timeout, this.#timeout).unref();
      const guarded = response.body.pipeThrough(
        new TransformStream<Uint8Array, Uint8Array>({
          transform: (chunk, stream) => {
            timer.refresh();
            stream.enqueue(chunk);
          },
          flush: () => clearTimeout(timer),
        }),
      );
      return new Response(guarded, { status: response.status, headers: response.headers });
    }
    return response;
  }
}

/** The bytes a 206 answer holds, from its Content-Range: none known for a compressed or multipart answer. */
function servedRange(response: Response): ByteRange | undefined {
  if (encoded(response)) return undefined;
  const [, start, end] = /^bytes (\d+)-(\d+)\/(?:\d+|\*)$/i.exec(response.headers.get('content-range')?.trim() ?? '') ?? [];
  return start === undefined ? undefined : { start: Number(start), end: Number(end) };
}

/** Whether the answer carries a content coding (gzip, br…) that fetch decoded. */
function encoded(response: Response): boolean {
  const codings = (response.headers.get('content-encoding') ?? '').split(',').map((coding) => coding.trim().toLowerCase());
  return codings.some((coding) => coding !== '' && coding !== 'identity');
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
