import type { Readable } from 'node:stream';
import type { ByteRange, FileStat, OpenedFile, Storage } from '../storages/storage.js';
import type { DownloadFile } from './downloadFile.js';

/** A file of a Storage. The name is validated here, before any I/O. */
export class StorageFile implements DownloadFile {
  readonly path: string | undefined;
  #opened: OpenedFile | undefined;

  constructor(readonly storage: Storage, readonly name: string) {
    this.path = storage.path(name);
  }

  /** Built when asked (only URL rules ask): a streamed download never pays for the encoding. */
  get url(): string | undefined {
    return this.storage.url(this.name);
  }

  async stat(intent?: { willRead: boolean }): Promise<FileStat> {
    if (!intent?.willRead || !this.storage.openStat) return this.storage.stat(this.name);
    this.#opened = await this.storage.openStat(this.name);
    return this.#opened.stat;
  }

  open(range?: ByteRange): Promise<Readable> {
    const opened = this.#opened;
    this.#opened = undefined;
    return opened ? opened.read(range) : this.storage.open(this.name, range);
  }

  release(): void {
    this.#opened?.close();
    this.#opened = undefined;
  }
}
