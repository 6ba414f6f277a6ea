/**
 * The flow of one download, top to bottom: stat once, headers, conditional
 * request, Range, then a lazy body, and a record of it all on the context.
 */
import type { Context } from 'koa';
import { posix } from 'node:path';
import { handOffPlan, refusedHandOff } from './beforeHandOff.js';
import type { DownloadFile } from './downloadFile.js';
import { evaluateConditions, rangeIsFresh } from './conditional.js';
import { observeDownload } from './events.js';
import { downloadHeaders, setHeaders } from './headers.js';
import { LazyBody } from './lazyBody.js';
import type { DownloadOptions } from './options.js';
import { withOverrides } from './overrides.js';
import { contentRange, multipartBody, selectRanges } from './ranges.js';
import { recordDownload } from './record.js';
import { STREAMED_HEADER, STREAMED_VALUE } from './streamedMark.js';

/**
 * Answers `ctx` with `file`: the imperative form of every download route.
 * Storage errors surface as our typed errors, whose `status` Koa answers with
 * (404 missing, 400 invalid name, 502/500 broken storage).
 */
export async function sendFile(ctx: Context, file: DownloadFile, routeOptions: DownloadOptions = {}): Promise<void> {
  // A signed link, checked by a middleware before the route, may set the disposition, the name and the caching.
  const options = withOverrides(ctx, routeOptions);
  // A file an offload middleware claims needs no validators and no ranges:
  // the proxy (or S3) does those. It is looked up only when the plan asks,
  // or when the proxy would answer 412 or 416 (then it is not handed off).
  const planned = handOffPlan(ctx, file);
  // Nearly every plan is known without I/O: awaited only when it is not, one microtask fewer per hand-off.
  const offload = planned instanceof Promise ? await planned : planned;
  if (offload?.checkFile) {
    // Most look-ups before a hand-off are answered at once (a file looked up within the second): no promise to wait for then.
    const found = file.lookUp ? file.lookUp() : file.stat();
    if (found) await found;
  }
  // A plain GET will read the body: a file may then stat by opening, and keep it open for the body.
  const willRead = !offload && ctx.method === 'GET' && !ctx.headers.range && !ctx.headers['if-none-match'] && !ctx.headers['if-modified-since'];
  // A request the proxy would have answered 412 or 416 was looked up already, and is decided with the validators the client got from the proxy.
  const refused = refusedHandOff(ctx);
  const stat = offload ? {} : (refused?.stat ?? (await file.stat({ willRead })));
  const basename = typeof options.basename === 'function' ? options.basename(ctx, file) : (options.basename ?? posix.basename(file.name));
  const acceptsRanges = file.acceptsRanges !== false;
  const headers = downloadHeaders(basename, stat, options, acceptsRanges);
  setHeaders(ctx, headers);
  ctx.status = 200;
  // Each answer, once decided, is told to the download's observers (docs/observability.md).
  if (offload) {
    // No body: the offload middleware sets the response's, and nothing is opened.
    recordDownload(ctx, { file, options, basename, headers, body: undefined, offload });
    return observeDownload(ctx, file, options, stat.size, offload);
  }

  // Every answer without a body below frees what stat kept open.
  const release = () => file.release?.();
  let open = () => file.open();
  let length = stat.size;
  const validators = refused?.validators ?? { etag: headers['ETag'], lastModified: headers['Last-Modified'] };
  const condition = evaluateConditions(ctx.method, ctx.headers, validators);
  if (condition === 'not-modified') {
    // A 304 updates the cached response's validators (RFC 9110 §15.4.5); it is no file to save.
    release();
    ctx.remove('Content-Disposition');
    ctx.remove('Accept-Ranges');
    ctx.status = 304;
    return observeDownload(ctx, file, options, stat.size, undefined);
  }
  if (condition === 'precondition-failed') {
    refuse(ctx, 412, release);
    return observeDownload(ctx, file, options, stat.size, undefined);
  }

  // Range applies to GET only (RFC 9110 §14.2): a HEAD answers with the whole file's headers.
  const size = stat.size;
  const ranges = ctx.method === 'GET' && acceptsRanges && size !== undefined && rangeIsFresh(ctx.get('If-Range') || undefined, validators) ? selectRanges(ctx.get('Range') || undefined, size) : undefined;
  if (ranges === 'unsatisfiable') {
    ctx.set('Content-Range', `bytes */${size}`);
    refuse(ctx, 416, release);
    return observeDownload(ctx, file, options, stat.size, undefined);
  }
  if (ranges?.length === 1) {
    const [range] = ranges;
    ctx.status = 206;
    ctx.set('Content-Range', contentRange(range!, size!));
    open = () => file.open(range);
    length = range!.end - range!.start + 1;
  } else if (ranges) {
    const multipart = multipartBody(file, ranges, headers['Content-Type']!, size!);
    ctx.status = 206;
    ctx.type = multipart.contentType;
    open = multipart.open;
    length = multipart.length;
  }

  const body = new LazyBody(open, length, release);
  ctx.body = body;
  body.destroyWhenClosed(ctx.res);
  if (length !== undefined) ctx.length = length;
  // Whatever Node streams, a file a proxy could have sent or one no proxy can be handed: `koa-downloadview check` looks for this.
  ctx.res.setHeader(STREAMED_HEADER, STREAMED_VALUE);
  recordDownload(ctx, { file, options, basename, headers, body, offload: undefined });
  observeDownload(ctx, file, options, stat.size, undefined, ranges, body);
}

/** An error answer must not be saved as the file by the browser. */
function refuse(ctx: Context, status: number, release: () => void): void {
  release();
  ctx.remove('Content-Disposition');
  ctx.status = status;
}
