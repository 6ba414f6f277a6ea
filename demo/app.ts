/**
 * The demo application: every kind of download route on one Koa app, like
 * django-downloadview's demo project. `npm run demo` starts it
 * (demo/server.ts); the tests build it in-process.
 */
import Router from '@koa/router';
import Koa from 'koa';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  FileSystemStorage, MemoryStorage, StorageFile, VirtualFile,
  httpDownload, pathDownload, signedLinks, storageDownload, virtualDownload, xSendfile, zipDownload,
  type Rule,
} from '../src/index.js';
import type { BackendName } from '../src/backends/backend.js';
import type { PresigningStorage } from '../src/s3Rules.js';
import type { Storage } from '../storages/storage.js';
import { SAMPLE_FILES, toneWav, writeFiles } from './content.js';
import { downloadsFeed, type DownloadsFeed } from './downloadsFeed.js';
import { downloadsPanel } from './downloadsPanel.js';
import { homePage } from './page.js';

export const BACKENDS: BackendName[] = ['nginx', 'apache', 'lighttpd', 'caddy'];

export interface DemoOptions {
  /** Folder for the demo's files; filled at start. */
  dataDir: string;
  /** An S3 (or any other) storage to serve under /s3/. */
  s3?: Storage;
  /** The app's own base URL, for the HTTP proxy download; known once it listens. */
  selfUrl: () => string;
  /** The proxy running in front of the app, if any: the home page says which routes it sends. */
  proxy?: BackendName;
}

export interface DemoRoute {
  path: string;
  title: string;
  /** Who sends the bytes: Node, or the proxy a rule hands the file to. */
  sentBy: 'node' | BackendName;
  size?: number;
  /** Shown with a player, to try seeking (Range requests). */
  media?: 'audio';
}

/** The proxies that fetch S3 objects themselves (docs/s3.md). */
const S3_FETCHING: BackendName[] = ['nginx', 'caddy'];

/**
 * The offload rules of the demo, per proxy: one set for the global middleware,
 * one per route, and for nginx and Caddy one for the S3 storage, when it can be
 * presigned for an endpoint the proxy can be told (the embedded s3rver, or
 * S3_ENDPOINT).
 */
export function demoRules(dataDir: string, s3?: Storage): { middleware: Rule[]; perRoute: Record<BackendName, Rule>; s3: Rule[] } {
  const rule = (backend: BackendName, how: 'middleware' | 'route'): Rule => {
    const sourceDir = join(dataDir, 'offload', backend, how);
    const followsUrl = backend === 'nginx' || backend === 'caddy';
    return followsUrl
      ? { backend, sourceDir, destinationUrl: `/_internal/${backend}/${how}/` }
      : { backend, sourceDir, destinationDir: sourceDir };
  };
  return {
    middleware: BACKENDS.map((backend) => rule(backend, 'middleware')),
    perRoute: Object.fromEntries(BACKENDS.map((backend) => [backend, rule(backend, 'route')])) as Record<BackendName, Rule>,
    s3: presigning(s3) ? S3_FETCHING.map((backend) => ({ backend, storage: s3, destinationUrl: `/_internal/${backend}/s3/` })) : [],
  };
}

function presigning(storage: Storage | undefined): storage is Storage & PresigningStorage {
  const candidate = storage as Partial<PresigningStorage> | undefined;
  return typeof candidate?.signedUrl === 'function' && candidate.endpoint !== undefined;
}

const LARGE_SIZE = 64 * 1024 * 1024;
/** Slow enough to cancel by hand: 8 MiB at 512 KiB/s, 16 s. */
const SLOW_SIZE = 8 * 1024 * 1024;
const SLOW_PAUSE_MS = 125;
const CLIENT_GONE = new Set(['ECONNRESET', 'EPIPE', 'ERR_STREAM_PREMATURE_CLOSE']);

export interface Demo {
  app: Koa;
  routes: DemoRoute[];
  /** The live list of downloads behind the home page's panel. */
  downloads: DownloadsFeed;
  /** Stops following downloads and ends the panel's open streams: call it when the server stops. */
  close(): void;
}

export async function demoApp(options: DemoOptions): Promise<Demo> {
  const app = new Koa();
  const router = new Router();
  const routes: DemoRoute[] = [];
  const sizeOf = (name: string) => Buffer.byteLength(SAMPLE_FILES[name]!);

  // Storages: the same sample files on disk, in memory and in S3.
  const filesDir = join(options.dataDir, 'files');
  await writeFiles(filesDir, { ...SAMPLE_FILES, 'tone.wav': toneWav() });
  const files = new FileSystemStorage({ location: filesDir, baseUrl: '/files/' });
  const memory = new MemoryStorage({ baseUrl: '/memory/' });
  const stores: [string, Storage, string][] = [['files', files, 'filesystem'], ['memory', memory, 'in-memory']];
  if (options.s3) stores.push(['s3', options.s3, 'S3']);
  for (const [prefix, storage, label] of stores) {
    if (storage !== files) for (const [name, content] of Object.entries(SAMPLE_FILES)) await storage.save(name, content);
    router.get(`/${prefix}/*path`, storageDownload({ storage }));
    for (const name of Object.keys(SAMPLE_FILES)) {
      routes.push({ path: `/${prefix}/${name}`, title: `${name}: a file of the ${label} storage`, sentBy: 'node', size: sizeOf(name) });
    }
  }

  route('/inline/日本語.pdf', 'The same PDF, inline: the browser shows it, and still knows its name', storageDownload({ storage: files, name: '日本語.pdf', attachment: false }), sizeOf('日本語.pdf'));
  route('/path/hello-world.txt', 'A local path, confined to its root folder', pathDownload({ root: filesDir, path: 'hello-world.txt' }), sizeOf('hello-world.txt'));

  // A signed link: /signed-link makes a fresh one, valid for 60 s, and redirects to it. The key is random: links die with the demo.
  const links = signedLinks({ keys: [{ id: 'demo', secret: randomBytes(32) }] });
  router.get('/signed/*path', links.verify(), storageDownload({ storage: files }));
  router.get('/signed-link', (ctx) => {
    ctx.set('Cache-Control', 'no-store');
    ctx.redirect(links.url('/signed/hello-world.txt', { expiresIn: 60 }));
  });
  routes.push({ path: '/signed-link', title: 'A signed link that expires in 60 s: each visit makes a fresh one; the address it leads to answers 410 Gone a minute later', sentBy: 'node', size: sizeOf('hello-world.txt') });

  const tone = toneWav();
  routes.push({ path: '/media/tone.wav', title: 'A generated tone: seek in the player, and the browser asks for byte ranges', sentBy: 'node', size: tone.length, media: 'audio' });
  router.get('/media/tone.wav', storageDownload({ storage: files, name: 'tone.wav', attachment: false }));

  route('/virtual/text.txt', 'A virtual file: text made in memory, never offloaded', virtualDownload(() => new VirtualFile({ name: 'text.txt', content: `Made at ${new Date().toISOString()}\n` })));
  route('/virtual/rows.csv', 'A generated stream of unknown size: sent chunked, without Content-Length', virtualDownload(() => new VirtualFile({ name: 'rows.csv', stream: csvRows })));
  route('/virtual/large.bin', 'A large generated file (64 MiB) of declared size: Range works on it', virtualDownload(() => new VirtualFile({ name: 'large.bin', size: LARGE_SIZE, stream: () => pattern(LARGE_SIZE) })), LARGE_SIZE);
  route('/virtual/slow.bin', 'A slow generated file (8 MiB at 512 KiB/s): cancel it in the browser, and the panel above shows it aborted', virtualDownload(() => new VirtualFile({ name: 'slow.bin', size: SLOW_SIZE, stream: () => slowly(pattern(SLOW_SIZE)) })), SLOW_SIZE);
  // The demo's files as one ZIP: stored, so its length is exact and a cut download resumes (Range, If-Range).
  const samples = () => [...Object.keys(SAMPLE_FILES), 'tone.wav'].map((name) => ({ name: `samples/${name}`, file: new StorageFile(files, name) }));
  route('/zip/samples.zip', 'Every sample file in one ZIP, streamed as it is read: exact length, Unicode names, resumable', zipDownload(samples, { basename: 'samples.zip' }));
  route('/http/hello-world.txt', 'An HTTP proxy download: this app fetches its own /files/hello-world.txt', httpDownload({ url: () => `${options.selfUrl()}/files/hello-world.txt` }), sizeOf('hello-world.txt'));

  // Offload, as in django-downloadview's demo: per proxy, one route optimized by the
  // global middleware and one by a rule on the route itself.
  // Behind a real proxy, only its own routes: nginx would also take Caddy's X-Accel-Redirect.
  const rules = demoRules(options.dataDir, options.s3);
  const offloadTo = options.proxy ? [options.proxy] : BACKENDS;
  for (const backend of offloadTo) {
    for (const [how, rule] of [['middleware', rules.middleware.find((r) => r.backend === backend)!], ['route', rules.perRoute[backend]]] as const) {
      await writeFiles(rule.sourceDir!, SAMPLE_FILES);
      const storage = new FileSystemStorage({ location: rule.sourceDir! });
      const path = `/offload/${backend}/by-${how}`;
      router.get(`${path}/*path`, ...(how === 'route' ? [xSendfile(rule)] : []), storageDownload({ storage }));
      for (const name of ['hello-world.txt', 'héllo wörld.txt']) {
        routes.push({ path: `${path}/${name}`, title: `${name}: optimized by ${how === 'route' ? 'a per-route rule' : 'the global middleware'}`, sentBy: backend, size: sizeOf(name) });
      }
    }
  }

  // S3 objects the proxy fetches from S3 itself, with a presigned request the app makes: Node sends no byte.
  for (const rule of rules.s3.filter((r) => offloadTo.includes(r.backend!))) {
    const path = `/offload/${rule.backend}/s3`;
    router.get(`${path}/*path`, xSendfile(rule), storageDownload({ storage: options.s3! }));
    for (const name of ['hello-world.txt', 'héllo wörld.txt']) {
      routes.push({ path: `${path}/${name}`, title: `${name}: an S3 object, fetched from S3 by ${rule.backend} with a presigned request that lives 60 s; the browser never sees S3`, sentBy: rule.backend!, size: sizeOf(name) });
    }
  }

  // The home page's panel: the latest downloads, live (Server-Sent Events).
  const downloads = downloadsFeed(app);
  const eventsPath = '/events/downloads';
  router.get(eventsPath, downloads.stream);
  const panel = downloadsPanel(eventsPath, '/virtual/slow.bin');

  router.get('/', (ctx) => {
    ctx.type = 'html';
    ctx.body = homePage(routes, options.proxy, panel);
  });

  // A client that leaves mid-download is the panel's "aborted", not a server fault: Koa would print a stack for it.
  app.on('error', (error: Error & { code?: string; headerSent?: boolean }) => {
    if (!(error.headerSent && CLIENT_GONE.has(error.code ?? ''))) app.onerror(error);
  });
  app.use(xSendfile(rules.middleware.filter((rule) => offloadTo.includes(rule.backend!))));
  app.use(router.routes()).use(router.allowedMethods());
  return { app, routes, downloads, close: () => downloads.close() };

  function route(path: string, title: string, middleware: Koa.Middleware, size?: number): void {
    // The router matches the path as it arrives: percent-encoded.
    router.get(encodeURI(path), middleware);
    routes.push({ path, title, sentBy: 'node', ...(size !== undefined && { size }) });
  }
}

async function* csvRows(): AsyncIterable<string> {
  yield 'row,square\n';
  for (let row = 1; row <= 5000; row++) yield `${row},${row * row}\n`;
}

/** The chunks of `chunks`, one per pause: the first at once. */
async function* slowly(chunks: Iterable<Uint8Array>): AsyncIterable<Uint8Array> {
  let first = true;
  for (const chunk of chunks) {
    if (!first) await sleep(SLOW_PAUSE_MS);
    first = false;
    yield chunk;
  }
}

/** Deterministic bytes, so a download can be checked without storing it. */
function* pattern(size: number): Iterable<Uint8Array> {
  const block = Buffer.alloc(64 * 1024);
  for (let i = 0; i < block.length; i++) block[i] = i % 251;
  for (let sent = 0; sent < size; sent += block.length) yield block.subarray(0, Math.min(block.length, size - sent));
}
