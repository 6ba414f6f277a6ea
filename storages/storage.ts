/**
 * The storage contract. Every driver (filesystem, memory, S3) implements it
 * and passes the shared suite in test/storages/contract.ts.
 *
 * Names are storage-relative, `/`-separated, Unicode allowed. Hostile names
 * (absolute, `..`, NUL, control characters, backslashes) are refused with
 * InvalidNameError before any I/O.
 */
import type { Readable } from 'node:stream';

export interface FileStat {
  size: number;
  modifiedTime: Date;
  /** The storage's own validator, a full ETag header value (`"…"` or `W/"…"`). */
  etag?: string;
  contentType?: string;
}

/** Inclusive byte range, as in HTTP: `{ start: 0, end: 0 }` is the first byte. */
export interface ByteRange {
  start: number;
  end: number;
}

export type SaveContent = string | Uint8Array | Readable | AsyncIterable<Uint8Array | string>;

export interface SaveOptions {
  contentType?: string;
}

/**
 * A file opened and stat'ed at once. A download then checks, stats and reads
 * one and the same file, with no race between stat and open, in fewer round
 * trips. `read` is called at most once; `close` frees the file when it is not.
 */
export interface OpenedFile {
  readonly stat: FileStat;
  read(range?: ByteRange): Promise<Readable>;
  close(): void;
}

export interface Storage {
  exists(name: string): Promise<boolean>;
  /** @throws FileNotFoundError */
  stat(name: string): Promise<FileStat>;
  /** Opens the file, or only `range` of it. @throws FileNotFoundError */
  open(name: string, range?: ByteRange): Promise<Readable>;
  /** Writes (or overwrites) the file; resolves to its name. */
  save(name: string, content: SaveContent, options?: SaveOptions): Promise<string>;
  /** Deleting a missing file is not an error. */
  delete(name: string): Promise<void>;
  /** Every file whose name starts with `prefix`, in no promised order. */
  list(prefix?: string): AsyncIterable<string>;
  /** Absolute local path, for X-Sendfile; undefined unless the file is on local disk. */
  path(name: string): string | undefined;
  /** Public URL (baseUrl + percent-encoded name); undefined without a baseUrl. */
  url(name: string): string | undefined;
  /** Optional: opens and stats a file in one go, for downloads that will read it. @throws FileNotFoundError */
  openStat?(name: string): Promise<OpenedFile>;
  /**
   * Optional: checks that the file is there and served, as stat() would,
   * without telling its size, before a proxy is handed it. Returns nothing,
   * with no promise, when the storage can tell at once. @throws FileNotFoundError
   */
  lookUp?(name: string): void | Promise<void>;
}
