/**
 * The records of a ZIP file (PKWARE APPNOTE 6.3.10), byte for byte: local
 * file header, data descriptor, central directory header, and the end
 * records, ZIP64 ones only where a field overflows. Every length here is
 * also computed without building the record, so that an archive's exact
 * size is known before its first byte.
 */

export const MAX_32 = 0xffffffff;
export const MAX_16 = 0xffff;

const LOCAL_HEADER = 0x04034b50;
const DATA_DESCRIPTOR = 0x08074b50;
const CENTRAL_HEADER = 0x02014b50;
const ZIP64_END = 0x06064b50;
const ZIP64_LOCATOR = 0x07064b50;
const END = 0x06054b50;

/** General purpose flags: bit 3, sizes and CRC follow the data; bit 11, the name is UTF-8. */
const FLAG_DESCRIPTOR = 0x0008;
const FLAG_UTF8 = 0x0800;
export const STORED = 0;
export const DEFLATED = 8;
const MADE_BY_UNIX = 3 << 8;
const FILE_MODE = 0o100644;
const FOLDER_MODE = 0o040755;
const MSDOS_FOLDER = 0x10;

/** The Info-ZIP extended timestamp (0x5455) with the modification time only: 9 bytes, in UTC. */
const TIMESTAMP_EXTRA = 9;
/** Local ZIP64 extra: both sizes, always together (APPNOTE 4.5.3). */
const LOCAL_ZIP64_EXTRA = 4 + 16;
export const END_LENGTH = 22;
export const ZIP64_END_LENGTH = 56 + 20;

/** What one entry's records say about it. */
export interface EntryRecord {
  name: Buffer;
  folder: boolean;
  method: typeof STORED | typeof DEFLATED;
  modifiedTime: Date;
  /** CRC and sizes follow the data in a descriptor: they are not in the local header. */
  descriptor: boolean;
  /** The local header carries a ZIP64 extra: sizes that may pass 4 GiB (or are unknown yet). */
  zip64Sizes: boolean;
  /** Known upfront when not `descriptor`; else once the data is written. */
  crc: number;
  compressedSize: number;
  size: number;
  /** Offset of the local header in the archive. */
  offset: number;
}

export function localHeaderLength(entry: Pick<EntryRecord, 'name' | 'zip64Sizes'>): number {
  return 30 + entry.name.length + TIMESTAMP_EXTRA + (entry.zip64Sizes ? LOCAL_ZIP64_EXTRA : 0);
}

export function descriptorLength(entry: Pick<EntryRecord, 'descriptor' | 'zip64Sizes'>): number {
  return entry.descriptor ? (entry.zip64Sizes ? 24 : 16) : 0;
}

/** The fields of the central ZIP64 extra, in APPNOTE order: only those that overflow. */
function centralZip64Fields(entry: Pick<EntryRecord, 'size' | 'compressedSize' | 'offset'>): number[] {
  return [entry.size, entry.compressedSize, entry.offset].filter((value) => value >= MAX_32);
}

export function centralHeaderLength(entry: Pick<EntryRecord, 'name' | 'size' | 'compressedSize' | 'offset'>): number {
  const zip64 = centralZip64Fields(entry).length;
  return 46 + entry.name.length + TIMESTAMP_EXTRA + (zip64 ? 4 + 8 * zip64 : 0);
}

function versionNeeded(entry: Pick<EntryRecord, 'folder' | 'method'>, zip64: boolean): number {
  return zip64 ? 45 : entry.method === DEFLATED || entry.folder ? 20 : 10;
}

function flags(entry: Pick<EntryRecord, 'descriptor'>): number {
  return FLAG_UTF8 | (entry.descriptor ? FLAG_DESCRIPTOR : 0);
}

/** MS-DOS date and time, read as UTC so that the bytes do not depend on the server's time zone; 1980–2107. */
function dosDateTime(date: Date): { time: number; date: number } {
  const clamped = new Date(Math.min(Math.max(date.getTime(), Date.UTC(1980, 0, 1)), Date.UTC(2107, 11, 31, 23, 59, 58)));
  return {
    time: (clamped.getUTCHours() << 11) | (clamped.getUTCMinutes() << 5) | (clamped.getUTCSeconds() >> 1),
    date: ((clamped.getUTCFullYear() - 1980) << 9) | ((clamped.getUTCMonth() + 1) << 5) | clamped.getUTCDate(),
  };
}

function writeTimestampExtra(buffer: Buffer, at: number, date: Date): number {
  const seconds = Math.min(Math.max(Math.floor(date.getTime() / 1000), 0), 0x7fffffff);
  buffer.writeUInt16LE(0x5455, at);
  buffer.writeUInt16LE(5, at + 2);
  buffer.writeUInt8(1, at + 4);
  buffer.writeUInt32LE(seconds, at + 5);
  return at + TIMESTAMP_EXTRA;
}

export function localHeader(entry: EntryRecord): Buffer {
  const buffer = Buffer.alloc(localHeaderLength(entry));
  const { time, date } = dosDateTime(entry.modifiedTime);
  // With a descriptor, CRC and sizes are zero here (APPNOTE 4.4.4); with ZIP64, the sizes are in the extra.
  const crc = entry.descriptor ? 0 : entry.crc;
  const compressedSize = entry.descriptor ? 0 : entry.compressedSize;
  const size = entry.descriptor ? 0 : entry.size;
  buffer.writeUInt32LE(LOCAL_HEADER, 0);
  buffer.writeUInt16LE(versionNeeded(entry, entry.zip64Sizes), 4);
  buffer.writeUInt16LE(flags(entry), 6);
  buffer.writeUInt16LE(entry.method, 8);
  buffer.writeUInt16LE(time, 10);
  buffer.writeUInt16LE(date, 12);
  buffer.writeUInt32LE(crc >>> 0, 14);
  buffer.writeUInt32LE(entry.zip64Sizes ? MAX_32 : compressedSize, 18);
  buffer.writeUInt32LE(entry.zip64Sizes ? MAX_32 : size, 22);
  buffer.writeUInt16LE(entry.name.length, 26);
  buffer.writeUInt16LE(buffer.length - 30 - entry.name.length, 28);
  entry.name.copy(buffer, 30);
  let at = writeTimestampExtra(buffer, 30 + entry.name.length, entry.modifiedTime);
  if (entry.zip64Sizes) {
    buffer.writeUInt16LE(0x0001, at);
    buffer.writeUInt16LE(16, at + 2);
    at = writeUInt64(buffer, at + 4, size);
    writeUInt64(buffer, at, compressedSize);
  }
  return buffer;
}

export function dataDescriptor(entry: EntryRecord): Buffer {
  const buffer = Buffer.alloc(descriptorLength(entry));
  buffer.writeUInt32LE(DATA_DESCRIPTOR, 0);
  buffer.writeUInt32LE(entry.crc >>> 0, 4);
  if (entry.zip64Sizes) {
    writeUInt64(buffer, 8, entry.compressedSize);
    writeUInt64(buffer, 16, entry.size);
  } else {
    buffer.writeUInt32LE(entry.compressedSize, 8);
    buffer.writeUInt32LE(entry.size, 12);
  }
  return buffer;
}

export function centralHeader(entry: EntryRecord): Buffer {
  const zip64 = centralZip64Fields(entry);
  const buffer = Buffer.alloc(centralHeaderLength(entry));
  const { time, date } = dosDateTime(entry.modifiedTime);
  const version = versionNeeded(entry, zip64.length > 0 || entry.zip64Sizes);
  buffer.writeUInt32LE(CENTRAL_HEADER, 0);
  buffer.writeUInt16LE(MADE_BY_UNIX | version, 4);
  buffer.writeUInt16LE(version, 6);
  buffer.writeUInt16LE(flags(entry), 8);
  buffer.writeUInt16LE(entry.method, 10);
  buffer.writeUInt16LE(time, 12);
  buffer.writeUInt16LE(date, 14);
  buffer.writeUInt32LE(entry.crc >>> 0, 16);
  buffer.writeUInt32LE(Math.min(entry.compressedSize, MAX_32), 20);
  buffer.writeUInt32LE(Math.min(entry.size, MAX_32), 24);
  buffer.writeUInt16LE(entry.name.length, 28);
  buffer.writeUInt16LE(buffer.length - 46 - entry.name.length, 30);
  // Comment length, disk number start, internal attributes: zero.
  const mode = entry.folder ? FOLDER_MODE : FILE_MODE;
  buffer.writeUInt32LE(((mode << 16) | (entry.folder ? MSDOS_FOLDER : 0)) >>> 0, 38);
  buffer.writeUInt32LE(Math.min(entry.offset, MAX_32), 42);
  entry.name.copy(buffer, 46);
  let at = writeTimestampExtra(buffer, 46 + entry.name.length, entry.modifiedTime);
  if (zip64.length) {
    buffer.writeUInt16LE(0x0001, at);
    buffer.writeUInt16LE(8 * zip64.length, at + 2);
    at += 4;
    for (const value of zip64) at = writeUInt64(buffer, at, value);
  }
  return buffer;
}

export interface Directory {
  count: number;
  /** Offset and length of the central directory. */
  offset: number;
  size: number;
}

/** ZIP64 end records are needed past 65,534 entries or when an offset or size passes 4 GiB. */
export function needsZip64End(directory: Directory): boolean {
  return directory.count >= MAX_16 || directory.offset >= MAX_32 || directory.size >= MAX_32;
}

export function endLength(directory: Directory): number {
  return (needsZip64End(directory) ? ZIP64_END_LENGTH : 0) + END_LENGTH;
}

/** The end of the archive: ZIP64 end record and locator when needed, then the end of central directory record. */
export function endRecords(directory: Directory): Buffer {
  const buffer = Buffer.alloc(endLength(directory));
  let at = 0;
  if (needsZip64End(directory)) {
    const zip64EndOffset = directory.offset + directory.size;
    buffer.writeUInt32LE(ZIP64_END, 0);
    writeUInt64(buffer, 4, 56 - 12);
    buffer.writeUInt16LE(MADE_BY_UNIX | 45, 12);
    buffer.writeUInt16LE(45, 14);
    // Disk numbers (4 + 4 bytes): zero.
    writeUInt64(buffer, 24, directory.count);
    writeUInt64(buffer, 32, directory.count);
    writeUInt64(buffer, 40, directory.size);
    writeUInt64(buffer, 48, directory.offset);
    buffer.writeUInt32LE(ZIP64_LOCATOR, 56);
    writeUInt64(buffer, 64, zip64EndOffset);
    buffer.writeUInt32LE(1, 72);
    at = ZIP64_END_LENGTH;
  }
  buffer.writeUInt32LE(END, at);
  buffer.writeUInt16LE(Math.min(directory.count, MAX_16), at + 8);
  buffer.writeUInt16LE(Math.min(directory.count, MAX_16), at + 10);
  buffer.writeUInt32LE(Math.min(directory.size, MAX_32), at + 12);
  buffer.writeUInt32LE(Math.min(directory.offset, MAX_32), at + 16);
  return buffer;
}

function writeUInt64(buffer: Buffer, at: number, value: number): number {
  buffer.writeBigUInt64LE(BigInt(value), at);
  return at + 8;
}
