/** The representation headers of a download, computed once from its name, stat and options. */
import type { Context } from 'koa';
import mime from 'mime-types';
import type { FileStat } from '../storages/storage.js';
import { contentDisposition } from './contentDisposition.js';
import { memoize } from './memoize.js';
import type { DownloadOptions } from './options.js';

/** Whether a header can carry `value` as given: printable ASCII and tabs (a control character would split it, non-ASCII would fail to send). */
export function isHeaderValue(value: unknown): value is string {
  return typeof value === 'string' && /^[\t\x20-\x7e]*$/.test(value);
}

/** From the options, else the storage, else the file name; a charset for text types only. */
export function contentType(basename: string, stat: Partial<FileStat>, options: DownloadOptions): string {
  const given = options.contentType ?? stat.contentType;
  if (given === undefined && options.charset === undefined) return defaultContentType(basename);
  return withCharset(given ?? typeOfName(basename), options.charset);
}

function withCharset(type: string, charset: string | false | undefined): string {
  if (charset === false || /;\s*charset=/i.test(type)) return type;
  return takesCharset(type) ? `${type}; charset=${charset ?? 'utf-8'}` : type;
}

const typeOfName = memoize((basename) => mime.lookup(basename) || 'application/octet-stream');
// The whole header in the common case (the name's type, the default charset), made once per name.
const defaultContentType = memoize((basename) => withCharset(typeOfName(basename), undefined));
const takesCharset = memoize((type) => Boolean(mime.charset(type.split(';', 1)[0]!.trim())));

/** The storage's own ETag, else a weak one from size and modification time (as the etag module builds for fs.Stats). */
export function entityTag(stat: Partial<FileStat>): string | undefined {
  if (stat.etag) return stat.etag;
  if (stat.size === undefined || !stat.modifiedTime) return undefined;
  return `W/"${stat.size.toString(16)}-${stat.modifiedTime.getTime().toString(16)}"`;
}

export function downloadHeaders(basename: string, stat: Partial<FileStat>, options: DownloadOptions, acceptsRanges = true): Record<string, string> {
  const headers: Record<string, string> = {
    'Content-Type': contentType(basename, stat, options),
    'Content-Disposition': contentDisposition(basename, options.attachment ?? true),
  };
  if (options.cacheControl) headers['Cache-Control'] = options.cacheControl;
  if (stat.modifiedTime) headers['Last-Modified'] = stat.modifiedTime.toUTCString();
  const etag = entityTag(stat);
  if (etag) headers['ETag'] = etag;
  if (stat.size !== undefined && acceptsRanges) headers['Accept-Ranges'] = 'bytes';
  return headers;
}

/**
 * Sets `headers` on the response, unless it has started (as ctx.set does).
 * Koa 3's ctx.set builds two arrays and a pair per header on each call: a
 * download sets its headers this way, with res.setHeader's checks only.
 */
export function setHeaders(ctx: Context, headers: Record<string, string>): void {
  const { res } = ctx;
  if (res.headersSent) return;
  for (const name in headers) res.setHeader(name, headers[name]!);
}
