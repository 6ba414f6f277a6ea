/**
 * What happened to each download, published on node:diagnostics_channel, as
 * undici and node:http publish theirs. While no one subscribes, a download
 * pays one `hasSubscribers` check and nothing else.
 */
import type { Context } from 'koa';
import { channel } from 'node:diagnostics_channel';
import type { Readable } from 'node:stream';
import type { ByteRange } from '../storages/storage.js';
import type { DownloadFile } from './downloadFile.js';
import type { DownloadOptions } from './options.js';
import type { OffloadPlan } from './record.js';
import { StorageFile } from './storageFile.js';

/**
 * The channels, by name (public API; subscribe with
 * `diagnostics_channel.subscribe('koa-downloadview:download:finish', listener)`):
 * - `start`: the route has decided its answer (status, ranges, hand-off);
 * - `finish`: the last byte of the answer was handed to the socket;
 * - `abort`: the client left before that, with the bytes sent so far;
 * - `error`: the download failed, before its answer (404, 400, 502…: no
 *   start) or in the middle of its body (after a start).
 * Each download that starts ends with exactly one finish, abort or error.
 */
export const downloadChannels = {
  start: channel('koa-downloadview:download:start'),
  finish: channel('koa-downloadview:download:finish'),
  abort: channel('koa-downloadview:download:abort'),
  error: channel('koa-downloadview:download:error'),
} as const;

export interface DownloadMessage {
  ctx: Context;
  /** The file, when one was found: its name, the class of its storage (or of the file), and the ETag sent. */
  file: { name: string; kind: string; etag: string | undefined } | undefined;
  options: DownloadOptions;
  /** The status of the answer; on finish and abort, the one actually sent. */
  status: number;
  /** The Range header asked, and the ranges sent (undefined: the whole file). */
  ranges: { asked: string | undefined; sent: ByteRange[] | undefined };
  /** The file's size, when known. */
  size: number | undefined;
  /** Bytes of the body handed to the socket so far (multipart boundaries included). */
  bytes: number;
  /** Who sends the bytes instead of Node ('nginx', 'apache', 'lighttpd', 'caddy', 's3'…); undefined when Node streams them. */
  offload: { by: string } | undefined;
  /** When the download started (ms since the epoch), and, once it ended, how long it took (ms). */
  startTime: number;
  duration: number | undefined;
  /** Why the download failed (error messages only). */
  error?: unknown;
}

function anyoneListens(): boolean {
  const { start, finish, abort, error } = downloadChannels;
  return start.hasSubscribers || finish.hasSubscribers || abort.hasSubscribers || error.hasSubscribers;
}

/** The file's part of a message. */
function describe(file: DownloadFile, etag: string | undefined): NonNullable<DownloadMessage['file']> {
  const owner = file instanceof StorageFile ? file.storage : file;
  return { name: file.name, kind: owner.constructor.name, etag };
}

/**
 * Publishes `start` for the answer sendFile has decided (its status is the
 * response's), then follows it to its end: finish when the response
 * finished, abort when it closed first, error when the body failed. The
 * message is built only once someone listens: the arguments are what
 * sendFile holds anyway.
 */
export function observeDownload(ctx: Context, file: DownloadFile, options: DownloadOptions, size: number | undefined, offload: OffloadPlan | undefined, sent?: ByteRange[], body?: Readable): void {
  if (!anyoneListens()) return;
  const began = performance.now();
  // Koa keeps the address once read: the abort's subscribers still see it after the socket is gone.
  void ctx.ip;
  const described = describe(file, ctx.response.get('ETag') || undefined);
  const ranges = { asked: ctx.get('Range') || undefined, sent };
  const by = offload && { by: offload.by ?? 'proxy' };
  const startTime = Date.now();
  // Each message is an object of its own: a subscriber may keep the start's while the bytes go on.
  downloadChannels.start.publish({ ctx, file: described, options, status: ctx.status, ranges, size, bytes: 0, offload: by, startTime, duration: undefined } satisfies DownloadMessage);

  let bytes = 0;
  // Counted beside the consumer's own listener: on('data') would switch the body to flowing early, one nextTick and resume per download.
  body?.prependListener('data', (chunk: Uint8Array) => void (bytes += chunk.byteLength));
  const { res } = ctx;
  // One listener for the three ends: node:http emits 'close' after 'finish' (in the same turn of the
  // event loop, before the connection reads its next request), and the body keeps its failure.
  // Node's HTTP/2 response emits both when its stream closes, cancelled or not: only writableFinished tells.
  res.on('close', () => {
    const failure = body?.errored;
    const name = res.writableFinished ? 'finish' : failure ? 'error' : 'abort';
    const ended: DownloadMessage = { ctx, file: described, options, status: res.statusCode, ranges, size, bytes, offload: by, startTime, duration: performance.now() - began };
    if (name === 'error') ended.error = failure;
    downloadChannels[name].publish(ended);
  });
}

/** Publishes `error` for a download that failed before its answer: no file, a refused name, a broken storage. */
export function observeFailure(ctx: Context, file: DownloadFile | undefined, options: DownloadOptions, error: unknown): void {
  if (!downloadChannels.error.hasSubscribers) return;
  const status = (error as { status?: number }).status ?? 500;
  downloadChannels.error.publish({
    ctx,
    file: file && describe(file, undefined),
    options,
    status,
    ranges: { asked: ctx.get('Range') || undefined, sent: undefined },
    size: undefined,
    bytes: 0,
    offload: undefined,
    startTime: Date.now(),
    duration: 0,
    error,
  } satisfies DownloadMessage);
}
