import type { Context } from 'koa';
import type { DownloadFile } from './downloadFile.js';

/** How a download route presents a file. Every route factory and sendFile take these. */
export interface DownloadOptions {
  /** `Content-Disposition: attachment` (default) or, when false, `inline`. The filename is sent either way. */
  attachment?: boolean;
  /** The client-side file name; default: the last segment of `file.name`. */
  basename?: string | ((ctx: Context, file: DownloadFile) => string);
  /** Overrides the storage's type and the guess from the file name. */
  contentType?: string;
  /** Charset added to text types only; default `utf-8`; false adds none. */
  charset?: string | false;
  /** A Cache-Control header value, e.g. `private, max-age=3600`. */
  cacheControl?: string;
}
