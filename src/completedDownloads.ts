/**
 * "Downloads completed", counted once per client and version of a file,
 * however many requests it took. See docs/observability.md for the rule.
 */
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import type { ByteRange } from '../storages/storage.js';
import type { DownloadMessage } from './events.js';

export interface CompletedDownloadsOptions {
  /** Who the client is; default: its IP and User-Agent. */
  client?: (message: DownloadMessage) => string;
  /** Forget a partial download after this many ms without a byte of it; default one hour. */
  idleTimeout?: number;
  /** The most partial downloads followed at once (the oldest is forgotten first); default 10,000. */
  maxPending?: number;
}

interface Pending {
  covered: ByteRange[];
  seen: number;
}

/**
 * Calls `onComplete` once for each download completed: when a finished
 * answer makes the bytes one client received of one version of a file (its
 * storage, name and ETag) cover the whole file, counting what finished
 * answers sent and what aborted ones handed to the socket before the client
 * left. A download manager's eight ranges, or a resume after an abort,
 * complete it once.
 * HEAD, 304, 412, 416 and offloaded answers bring no bytes of the file. A
 * file of unknown size completes with a finished 200. Returns a function
 * that stops counting.
 */
export function completedDownloads(onComplete: (message: DownloadMessage) => void, options: CompletedDownloadsOptions = {}): () => void {
  const client = options.client ?? ((message) => `${message.ctx.ip} ${message.ctx.get('User-Agent')}`);
  const idleTimeout = options.idleTimeout ?? 3_600_000;
  const maxPending = options.maxPending ?? 10_000;
  const pending = new Map<string, Pending>();
  // Known at the start: once an aborted client has left, its socket no longer tells its address.
  const clients = new WeakMap<object, string>();
  const onStart = (data: unknown) => void clients.set((data as DownloadMessage).ctx, client(data as DownloadMessage));

  const gather = (finished: boolean) => (data: unknown) => {
    const message = data as DownloadMessage;
    if (!message.file || message.offload || message.ctx.method !== 'GET') return;
    if (message.size === undefined) {
      if (finished && message.status === 200) onComplete(message);
      return;
    }
    const received = receivedRanges(message, finished);
    if (received.length === 0) return;
    const key = `${clients.get(message.ctx) ?? client(message)}\u0000${message.file.kind}\u0000${message.file.name}\u0000${message.file.etag ?? ''}`;
    const now = Date.now();
    const entry = pending.get(key);
    const covered = union([...(entry && now - entry.seen < idleTimeout ? entry.covered : []), ...received]);
    pending.delete(key);
    // Bytes handed to the socket of an aborted answer may never have arrived: only a finished answer completes.
    if (finished && covered.length === 1 && covered[0]!.start === 0 && covered[0]!.end >= message.size - 1) return onComplete(message);
    pending.set(key, { covered, seen: now });
    for (const [oldest] of pending) {
      if (pending.size <= maxPending) break;
      pending.delete(oldest);
    }
  };
  const onFinish = gather(true);
  const onAbort = gather(false);
  subscribe('koa-downloadview:download:start', onStart);
  subscribe('koa-downloadview:download:finish', onFinish);
  subscribe('koa-downloadview:download:abort', onAbort);
  return () => {
    unsubscribe('koa-downloadview:download:start', onStart);
    unsubscribe('koa-downloadview:download:finish', onFinish);
    unsubscribe('koa-downloadview:download:abort', onAbort);
    pending.clear();
  };
}

/** The bytes of the file a client received: all of what was sent when finished, the first `bytes` of it when aborted. */
function receivedRanges(message: DownloadMessage, finished: boolean): ByteRange[] {
  const size = message.size!;
  if (message.status === 200) return size === 0 ? [{ start: 0, end: -1 }] : prefix({ start: 0, end: size - 1 }, finished ? size : message.bytes);
  if (message.status !== 206 || !message.ranges.sent) return [];
  if (finished) return message.ranges.sent;
  // Of an aborted multipart answer, which bytes belonged to which part is not known: none count.
  return message.ranges.sent.length === 1 ? prefix(message.ranges.sent[0]!, message.bytes) : [];
}

function prefix(range: ByteRange, bytes: number): ByteRange[] {
  return bytes > 0 ? [{ start: range.start, end: Math.min(range.end, range.start + bytes - 1) }] : [];
}

/** Sorted, merged ranges; touching ranges merge too. */
function union(ranges: ByteRange[]): ByteRange[] {
  const merged: ByteRange[] = [];
  for (const range of [...ranges].sort((a, b) => a.start - b.start)) {
    const last = merged.at(-1);
    if (last && range.start <= last.end + 1) last.end = Math.max(last.end, range.end);
    else merged.push({ ...range });
  }
  return merged;
}
