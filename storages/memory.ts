/** MemoryStorage: files in a Map, for tests, demos and generated content. */
import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { FileNotFoundError } from './errors.js';
import { bufferStream, toBuffer } from './content.js';
import { checkBaseUrl, joinUrl, validateName } from './names.js';
import type { ByteRange, FileStat, SaveContent, SaveOptions, Storage } from './storage.js';

export interface MemoryStorageOptions {
  /** Public URL prefix used by `url()`, e.g. `/media/memory/`. */
  baseUrl?: string;
}

interface Entry {
  data: Buffer;
  stat: FileStat;
}

export class MemoryStorage implements Storage {
  readonly baseUrl: string | undefined;
  readonly #files = new Map<string, Entry>();

  constructor(options: MemoryStorageOptions = {}) {
    this.baseUrl = checkBaseUrl('MemoryStorage', options.baseUrl);
  }

  async exists(name: string): Promise<boolean> {
    return this.#files.has(validateName(name));
  }

  async stat(name: string): Promise<FileStat> {
    return { ...this.#entry(name).stat };
  }

  async open(name: string, range?: ByteRange): Promise<Readable> {
    return bufferStream(this.#entry(name).data, range);
  }

  async save(name: string, content: SaveContent, options: SaveOptions = {}): Promise<string> {
    validateName(name);
    const data = await toBuffer(content);
    const etag = `"${createHash('md5').update(data).digest('hex')}"`;
    const stat: FileStat = { size: data.byteLength, modifiedTime: new Date(), etag };
    if (options.contentType) stat.contentType = options.contentType;
    this.#files.set(name, { data, stat });
    return name;
  }

  async delete(name: string): Promise<void> {
    this.#files.delete(validateName(name));
  }

  async *list(prefix = ''): AsyncIterable<string> {
    for (const name of [...this.#files.keys()]) if (name.startsWith(prefix)) yield name;
  }

  path(name: string): undefined {
    validateName(name);
    return undefined;
  }

  url(name: string): string | undefined {
    return joinUrl(this.baseUrl, name);
  }

  #entry(name: string): Entry {
    const entry = this.#files.get(validateName(name));
    if (!entry) throw new FileNotFoundError(name);
    return entry;
  }
}
