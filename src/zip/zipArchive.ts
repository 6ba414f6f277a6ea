/**
 * A ZIP archive of many files, as one DownloadFile: sendFile serves it like
 * any file (headers, conditional requests, Range, HEAD, a lazy body), and it
 * is never offloaded (no path, no URL). It streams as it is read: no
 * temporary file, no archive in memory.
 */
import { posix } from 'node:path';
import type { Readable } from 'node:stream';
import type { ByteRange, FileStat } from '../../storages/storage.js';
import type { DownloadFile } from '../downloadFile.js';
import { ArchiveStream } from './archiveStream.js';
import { defaultCrcCache, type CrcCache } from './crc32.js';
import { planArchive, type Plan, type ZipEntry } from './plan.js';
import { writeArchive } from './writer.js';

export interface ZipArchiveOptions {
  /** The archive's file name; default `download.zip`. */
  name?: string;
  /** Where CRC-32s learnt while streaming are kept for the next request; default one in-process cache; false: none. */
  crcCache?: CrcCache | false;
}

export class ZipArchive implements DownloadFile {
  readonly name: string;
  readonly #entries: readonly ZipEntry[];
  readonly #crcCache: CrcCache | undefined;
  #plan: Promise<Plan> | undefined;
  #reproducible = false;

  constructor(entries: Iterable<ZipEntry>, options: ZipArchiveOptions = {}) {
    this.#entries = [...entries];
    for (const entry of this.#entries) {
      if (typeof entry?.name !== 'string') throw new TypeError('A zip entry is { name, file }: name is its path inside the archive (a folder\'s ends with "/"), file a DownloadFile.');
    }
    this.name = options.name ?? 'download.zip';
    this.#crcCache = options.crcCache === false ? undefined : (options.crcCache ?? defaultCrcCache);
  }

  /**
   * Known after stat(): true when the archive's bytes are the same on every
   * request (stored entries of known size, each file named by a strong ETag
   * or a given CRC, and each one that can be read again).
   */
  get acceptsRanges(): boolean {
    return this.#reproducible;
  }

  async stat(): Promise<Partial<FileStat>> {
    const plan = await this.#planned();
    return {
      ...(plan.size !== undefined && { size: plan.size }),
      ...(plan.modifiedTime && { modifiedTime: plan.modifiedTime }),
      ...(plan.etag && { etag: plan.etag }),
      contentType: 'application/zip',
    };
  }

  async open(range?: ByteRange): Promise<Readable> {
    const plan = await this.#planned();
    if (range && !plan.reproducible) throw new RangeError(`The archive ${posix.basename(this.name)} cannot be read in ranges: its bytes are not reproducible.`);
    return new ArchiveStream((output) => writeArchive(plan, range, output, this.#crcCache));
  }

  #planned(): Promise<Plan> {
    this.#plan ??= planArchive(this.#entries, this.#crcCache).then((plan) => {
      this.#reproducible = plan.reproducible;
      return plan;
    });
    return this.#plan;
  }
}
