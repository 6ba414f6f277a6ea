/**
 * A response body that opens its source only when Koa first reads it. Until
 * then an offload middleware can drop it: no file descriptor, no storage request.
 */
import type { ServerResponse } from 'node:http';
import type { Http2ServerResponse } from 'node:http2';
import { Readable } from 'node:stream';

export class LazyBody extends Readable {
  readonly #open: () => Promise<Readable>;
  /** Bytes promised by Content-Length; the source must deliver exactly these. */
  readonly #expected: number | undefined;
  #source: Readable | undefined;
  #opening = false;
  #received = 0;

  /** Frees what the file keeps open for this body, when the body is dropped unread. */
  readonly #release: (() => void) | undefined;

  constructor(open: () => Promise<Readable>, expectedLength?: number, release?: () => void) {
    // A relay: it holds one chunk of its source while the response is not
    // ready for it, whatever the chunk's size (storages/fileStream.ts reads
    // up to 1 MiB at once). Any more would be memory per slow download.
    super({ highWaterMark: 16 * 1024 });
    this.#open = open;
    this.#expected = expectedLength;
    this.#release = release;
  }

  /** Whether the source was ever opened: tests prove laziness with it. */
  get opened(): boolean {
    return this.#opening;
  }

  /**
   * Destroys this body, and so its source, once `res` or its HTTP/2 stream
   * closes. Koa relies on on-finished, which misses an HTTP/2 stream that
   * closed before the body was set (Node 20's compat response then has no
   * socket and is not ended): Koa would pipe into the closed stream, the pipe
   * would wait for a 'drain' that never comes, and the file would stay open.
   */
  destroyWhenClosed(res: ServerResponse | Http2ServerResponse): void {
    const stream = 'stream' in res ? res.stream : undefined;
    const destroy = () => this.destroy();
    if (res.destroyed || stream?.closed || stream?.destroyed) return void destroy();
    res.once('close', destroy);
    stream?.once('close', destroy);
  }

  override _read(): void {
    if (this.#source) this.#source.resume();
    else if (!this.#opening) void this.#start();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    if (!this.#opening) this.#release?.();
    this.#source?.destroy();
    callback(error);
  }

  async #start(): Promise<void> {
    this.#opening = true;
    let source: Readable;
    try {
      source = await this.#open();
    } catch (error) {
      this.destroy(error as Error);
      return;
    }
    if (this.destroyed) {
      source.destroy();
      return;
    }
    this.#source = source;
    source.on('data', (data: Uint8Array | string) => {
      // A string's length counts characters; Content-Length counts bytes. A source
      // with an encoding set decoded its bytes with it: encoding back gives them again.
      const chunk = typeof data === 'string' ? Buffer.from(data, source.readableEncoding ?? 'utf8') : data;
      this.#received += chunk.byteLength;
      if (this.#expected !== undefined && this.#received > this.#expected) {
        this.destroy(new Error(`The file grew while it was sent: more than the ${this.#expected} bytes announced.`));
      } else if (!this.push(chunk)) {
        source.pause();
      }
    });
    source.once('end', () => {
      if (this.#expected !== undefined && this.#received < this.#expected) {
        // Ending normally would let the client take a short file for a whole one.
        this.destroy(new Error(`The file shrank while it was sent: ${this.#received} of ${this.#expected} bytes.`));
      } else {
        this.push(null);
      }
    });
    source.once('error', (error) => this.destroy(error));
  }
}
