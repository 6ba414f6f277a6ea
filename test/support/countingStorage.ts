import type { Readable } from 'node:stream';
import type { ByteRange, FileStat, SaveContent, SaveOptions, Storage } from '../../storages/storage.js';

/**
 * Wraps a Storage and records every stat and open, with the range asked,
 * so a test can prove what a response did or did not touch.
 */
export class CountingStorage implements Storage {
  /** Every call that would touch the disk or the network, in order: `stat a.txt`, `open a.txt`. */
  readonly calls: string[] = [];
  readonly stats: string[] = [];
  readonly opens: { name: string; range: ByteRange | undefined }[] = [];
  /** Streams returned by open(), to check they were destroyed. */
  readonly streams: Readable[] = [];

  constructor(readonly inner: Storage) {}

  exists(name: string): Promise<boolean> {
    this.calls.push(`exists ${name}`);
    return this.inner.exists(name);
  }

  stat(name: string): Promise<FileStat> {
    this.calls.push(`stat ${name}`);
    this.stats.push(name);
    return this.inner.stat(name);
  }

  async open(name: string, range?: ByteRange): Promise<Readable> {
    this.calls.push(`open ${name}`);
    this.opens.push({ name, range });
    const stream = await this.inner.open(name, range);
    this.streams.push(stream);
    return stream;
  }

  save(name: string, content: SaveContent, options?: SaveOptions): Promise<string> {
    return this.inner.save(name, content, options);
  }

  delete(name: string): Promise<void> {
    return this.inner.delete(name);
  }

  list(prefix?: string): AsyncIterable<string> {
    return this.inner.list(prefix);
  }

  path(name: string): string | undefined {
    return this.inner.path(name);
  }

  url(name: string): string | undefined {
    return this.inner.url(name);
  }
}
