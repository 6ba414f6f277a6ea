/**
 * The plan of an archive, made before its first byte: each entry's safe
 * name, size, time and layout, its offset and the archive's exact size when
 * every entry is stored with a known size, and whether the bytes can be
 * reproduced (then Range works) — with the ETag that says which bytes.
 */
import { createHash } from 'node:crypto';
import type { FileStat } from '../../storages/storage.js';
import type { DownloadFile } from '../downloadFile.js';
import type { CrcCache } from './crc32.js';
import { safeEntryName, uniqueNames } from './names.js';
import {
  DEFLATED, MAX_32, STORED, type EntryRecord,
  centralHeaderLength, descriptorLength, endLength, localHeaderLength,
} from './records.js';

/** One entry of an archive, as the application gives it. */
export interface ZipEntry {
  /** Its path inside the archive, `/`-separated; a folder's ends with `/` and has no file. Made safe and unique. */
  name: string;
  /** Its bytes: any DownloadFile (StorageFile, VirtualFile, HTTPFile…). */
  file?: DownloadFile;
  /**
   * The CRC-32 of the file's bytes, when the application knows it (kept at
   * upload, say). Then it goes in the local header, and the archive can be
   * served in ranges without reading the file first. A wrong value fails
   * the download, rather than sending a corrupt archive.
   */
  crc32?: number;
  /** Deflate the bytes: true (level 6) or a zlib level 1–9. Default: stored as is. Then no length is known upfront. */
  compress?: boolean | number;
  /** The time recorded in the archive; default: the file's modifiedTime. */
  modifiedTime?: Date;
}

/** An entry as planned: its records, and what the writer needs to fill them. */
export interface PlannedEntry extends EntryRecord {
  file: DownloadFile | undefined;
  /** Deflate level, for DEFLATED entries. */
  level: number;
  /** False while the CRC is unknown: it is computed from the bytes. */
  crcKnown: boolean;
  /** The CrcCache key of this version of the file, when it has a strong ETag. */
  cacheKey: string | undefined;
  /**
   * The CRC came from the cache: this library computed it from this version
   * of the file (same strong ETag, size and time), so its bytes are not
   * hashed again. A CRC given by the application or the storage is checked.
   */
  crcCached: boolean;
}

export interface Plan {
  entries: PlannedEntry[];
  /** The archive's exact size: every entry stored with a known size. */
  size: number | undefined;
  /** Same bytes on every request while the files are unchanged: ranges can be served. */
  reproducible: boolean;
  etag: string | undefined;
  modifiedTime: Date | undefined;
}

/** Times before 1980 cannot be written in MS-DOS form: an entry without one gets this, the same every time. */
export const DOS_EPOCH = new Date(Date.UTC(1980, 0, 1));
const STAT_CONCURRENCY = 8;
/** Deflate can grow data a little; past this an entry's sizes are written in ZIP64 form. */
const DEFLATE_ZIP64_THRESHOLD = 0xff000000;

export async function planArchive(given: readonly ZipEntry[], crcCache: CrcCache | undefined): Promise<Plan> {
  const safe = given.map((entry) => safeEntryName(entry.name, !entry.file));
  const names = uniqueNames(safe);
  const kept = given.flatMap((entry, index) => (names[index] === undefined ? [] : [{ entry, name: names[index]! }]));
  const stats = await mapLimit(kept, STAT_CONCURRENCY, ({ entry }) => (entry.file ? entry.file.stat() : Promise.resolve<Partial<FileStat>>({})));

  // Folders take the newest time of the files: it is the same on every request.
  const times = kept.map(({ entry }, index) => (entry.file ? (entry.modifiedTime ?? stats[index]!.modifiedTime) : undefined));
  const newest = times.reduce((time, date) => Math.max(time, date?.getTime() ?? 0), DOS_EPOCH.getTime());
  const entries = await Promise.all(kept.map(({ entry, name }, index) => planEntry(entry, name, stats[index]!, new Date(newest), crcCache)));

  // Offsets and the size are known when every entry is stored with a known size.
  let size: number | undefined = 0;
  if (entries.every((entry) => entry.method === STORED && entry.size >= 0)) {
    let offset = 0;
    for (const entry of entries) {
      entry.offset = offset;
      offset += localHeaderLength(entry) + entry.size + descriptorLength(entry);
    }
    const directorySize = entries.reduce((total, entry) => total + centralHeaderLength(entry), 0);
    size = offset + directorySize + endLength({ count: entries.length, offset, size: directorySize });
  } else {
    size = undefined;
  }

  const identities = kept.map(({ entry }, index) => identity(entry, entries[index]!, stats[index]!));
  const reproducible = size !== undefined && kept.every(({ entry }, index) => !entry.file || (identities[index]!.strong && entry.file.acceptsRanges !== false));
  const etag = identities.every((id) => id.known) ? tag(entries, identities, !reproducible) : undefined;
  // Last-Modified only when every file has a time: else a change could keep it.
  const modifiedTime = kept.every(({ entry }, index) => !entry.file || times[index]) ? new Date(newest) : undefined;
  return { entries, size, reproducible, etag, modifiedTime };
}

async function planEntry(entry: ZipEntry, name: string, stat: Partial<FileStat>, folderTime: Date, crcCache: CrcCache | undefined): Promise<PlannedEntry> {
  const folder = !entry.file;
  const size = folder ? 0 : (stat.size ?? -1);
  const method = entry.compress && size !== 0 ? DEFLATED : STORED;
  const level = entry.compress === true ? 6 : typeof entry.compress === 'number' ? entry.compress : 0;
  // An empty entry's CRC is 0: it needs no reading.
  const supplied = size === 0 ? 0 : suppliedCrc(entry, stat);
  const cacheKey = isStrong(stat.etag) && size >= 0 ? `${stat.etag} ${size} ${stat.modifiedTime?.getTime() ?? ''}` : undefined;
  const cached = supplied === undefined && cacheKey && crcCache ? await crcCache.get(cacheKey) : undefined;
  const crc = supplied ?? cached;
  const descriptor = !(method === STORED && size >= 0 && supplied !== undefined);
  const zip64Sizes = size < 0 || size >= (method === STORED ? MAX_32 : DEFLATE_ZIP64_THRESHOLD);
  return {
    name: Buffer.from(name, 'utf8'),
    folder,
    method,
    level,
    modifiedTime: entry.modifiedTime ?? stat.modifiedTime ?? (folder ? folderTime : DOS_EPOCH),
    descriptor,
    zip64Sizes,
    crc: crc ?? 0,
    crcKnown: crc !== undefined,
    compressedSize: method === STORED ? size : -1,
    size,
    offset: -1,
    file: entry.file,
    cacheKey,
    crcCached: cached !== undefined,
  };
}

/** The application's CRC, else one the storage's stat gives (a storage may add `crc32` to its FileStat). */
function suppliedCrc(entry: ZipEntry, stat: Partial<FileStat>): number | undefined {
  const crc = entry.crc32 ?? (stat as { crc32?: unknown }).crc32;
  if (crc === undefined) return undefined;
  if (!Number.isInteger(crc) || (crc as number) < 0 || (crc as number) > MAX_32) throw new TypeError(`The crc32 of zip entry ${JSON.stringify(entry.name)} must be an unsigned 32-bit integer; got ${String(crc)}.`);
  return crc as number;
}

interface Identity {
  /** What names this version of the file's bytes. */
  value: string;
  /** The bytes are named exactly: a strong ETag, or a CRC the application vouches for. */
  strong: boolean;
  /** Something changes when the bytes do. */
  known: boolean;
}

function identity(entry: ZipEntry, planned: PlannedEntry, stat: Partial<FileStat>): Identity {
  if (!entry.file) return { value: '', strong: true, known: true };
  if (!planned.descriptor) return { value: `crc:${planned.crc}`, strong: true, known: true };
  if (isStrong(stat.etag)) return { value: stat.etag, strong: true, known: true };
  return { value: `${stat.etag ?? ''} ${stat.modifiedTime?.getTime() ?? ''}`, strong: false, known: Boolean(stat.etag || stat.modifiedTime) };
}

/** The archive's ETag: a digest of everything its bytes depend on. */
function tag(entries: PlannedEntry[], identities: Identity[], weak: boolean): string {
  const hash = createHash('sha256').update('koa-downloadview zip 1\n');
  for (const [index, entry] of entries.entries()) {
    hash.update(JSON.stringify([entry.name.toString('utf8'), entry.size, entry.method, entry.level, entry.modifiedTime.getTime(), identities[index]!.value]) + '\n');
  }
  const digest = hash.digest('base64url').slice(0, 32);
  return weak ? `W/"zip-${digest}"` : `"zip-${digest}"`;
}

function isStrong(etag: string | undefined): etag is string {
  return typeof etag === 'string' && etag.startsWith('"');
}

/** Maps with at most `limit` calls in flight, keeping the order. */
async function mapLimit<T, R>(items: readonly T[], limit: number, map: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await map(items[index]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
