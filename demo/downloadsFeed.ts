/**
 * The demo's live list of downloads: the last downloads of one app, taken
 * from the library's public diagnostics channels only, and pushed to every
 * open home page as Server-Sent Events (demo/downloadsPanel.ts shows them).
 */
import type Koa from 'koa';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import type { ServerResponse } from 'node:http';
import { downloadChannels, type DownloadMessage } from '../src/index.js';

export type DownloadState = 'started' | 'finished' | 'aborted' | 'error';

/** One download as the panel shows it: plain data, nothing of the request but its method and path. */
export interface DownloadEntry {
  /** Grows by one per download, so a client can tell the newest and update a row. */
  id: number;
  state: DownloadState;
  method: string;
  /** The path asked, decoded; no query string (a signed link's signature stays out). */
  path: string;
  range: string | undefined;
  file: string | undefined;
  status: number;
  size: number | undefined;
  /** Body bytes Node handed to the socket; 0 when a proxy or S3 sends them. */
  bytes: number;
  /** 'node', or who the download was handed to: 'nginx', 'apache', 'lighttpd', 'caddy', 's3'. */
  sentBy: string;
  startTime: number;
  /** ms, once the download ended. */
  duration: number | undefined;
  /** The error's class only: its message may name a server path. */
  error?: string;
}

export interface DownloadsFeed {
  /** The route's handler: the downloads kept, then each change, as Server-Sent Events, until the client leaves. */
  stream: Koa.Middleware;
  /** The downloads kept, oldest first. */
  readonly entries: readonly DownloadEntry[];
  /** How many EventSource clients are connected. */
  readonly clients: number;
  /** Stops listening to the channels and ends every open stream. */
  close(): void;
}

/** A client this far behind is not reading: it is dropped rather than buffered for. */
const MAX_BACKLOG = 1024 * 1024;

function decodedPath(path: string): string {
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}

const eventOf = (entry: DownloadEntry) => `id: ${entry.id}\nevent: download\ndata: ${JSON.stringify(entry)}\n\n`;

/** Follows the downloads of `app` (not those of other apps in the process), keeping the last `keep`. */
export function downloadsFeed(app: Koa, { keep = 20, heartbeat = 15_000 } = {}): DownloadsFeed {
  const ring: DownloadEntry[] = [];
  const byRequest = new WeakMap<object, DownloadEntry>();
  const clients = new Set<ServerResponse>();
  let lastId = 0;
  let closed = false;

  const send = (res: ServerResponse, text: string) => {
    if (res.destroyed || res.writableEnded) clients.delete(res);
    else if (res.writableLength > MAX_BACKLOG) (clients.delete(res), res.destroy());
    else res.write(text);
  };
  const broadcast = (entry: DownloadEntry) => {
    const event = eventOf(entry);
    for (const res of clients) send(res, event);
  };

  // The page asks every route for its headers with HEAD: those are not downloads a person made.
  const ours = (message: DownloadMessage) => message.ctx.app === app && message.ctx.method !== 'HEAD';

  /** The entry of this download; made from the message when it has none yet (an error before any start). */
  const entryOf = (message: DownloadMessage): DownloadEntry | undefined => {
    const known = byRequest.get(message.ctx);
    if (known) return ring.includes(known) ? known : undefined; // else pushed out by newer downloads
    const { ctx } = message;
    const entry: DownloadEntry = {
      id: ++lastId,
      state: 'started',
      method: ctx.method,
      path: decodedPath(ctx.path),
      range: message.ranges.asked,
      file: message.file?.name,
      status: message.status,
      size: message.size,
      bytes: 0,
      sentBy: message.offload?.by ?? 'node',
      startTime: message.startTime,
      duration: undefined,
    };
    byRequest.set(ctx, entry);
    ring.push(entry);
    if (ring.length > keep) ring.shift();
    return entry;
  };

  const onStart = (data: unknown) => {
    const message = data as DownloadMessage;
    const entry = ours(message) && entryOf(message);
    if (entry) broadcast(entry);
  };
  const onEnd = (state: Exclude<DownloadState, 'started'>) => (data: unknown) => {
    const message = data as DownloadMessage;
    const entry = ours(message) && entryOf(message);
    if (!entry) return;
    Object.assign(entry, { state, status: message.status, bytes: message.bytes, duration: message.duration });
    if (state === 'error') entry.error = message.error instanceof Error ? message.error.constructor.name : 'Error';
    broadcast(entry);
  };
  const listeners: [string | symbol, (data: unknown) => void][] = [
    [downloadChannels.start.name, onStart],
    [downloadChannels.finish.name, onEnd('finished')],
    [downloadChannels.abort.name, onEnd('aborted')],
    [downloadChannels.error.name, onEnd('error')],
  ];
  for (const [name, listener] of listeners) subscribe(name, listener);

  // A comment now and then: proxies keep an idle stream open, and a dead client shows itself.
  const timer = setInterval(() => {
    for (const res of clients) send(res, ': keep-alive\n\n');
  }, heartbeat).unref();

  return {
    stream(ctx) {
      // 204 tells EventSource to stop reconnecting.
      if (closed) return void (ctx.status = 204);
      // Koa would wait for a body to end: the events are written straight to the response, which stays open.
      ctx.respond = false;
      const { res } = ctx;
      res.writeHead(200, {
        'Content-Type': 'text/event-stream; charset=utf-8',
        'Cache-Control': 'no-cache',
        // nginx buffers a proxied answer unless told not to.
        'X-Accel-Buffering': 'no',
      });
      res.flushHeaders();
      clients.add(res);
      res.once('close', () => clients.delete(res));
      send(res, `retry: 2000\n\n${ring.map(eventOf).join('')}`);
    },
    get entries() {
      return [...ring];
    },
    get clients() {
      return clients.size;
    },
    close() {
      if (closed) return;
      closed = true;
      for (const [name, listener] of listeners) unsubscribe(name, listener);
      clearInterval(timer);
      for (const res of clients) res.end();
      clients.clear();
    },
  };
}
