/**
 * `tsx bench/slowClients.ts URL COUNT BYTES_PER_SECOND`: COUNT downloads of
 * URL at once, each read at BYTES_PER_SECOND at most (a slow client each),
 * from this one process. Prints `{"completed":…,"bytes":…,"seconds":…}`:
 * the downloads answered 200 and read to their end, and their body bytes.
 */
import { connect, type Socket } from 'node:net';

const [url, countText, rateText] = process.argv.slice(2);
if (!url || !countText || !rateText) throw new Error('usage: tsx bench/slowClients.ts URL COUNT BYTES_PER_SECOND');
const { hostname, port, pathname } = new URL(url);
const [count, rate] = [Number(countText), Number(rateText)];
const TICK_MS = 50;

/** One download over its own connection: the bytes it read, and its body's once the headers are past. */
class Download {
  readonly socket: Socket;
  received = 0;
  done = false;
  #head: Buffer | undefined = Buffer.alloc(0);
  #body: Body | undefined;

  constructor() {
    this.socket = connect(Number(port), hostname);
    this.socket.write(`GET ${pathname} HTTP/1.1\r\nHost: ${hostname}:${port}\r\nConnection: close\r\n\r\n`);
  }

  take(chunk: Buffer): void {
    this.received += chunk.byteLength;
    if (this.#head) {
      const head = Buffer.concat([this.#head, chunk]);
      const end = head.indexOf('\r\n\r\n');
      if (end === -1) return void (this.#head = head);
      const text = head.subarray(0, end).toString('latin1');
      this.#head = undefined;
      if (!text.startsWith('HTTP/1.1 200 ')) return;
      this.#body = /^transfer-encoding: *chunked/im.test(text) ? new ChunkedBody() : new Body();
      chunk = head.subarray(end + 4);
    }
    this.#body?.take(chunk);
  }

  /** Body bytes of a complete 200 answer, or -1. */
  result(): number {
    return this.#body?.complete ? this.#body.bytes : -1;
  }
}

/** A body delimited by the end of the connection (Content-Length is checked by the caller, against the file's size). */
class Body {
  bytes = 0;
  readonly complete: boolean = true;

  take(chunk: Buffer): void {
    this.bytes += chunk.byteLength;
  }
}

/** A chunked body: counts the data, not the framing; complete once its last chunk came. */
class ChunkedBody extends Body {
  override complete = false;
  /** Data bytes left in the current chunk, then its CRLF; undefined while a size line is read. */
  #left: number | undefined;
  #line = '';

  override take(chunk: Buffer): void {
    let at = 0;
    while (at < chunk.byteLength && !this.complete) {
      if (this.#left === undefined) {
        const end = chunk.indexOf('\n', at);
        this.#line += chunk.subarray(at, end === -1 ? chunk.byteLength : end).toString('latin1');
        if (end === -1) return;
        at = end + 1;
        const size = parseInt(this.#line, 16);
        this.#line = '';
        // The last chunk: what follows is the empty trailer.
        if (size === 0) this.complete = true;
        // Data, then its CRLF (skipped as bytes not counted).
        else this.#left = size + 2;
        continue;
      }
      const taken = Math.min(this.#left, chunk.byteLength - at);
      this.bytes += Math.min(taken, Math.max(0, this.#left - 2));
      this.#left -= taken;
      at += taken;
      if (this.#left === 0) this.#left = undefined;
    }
  }
}

const started = performance.now();
const allowance = () => ((performance.now() - started) / 1000) * rate;
const downloads = Array.from({ length: count }, () => new Download());
const results = downloads.map(
  (download) =>
    new Promise<number>((resolve) => {
      download.socket.on('data', (chunk: Buffer) => {
        download.take(chunk);
        // Over its allowance so far: wait for a tick that allows more.
        if (download.received > allowance()) download.socket.pause();
      });
      download.socket.once('error', () => {});
      download.socket.once('close', () => {
        download.done = true;
        resolve(download.result());
      });
    }),
);

const ticker = setInterval(() => {
  const allowed = allowance();
  for (const download of downloads) if (!download.done && download.received <= allowed && download.socket.isPaused()) download.socket.resume();
}, TICK_MS);

const bodies = await Promise.all(results);
clearInterval(ticker);
const complete = bodies.filter((bytes) => bytes >= 0);
console.log(JSON.stringify({ completed: complete.length, bytes: complete.reduce((total, bytes) => total + bytes, 0), seconds: (performance.now() - started) / 1000 }));
