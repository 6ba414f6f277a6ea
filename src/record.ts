/**
 * What a download route leaves on the Koa context for the offload
 * middleware, and what that middleware tells the route before it runs.
 * Symbols keep both off `ctx.state`, where application code could forge them.
 */
import type { Context } from 'koa';
import type { Readable } from 'node:stream';
import type { DownloadFile } from './downloadFile.js';
import type { DownloadOptions } from './options.js';

export interface RecordedDownload {
  file: DownloadFile;
  options: DownloadOptions;
  /** The client-side name, before it was made safe for the header. */
  basename: string;
  /** Headers the route set: Content-Type, Content-Disposition, Cache-Control, and validators when it stat'ed the file. */
  headers: Record<string, string>;
  /** The lazy body the route set. The offload middleware replaces the response only while ctx.body is still this. */
  body: Readable;
  /** True when the route skipped stat, conditional and range work because the file will be offloaded. */
  offloaded: boolean;
}

/** Answers, before the route runs, whether a file will be offloaded. */
export type OffloadPredicate = (file: DownloadFile) => boolean;

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

/** Called by an offload middleware before `next()`; an inner one is asked first, then the outer ones. */
export function announceOffload(ctx: Context, predicate: OffloadPredicate): void {
  const outer = (ctx as Context & Marked)[OFFLOAD];
  (ctx as Context & Marked)[OFFLOAD] = outer ? (file) => predicate(file) || outer(file) : predicate;
}

export function willOffload(ctx: Context, file: DownloadFile): boolean {
  return (ctx as Context & Marked)[OFFLOAD]?.(file) ?? false;
}
