/**
 * Writes an archive, or one window of its bytes, from its plan. Sources open
 * one at a time, in order, each only if its bytes (or its CRC) are needed,
 * and only for the part needed. The writer keeps one position and emits
 * each record and chunk through a window, so the whole archive and a range
 * of it are one code path.
 */
import { pipeline, type Readable } from 'node:stream';
import { createDeflateRaw } from 'node:zlib';
import type { ByteRange } from '../../storages/storage.js';
import type { ArchiveOutput } from './archiveStream.js';
import { crc32, type CrcCache } from './crc32.js';
import type { Plan, PlannedEntry } from './plan.js';
import { DEFLATED, centralHeader, dataDescriptor, endRecords, localHeader } from './records.js';

/** The central directory goes out in chunks of about this size. */
const DIRECTORY_CHUNK = 64 * 1024;

export async function writeArchive(plan: Plan, range: ByteRange | undefined, output: ArchiveOutput, crcCache: CrcCache | undefined): Promise<void> {
  const window = { start: range?.start ?? 0, end: range?.end ?? Infinity };
  // Offsets, sizes and CRCs found while writing belong to this response; CRCs also to the plan.
  const entries = plan.entries.map((entry) => ({ ...entry }));
  let position = 0;
  const emit = async (bytes: Uint8Array): Promise<void> => {
    const from = Math.max(window.start - position, 0);
    const to = Math.min(window.end + 1 - position, bytes.length);
    position += bytes.length;
    if (from < to) await output.write(from === 0 && to === bytes.length ? bytes : bytes.subarray(from, to));
  };
  const finished = () => position > window.end;

  for (const [index, entry] of entries.entries()) {
    entry.offset = position;
    await emit(localHeader(entry));
    if (!entry.folder) {
      const dataStart = position;
      if (entry.method === DEFLATED) await writeDeflated(entry);
      else await writeStored(entry);
      position = dataStart + entry.compressedSize;
      if (entry.crcKnown && !plan.entries[index]!.crcKnown) learnCrc(plan.entries[index]!, entry.crc);
    }
    if (finished()) return;
    if (entry.descriptor) await emit(dataDescriptor(entry));
  }

  const directory = { count: entries.length, offset: position, size: 0 };
  let chunk: Buffer[] = [];
  let chunkLength = 0;
  for (const entry of entries) {
    const header = centralHeader(entry);
    chunk.push(header);
    chunkLength += header.length;
    directory.size += header.length;
    if (chunkLength >= DIRECTORY_CHUNK) {
      await emit(Buffer.concat(chunk, chunkLength));
      if (finished()) return;
      chunk = [];
      chunkLength = 0;
    }
  }
  await emit(Buffer.concat([...chunk, endRecords(directory)]));

  function learnCrc(planned: PlannedEntry, crc: number): void {
    planned.crc = crc;
    planned.crcKnown = true;
    if (planned.cacheKey) crcCache?.set(planned.cacheKey, crc);
  }

  /** Stored bytes: the window's part only, unless the CRC is unknown and a record after the data needs it. */
  async function writeStored(entry: PlannedEntry): Promise<void> {
    const dataStart = position;
    const known = entry.size >= 0;
    const needsCrc = !entry.crcKnown && (!known || window.end >= dataStart + entry.size);
    const from = known ? Math.min(Math.max(window.start - dataStart, 0), entry.size) : 0;
    const to = known ? Math.min(Math.max(window.end + 1 - dataStart, 0), entry.size) : Infinity;
    if (!needsCrc && from >= to) return;
    const part = needsCrc || (from === 0 && to === entry.size) ? undefined : { start: from, end: to - 1 };
    const source = output.track(await openEntry(entry, part));
    position = dataStart + (part?.start ?? 0);
    // The CRC is computed, or checked, from the whole entry's bytes; one from the cache is trusted as the ETag is.
    const hashing = !part && !entry.crcCached;
    let crc = 0;
    let received = 0;
    const expected = part ? part.end - part.start + 1 : entry.size;
    try {
      for await (const chunk of source as AsyncIterable<Buffer>) {
        received += chunk.length;
        if (known && received > expected) throw new ZipEntryError(entry, `grew while it was sent: more than the ${entry.size} bytes announced`);
        if (hashing) crc = crc32(chunk, crc);
        await emit(chunk);
      }
    } finally {
      output.untrack(source);
    }
    if (known && received < expected) throw new ZipEntryError(entry, `shrank while it was sent: ${received} of ${expected} bytes`);
    if (!known) entry.size = entry.compressedSize = received;
    if (hashing) checkCrc(entry, crc);
  }

  async function writeDeflated(entry: PlannedEntry): Promise<void> {
    const source = output.track(await openEntry(entry));
    const deflate = output.track(createDeflateRaw({ level: entry.level }));
    let crc = 0;
    let size = 0;
    source.on('data', (chunk: Buffer) => {
      crc = crc32(chunk, crc);
      size += chunk.length;
    });
    pipeline(source, deflate, () => {});
    let compressed = 0;
    try {
      for await (const chunk of deflate as AsyncIterable<Buffer>) {
        compressed += chunk.length;
        await emit(chunk);
      }
    } finally {
      output.untrack(source);
      output.untrack(deflate);
    }
    entry.size = size;
    entry.compressedSize = compressed;
    checkCrc(entry, crc);
  }
}

/**
 * A source that cannot be opened once the archive's headers are sent is the
 * server's failure, whatever the storage said: its FileNotFoundError (404,
 * meant for the client) would be left out by Koa's error printer.
 */
async function openEntry(entry: PlannedEntry, part?: ByteRange): Promise<Readable> {
  try {
    return await entry.file!.open(part);
  } catch (error) {
    throw new ZipEntryError(entry, `could not be opened: ${(error as Error).message}`, { cause: error });
  }
}

/** A CRC the plan already knew (given, or cached under the file's ETag) must match the bytes. */
function checkCrc(entry: PlannedEntry, crc: number): void {
  if (entry.crcKnown && entry.crc !== crc) {
    throw new ZipEntryError(entry, `changed: its bytes have CRC-32 ${crc.toString(16)}, not the ${entry.crc.toString(16)} given or cached for it`);
  }
  entry.crc = crc;
  entry.crcKnown = true;
}

/** A source that failed the archive: the response ends as an error, never as a short archive. */
export class ZipEntryError extends Error {
  constructor(entry: PlannedEntry, problem: string, options?: ErrorOptions) {
    super(`Zip entry ${JSON.stringify(entry.name.toString('utf8'))} ${problem}.`, options);
    this.name = 'ZipEntryError';
  }
}
