/**
 * CRC-32 of entry data, and where archives remember it. Node's zlib.crc32
 * (native, since 20.15 and 22.2) does the work; older Node 20 releases fall
 * back to the table-driven loop of APPNOTE 4.4.7.
 */
import * as zlib from 'node:zlib';

type Crc32 = (data: Uint8Array, value?: number) => number;

const TABLE = Int32Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c;
});

function tableCrc32(data: Uint8Array, value = 0): number {
  let crc = ~value;
  for (let i = 0; i < data.length; i++) crc = TABLE[(crc ^ data[i]!) & 0xff]! ^ (crc >>> 8);
  return ~crc >>> 0;
}

export const crc32: Crc32 = (zlib as { crc32?: Crc32 }).crc32 ?? tableCrc32;

/**
 * Where CRC-32s of files are kept between downloads, so that the next
 * archive of the same files knows them before reading any. Keys name one
 * version of one file (its strong ETag, size and modification time). Any
 * store works: get may answer a promise (e.g. Redis).
 */
export interface CrcCache {
  get(key: string): number | undefined | Promise<number | undefined>;
  set(key: string, crc: number): void;
}

/** An in-process CrcCache of bounded size: the least recently used key goes first. */
export class MemoryCrcCache implements CrcCache {
  readonly #entries = new Map<string, number>();

  constructor(readonly capacity = 10_000) {}

  get(key: string): number | undefined {
    const crc = this.#entries.get(key);
    if (crc !== undefined) {
      this.#entries.delete(key);
      this.#entries.set(key, crc);
    }
    return crc;
  }

  set(key: string, crc: number): void {
    this.#entries.delete(key);
    this.#entries.set(key, crc);
    if (this.#entries.size > this.capacity) this.#entries.delete(this.#entries.keys().next().value!);
  }
}

/** Shared by every archive that is given no cache of its own. */
export const defaultCrcCache = new MemoryCrcCache();
