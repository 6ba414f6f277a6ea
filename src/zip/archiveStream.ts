/**
 * The readable side of an archive: a writer function pushes bytes as the
 * reader asks for them (backpressure), and every source it opens is
 * tracked, so that destroying the stream (the client left) destroys the
 * source being read at once, even one that hangs.
 */
import { Readable } from 'node:stream';

/** Thrown inside the writer once the stream is destroyed: it stops there. */
class Stopped extends Error {}

export interface ArchiveOutput {
  /** Resolves when the reader wants more; rejects once the stream is destroyed. */
  write(chunk: Uint8Array): Promise<void>;
  /** Registers a source, destroyed with the stream; destroys it at once if the stream already is. */
  track<T extends Readable>(source: T): T;
  /** Destroys a source and forgets it. */
  untrack(source: Readable): void;
}

export class ArchiveStream extends Readable implements ArchiveOutput {
  readonly #produce: (output: ArchiveOutput) => Promise<void>;
  readonly #sources = new Set<Readable>();
  #resume: (() => void) | undefined;
  #started = false;

  constructor(produce: (output: ArchiveOutput) => Promise<void>) {
    super({ highWaterMark: 64 * 1024 });
    this.#produce = produce;
  }

  override _read(): void {
    if (!this.#started) {
      this.#started = true;
      this.#produce(this).then(
        () => this.destroyed || this.push(null),
        (error: unknown) => this.destroyed || this.destroy(error as Error),
      );
      return;
    }
    const resume = this.#resume;
    this.#resume = undefined;
    resume?.();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    for (const source of this.#sources) source.destroy();
    this.#sources.clear();
    const resume = this.#resume;
    this.#resume = undefined;
    resume?.();
    callback(error);
  }

  async write(chunk: Uint8Array): Promise<void> {
    if (this.destroyed) throw new Stopped();
    if (!this.push(chunk)) await new Promise<void>((resolve) => (this.#resume = resolve));
    if (this.destroyed) throw new Stopped();
  }

  track<T extends Readable>(source: T): T {
    if (this.destroyed) {
      source.destroy();
      throw new Stopped();
    }
    this.#sources.add(source);
    return source;
  }

  untrack(source: Readable): void {
    source.destroy();
    this.#sources.delete(source);
  }
}
