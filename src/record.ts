/**
 * What a download route leaves on the Koa context for the offload
 * middleware, and what that middleware tells the route before it runs.
 * Symbols keep both off `ctx.state`, where application code could forge them.
 */
import type { Context } from 'koa';
import type { DownloadFile } from './downloadFile.js';
import type { DownloadOptions } from './options.js';

export interface RecordedDownload {
  file: DownloadFile;
  options: DownloadOptions;
  /** The client-side name, before it was made safe for the header. */
  basename: string;
  /** Headers the route set: Content-Type, Content-Disposition, Cache-Control, and validators when it stat'ed the file. */
  headers: Record<string, string>;
  /**
   * The body the route set: a lazy stream, or none (undefined) when the file
   * is to be offloaded. The offload middleware replaces the response only
   * while ctx.body is still this.
   */
  body: unknown;
  /** The plan the route followed when an offload middleware claimed the file; undefined when Node streams it. */
  offload: OffloadPlan | undefined;
}

/**
 * An offload middleware's claim on a file, made before the route runs. The
 * route then skips conditional and Range work (the proxy or S3 does them),
 * and opens nothing.
 */
export interface OffloadPlan {
  /**
   * Ask the storage for the file all the same: a missing file then answers
   * 404 from the app, and a symlink out of the storage's folder is refused,
   * for a proxy that would otherwise follow it.
   */
  readonly checkFile: boolean;
  /**
   * The ETag the proxy will send for the file, in each spelling its versions
   * use (none: it sends none). A plan that gives it asks the route to answer,
   * before the hand-off, the requests the proxy would answer wrongly: a failed
   * precondition (412), an unsatisfiable Range (416) and a Range of a 0-byte
   * file, evaluated with the proxy's validators (src/beforeHandOff.ts).
   * Without it, the offload target answers them all.
   */
  readonly proxyEtags?: (file: DownloadFile) => Promise<string[]>;
  /** Who will send the bytes instead of Node ('nginx', 's3'…), for the download's events. */
  readonly by?: string;
}

/** Answers, before the route runs, whether and how a file will be offloaded. */
export type OffloadPredicate = (file: DownloadFile) => OffloadPlan | undefined;

const DOWNLOAD = Symbol('koa-downloadview.download');
const OFFLOAD = Symbol('koa-downloadview.offload');

interface Marked {
  [DOWNLOAD]?: RecordedDownload;
  [OFFLOAD]?: OffloadPredicate;
}

export function recordDownload(ctx: Context, download: RecordedDownload): void {
  (ctx as Context & Marked)[DOWNLOAD] = download;
}

/** The download a route recorded on this context, if any. */
export function recordedDownload(ctx: Context): RecordedDownload | undefined {
  return (ctx as Context & Marked)[DOWNLOAD];
}

/**
 * The recorded download an offload middleware may still carry out: only
 * while the response is the route's own, its body and its 200. A later
 * middleware that answered otherwise (a new body, a 403) has the last word.
 */
export function untouchedDownload(ctx: Context): RecordedDownload | undefined {
  const download = recordedDownload(ctx);
  return download && ctx.body === download.body && ctx.status === 200 ? download : undefined;
}

/** Called by an offload middleware before `next()`; an inner one is asked first, then the outer ones. */
export function announceOffload(ctx: Context, predicate: OffloadPredicate): void {
  const outer = (ctx as Context & Marked)[OFFLOAD];
  (ctx as Context & Marked)[OFFLOAD] = outer ? (file) => predicate(file) ?? outer(file) : predicate;
}

export function offloadPlan(ctx: Context, file: DownloadFile): OffloadPlan | undefined {
  return (ctx as Context & Marked)[OFFLOAD]?.(file);
}
