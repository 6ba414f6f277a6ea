/**
 * The ZIP download route: many files, from any storage, as one archive.
 * `router.get('/album/:id.zip', zipDownload(async (ctx) => entriesOf(ctx.params.id), { basename: 'album.zip' }))`
 */
import type { Context, Middleware } from 'koa';
import type { DownloadOptions } from '../options.js';
import { download } from '../routes.js';
import type { CrcCache } from './crc32.js';
import type { ZipEntry } from './plan.js';
import { ZipArchive } from './zipArchive.js';

export interface ZipDownloadOptions extends DownloadOptions {
  /** Where CRC-32s learnt while streaming are kept, so that later requests can resume; false: none. */
  crcCache?: CrcCache | false;
}

type Entries = Iterable<ZipEntry> | AsyncIterable<ZipEntry>;

/**
 * Answers with a ZIP of the entries `resolve` gives for the request
 * (undefined → 404). The archive is named by `basename` (default
 * `download.zip`), and served like a file: Content-Length, ETag, Range and
 * If-Range when its bytes are reproducible, HEAD, 304 and 412.
 */
export function zipDownload(resolve: (ctx: Context) => Entries | undefined | Promise<Entries | undefined>, options: ZipDownloadOptions = {}): Middleware {
  const { crcCache, ...downloadOptions } = options;
  const name = typeof downloadOptions.basename === 'string' ? downloadOptions.basename : undefined;
  return download(async (ctx) => {
    const entries = await resolve(ctx);
    if (!entries) return undefined;
    const list: ZipEntry[] = [];
    for await (const entry of entries) list.push(entry);
    return new ZipArchive(list, { ...(name && { name }), ...(crcCache !== undefined && { crcCache }) });
  }, downloadOptions);
}
