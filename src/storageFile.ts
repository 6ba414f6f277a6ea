import type { Readable } from 'node:stream';
import type { ByteRange, FileStat, OpenedFile, Storage } from '../storages/storage.js';
import type { DownloadFile } from './downloadFile.js';
import { FileNotFoundError } from './errors.js';

/**
 * A file of a Storage. The name is validated here, before any I/O. No name
 * (an empty field of the app's model) and a folder's name (`reports/`) name
 * no file: 404, as Django answers; hostile names stay a 400.
 */
export class StorageFile implements DownloadFile {
  readonly path: string | undefined;
  readonly #namesNoFile: boolean;
  #opened: OpenedFile | undefined;

  constructor(readonly storage: Storage, readonly name: string) {
    this.#namesNoFile = !name || (typeof name === 'string' && name.endsWith('/'));
    this.path = this.#namesNoFile ? undefined : storage.path(name);
  }

  /** Built when asked (only URL rules ask): a streamed download never pays for the encoding. */
  get url(): string | undefined {
    return this.#namesNoFile ? undefined : this.storage.url(this.name);
  }

  async stat(intent?: { willRead: boolean }): Promise<FileStat> {
    this.#assertNamesFile();
    if (!intent?.willRead || !this.storage.openStat) return this.storage.stat(this.name);
    this.#opened = await this.storage.openStat(this.name);
    return this.#opened.stat;
  }

  lookUp(): void | Promise<unknown> {
    this.#assertNamesFile();
    return this.storage.lookUp ? this.storage.lookUp(this.name) : this.storage.stat(this.name);
  }

  #assertNamesFile(): void {
    if (this.#namesNoFile) throw new FileNotFoundError(String(this.name), { reason: this.name ? 'the name of a folder' : 'no name' });
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
