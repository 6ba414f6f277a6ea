import type { Readable } from 'node:stream';
import type { ByteRange, FileStat } from '../storages/storage.js';

/**
 * What a download route serves. Three kinds ship with the library:
 * StorageFile, VirtualFile and HTTPFile; any object of this shape works.
 */
export interface DownloadFile {
  /** The client-side file name by default (its last segment), and the MIME guess. */
  readonly name: string;
  /** Absolute local path: X-Sendfile rules (`sourceDir`) can offload it. */
  readonly path?: string | undefined;
  /** URL: X-Sendfile rules (`sourceUrl`) can offload it. */
  readonly url?: string | undefined;
  /**
   * False when the bytes can be read once only (a stream, not a factory of
   * streams): no Accept-Ranges, and a Range gets the whole body with 200.
   * Default: ranges are served whenever the size is known.
   */
  readonly acceptsRanges?: boolean;
  /**
   * Size may be unknown for generated content. With `{ willRead: true }`
   * (a plain GET) a file may open itself now and keep what it opened for the
   * next open(): then release() frees it if no body follows.
   */
  stat(intent?: { willRead: boolean }): Promise<Partial<FileStat>>;
  /** Opens the bytes, or only `range` of them. Called only when the body is written. */
  open(range?: ByteRange): Promise<Readable>;
  /**
   * Optional: checks that the file is there and may be served, before a
   * proxy is handed it, more cheaply than stat(); a plain return (no promise)
   * says yes at once. Without it, stat() is asked.
   */
  lookUp?(): void | Promise<unknown>;
  /** Frees what stat({ willRead: true }) kept open, when no body follows. */
  release?(): void;
}
