/**
 * Download routes: Koa middleware factories. Each resolves a DownloadFile
 * from the request and hands it to sendFile. Mount them on any router:
 * `router.get('/media/*path', storageDownload({ storage }))`.
 */
import type { Context, Middleware } from 'koa';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { debuglog } from 'node:util';
import { FileSystemStorage, checkLocation } from '../storages/filesystem.js';
import type { Storage } from '../storages/storage.js';
import type { DownloadFile } from './downloadFile.js';
import { DownloadViewError, ImproperlyConfiguredError, InvalidNameError } from './errors.js';
import { observeFailure } from './events.js';
import { isHeaderValue } from './headers.js';
import { HTTPFile, type HTTPFileOptions } from './httpFile.js';
import type { DownloadOptions } from './options.js';
import { sendFile } from './sendFile.js';
import { StorageFile } from './storageFile.js';
import type { VirtualFile } from './virtualFile.js';

type Resolver<T> = (ctx: Context) => T | undefined | Promise<T | undefined>;
type PerRequest<T> = T | ((ctx: Context) => T);

const debug = debuglog('koa-downloadview');

// Header values come from these options verbatim: a control or non-ASCII character would fail every request.
const HEADER_OPTIONS = ['contentType', 'charset', 'cacheControl'] as const;

/** Rejects at start-up the options that would fail, or misbehave, on every request. */
function checkOptions(options: DownloadOptions): void {
  for (const option of HEADER_OPTIONS) {
    const value = options[option];
    if (value !== undefined && value !== false && !isHeaderValue(value)) {
      throw new ImproperlyConfiguredError(`The ${option} option must be a header value without control characters, e.g. ${option === 'cacheControl' ? "'private, max-age=3600'" : option === 'charset' ? "'utf-8'" : "'application/pdf'"}, in printable ASCII; got ${JSON.stringify(value)}.`);
    }
  }
  if (options.attachment !== undefined && typeof options.attachment !== 'boolean') {
    throw new ImproperlyConfiguredError(`The attachment option must be true (download) or false (inline); got ${JSON.stringify(options.attachment)}.`);
  }
  if (options.basename !== undefined && typeof options.basename !== 'string' && typeof options.basename !== 'function') {
    throw new ImproperlyConfiguredError('The basename option must be a file name, or a function (ctx, file) => file name.');
  }
}

/** The general route: `resolve` finds the file for the request (undefined → 404). */
export function download(resolveFile: Resolver<DownloadFile>, options: DownloadOptions = {}): Middleware {
  if (typeof resolveFile !== 'function') throw new ImproperlyConfiguredError('download(resolve) needs a function (ctx) => DownloadFile.');
  checkOptions(options);
  return async (ctx) => {
    let file: DownloadFile | undefined;
    try {
      const found = resolveFile(ctx);
      // Most resolvers answer at once (storageDownload's does): awaited only when they do not, one microtask fewer per download.
      file = isPending(found) ? await found : found;
      if (!file) return ctx.throw(404);
      await sendFile(ctx, file, options);
    } catch (error) {
      logRefusal(ctx, error);
      observeFailure(ctx, file, options, error);
      throw error;
    }
  };
}

/** Whether a resolver's answer is to be awaited: a promise, or any thenable (a JavaScript caller's). */
function isPending<T>(value: T | Promise<T>): value is Promise<T> {
  return typeof (value as { then?: unknown } | undefined)?.then === 'function';
}

/** The client sees only the status and a sentence without names; the developer sees the rest with NODE_DEBUG=koa-downloadview. */
function logRefusal(ctx: Context, error: unknown): void {
  if (!debug.enabled || !(error instanceof DownloadViewError)) return;
  const { fileName, reason } = error as DownloadViewError & { fileName?: string; reason?: string };
  debug('%s %s: %d %s%s%s', ctx.method, ctx.url, error.status, error.message, fileName === undefined ? '' : ` (${JSON.stringify(fileName)})`, reason ? `: ${reason}` : '');
}

export interface StorageDownloadOptions extends DownloadOptions {
  storage: Storage;
  /** A fixed name, or a function of the request (undefined → 404). Default: the router parameter `param`. */
  name?: PerRequest<string | undefined>;
  /** The router parameter holding the name; default `path`. */
  param?: string;
}

/** Serves a file of a Storage, named by the route (`/media/*path`) or by `name`. */
export function storageDownload(options: StorageDownloadOptions): Middleware {
  const { storage, name, param = 'path', ...downloadOptions } = options ?? ({} as StorageDownloadOptions);
  if (typeof storage?.stat !== 'function' || typeof storage.open !== 'function') {
    throw new ImproperlyConfiguredError('storageDownload needs a storage: storageDownload({ storage: new FileSystemStorage({ location }) }).');
  }
  return download((ctx) => {
    const fileName = name === undefined ? (ctx.params as Record<string, string> | undefined)?.[param] : typeof name === 'function' ? name(ctx) : name;
    return fileName ? new StorageFile(storage, fileName) : undefined;
  }, downloadOptions);
}

export interface PathDownloadOptions extends DownloadOptions {
  /** Mandatory: no file outside this folder is ever served. */
  root: string;
  /** A path inside root (relative to it, or absolute), fixed or per request (undefined → 404). Default: the router parameter `param`. */
  path?: PerRequest<string | undefined>;
  /** The router parameter holding the path; default `path`. */
  param?: string;
}

/** Serves a local file by path, confined to `root` (symlinks out of it included). */
export function pathDownload(options: PathDownloadOptions): Middleware {
  const { root, path, param, ...downloadOptions } = options ?? ({} as PathDownloadOptions);
  if (!root) throw new ImproperlyConfiguredError('pathDownload needs a root folder: pathDownload({ root: "/srv/files", path }). Files outside it are never served.');
  const storage = new FileSystemStorage({ location: checkLocation(root, 'pathDownload root') });
  const toName = (target: string | undefined): string | undefined => {
    if (!target) return undefined;
    const name = isAbsolute(target) ? relative(storage.location, resolve(target)) : target;
    if (name.startsWith(`..${sep}`) || name === '..' || isAbsolute(name)) throw new InvalidNameError(target, 'outside the root');
    return name;
  };
  if (typeof path === 'string') {
    try {
      toName(path);
    } catch {
      throw new ImproperlyConfiguredError(`pathDownload path ${JSON.stringify(path)} is outside the root ${storage.location}: give a path inside it, or a root that contains it.`);
    }
  }
  return storageDownload({
    ...downloadOptions,
    storage,
    ...(param !== undefined && { param }),
    ...(path !== undefined && { name: (ctx: Context) => toName(typeof path === 'function' ? path(ctx) : path) }),
  });
}

/** Serves a VirtualFile made per request: in-memory or generated content, always streamed by Node. */
export function virtualDownload(resolveFile: Resolver<VirtualFile>, options: DownloadOptions = {}): Middleware {
  return download(resolveFile, options);
}

export interface HttpDownloadOptions extends DownloadOptions, Omit<HTTPFileOptions, 'name'> {
  /** The upstream URL, fixed or per request. */
  url: PerRequest<string>;
}

/** Proxies a file from another HTTP server (Range forwarded; upstream failures → 502). */
export function httpDownload(options: HttpDownloadOptions): Middleware {
  const { url, headers, fetch, timeout, ...downloadOptions } = options ?? ({} as HttpDownloadOptions);
  if (!url || (typeof url === 'string' && !URL.canParse(url))) {
    throw new ImproperlyConfiguredError(`httpDownload needs an absolute url: httpDownload({ url: "https://files.example.com/report.pdf" }); got ${JSON.stringify(url)}.`);
  }
  if (timeout !== undefined && !(Number.isFinite(timeout) && timeout > 0)) {
    throw new ImproperlyConfiguredError(`The timeout option is in milliseconds, a number above 0, e.g. timeout: 30_000; got ${JSON.stringify(timeout)}.`);
  }
  const fileOptions: HTTPFileOptions = { ...(headers && { headers }), ...(fetch && { fetch }), ...(timeout !== undefined && { timeout }) };
  return download((ctx) => new HTTPFile(typeof url === 'function' ? url(ctx) : url, fileOptions), downloadOptions);
}
