/**
 * FileStream: reads an open file descriptor in chunks whose size follows
 * the reader. A client that takes each chunk at once gets chunks of up to
 * 1 MiB (fewer reads, writes and callbacks per byte: 1.4–1.6 times less CPU
 * than 64 KiB chunks for a large file, bench/findings.md); a client that
 * makes us wait gets them halved, down to 32 KiB. Chunks above 64 KiB are
 * for a bounded number of streams at a time (BIG_READERS): a thousand
 * slow downloads hold no more memory than with 64 KiB chunks.
 */
import { close, read } from 'node:fs';
import { Readable } from 'node:stream';

const KiB = 1024;

export const CHUNK_SIZES = {
  /** Where a stream starts when it cannot have more, and the most it reads without a licence. */
  base: 64 * KiB,
  /** Where a stream that keeps its reader waiting shrinks to. */
  least: 32 * KiB,
  /** The most one read takes. Larger chunks measured slower (CPU caches). */
  most: 1024 * KiB,
};

/**
 * How many streams may read chunks above `base` at once. Each holds at most
 * three such chunks (one being read, one waiting in the response body, one
 * being written to the socket): 8 × 3 MiB at worst, whatever the number of
 * downloads. Enough for every fast client of a busy server: a few of them
 * fill any link (the benchmark's 8 connections at 100 MiB read as fast with
 * 8 as with 16). Slow clients look fast while their kernel buffers fill, so
 * some licences go to them: with 16, a thousand slow downloads grew the
 * process by 246–262 MiB, with 8 by 214–235 MiB (bench/findings.md, section 2).
 */
export const BIG_READERS = 8;

let licences = BIG_READERS;

/** Licences free right now: tests watch that every stream gives its own back. */
export function freeBigReaders(): number {
  return licences;
}

export class FileStream extends Readable {
  #fd: number | undefined;
  #position: number;
  /** One past the last byte to read. */
  readonly #stop: number;
  #size: number;
  #licensed = false;
  /** Whether the consumer paused this stream since the last read: it is not keeping up. */
  #waited = false;
  /** The sizes of the last two chunks pushed: until both are small, big ones may still be in flight downstream. */
  #recent: [number, number] = [0, 0];
  #reading = false;
  /** A destroy that waits for the read in progress, so that the descriptor is never closed under it. */
  #closeAfterRead: (() => void) | undefined;

  /** Reads `fd` from `start` to `end` inclusive, and closes it when done or destroyed. */
  constructor(fd: number, start: number, end: number) {
    // No buffer of its own: each chunk is read when the consumer wants it,
    // so that a slow consumer holds one chunk here at most.
    super({ highWaterMark: 0 });
    this.#fd = fd;
    this.#position = start;
    this.#stop = end + 1;
    this.#licensed = this.#stop - start > CHUNK_SIZES.base && take();
    this.#size = this.#licensed ? CHUNK_SIZES.most : CHUNK_SIZES.base;
  }

  override pause(): this {
    this.#waited = true;
    return super.pause();
  }

  override _read(): void {
    const fd = this.#fd;
    if (fd === undefined || this.#reading) return;
    this.#adapt();
    const left = this.#stop - this.#position;
    if (left <= 0) {
      this.push(null);
      return;
    }
    // The last chunk is never big: the licence goes back when the stream ends,
    // and the last chunk may then still wait in the socket for a slow client.
    const length = left <= this.#size ? (left > CHUNK_SIZES.base ? left - CHUNK_SIZES.base : left) : this.#size;
    this.#reading = true;
    const buffer = Buffer.allocUnsafeSlow(length);
    read(fd, buffer, 0, length, this.#position, (error, bytesRead) => {
      this.#reading = false;
      if (this.#closeAfterRead) return this.#closeAfterRead();
      if (error) return void this.destroy(error);
      if (bytesRead === 0) return void this.push(null);
      this.#position += bytesRead;
      this.#recent = [this.#recent[1], bytesRead];
      this.push(bytesRead === length ? buffer : buffer.subarray(0, bytesRead));
    });
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.#giveBack();
    const fd = this.#fd;
    this.#fd = undefined;
    const finish = () => (fd === undefined ? callback(error) : close(fd, (closeError) => callback(error ?? closeError)));
    if (this.#reading) this.#closeAfterRead = finish;
    else finish();
  }

  /** Grows the next chunk when the consumer did not wait, shrinks it when it did. */
  #adapt(): void {
    if (this.#waited) {
      this.#waited = false;
      this.#size = Math.max(CHUNK_SIZES.least, this.#size / 2);
    } else if (this.#size < CHUNK_SIZES.most) {
      const grown = this.#size * 2;
      if (grown <= CHUNK_SIZES.base) this.#size = grown;
      else if (this.#licensed || (this.#licensed = take())) this.#size = grown;
    }
    // Small again, and no big chunk left downstream: another stream may have the licence.
    if (this.#licensed && this.#size <= CHUNK_SIZES.base && this.#recent[0] <= CHUNK_SIZES.base && this.#recent[1] <= CHUNK_SIZES.base) this.#giveBack();
  }

  #giveBack(): void {
    if (!this.#licensed) return;
    this.#licensed = false;
    licences++;
  }
}

function take(): boolean {
  if (licences === 0) return false;
  licences--;
  return true;
}
