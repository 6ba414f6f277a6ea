import type { Readable } from 'node:stream';
import type { ByteRange, FileStat, Storage } from '../storages/storage.js';
import type { DownloadFile } from './downloadFile.js';

/** A file of a Storage. The name is validated here, before any I/O. */
export class StorageFile implements DownloadFile {
  readonly path: string | undefined;
  readonly url: string | undefined;

  constructor(readonly storage: Storage, readonly name: string) {
    this.path = storage.path(name);
    this.url = storage.url(name);
  }

  stat(): Promise<FileStat> {
    return this.storage.stat(this.name);
  }

  open(range?: ByteRange): Promise<Readable> {
    return this.storage.open(this.name, range);
  }
}
