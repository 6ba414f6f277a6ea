/**
 * The demo application: every kind of download route on one Koa app.
 * `npm run demo` starts it (demo/server.ts); the tests build it in-process.
 */
import Router from '@koa/router';
import Koa from 'koa';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { FileSystemStorage, MemoryStorage, storageDownload } from '../src/index.js';
import type { Storage } from '../storages/storage.js';

export interface DemoOptions {
  /** Folder of the filesystem storage; hello-world.txt is written there. */
  filesDir: string;
  /** An S3 (or any other) storage to serve under /s3/. */
  s3?: Storage;
}

export interface DemoRoute {
  path: string;
  title: string;
}

export async function demoApp(options: DemoOptions): Promise<{ app: Koa; routes: DemoRoute[] }> {
  await mkdir(options.filesDir, { recursive: true });
  await writeFile(join(options.filesDir, 'hello-world.txt'), 'Hello world!\n');
  const files = new FileSystemStorage({ location: options.filesDir, baseUrl: '/media/files/' });

  const memory = new MemoryStorage({ baseUrl: '/media/memory/' });
  await memory.save('hello-memory.txt', 'Hello from memory!\n');

  const router = new Router();
  const routes: DemoRoute[] = [
    { path: '/files/hello-world.txt', title: 'A file of the filesystem storage' },
    { path: '/memory/hello-memory.txt', title: 'A file of the in-memory storage' },
  ];
  router.get('/files/*path', storageDownload({ storage: files }));
  router.get('/memory/*path', storageDownload({ storage: memory }));
  if (options.s3) {
    await options.s3.save('hello-s3.txt', 'Hello from S3!\n', { contentType: 'text/plain' });
    router.get('/s3/*path', storageDownload({ storage: options.s3 }));
    routes.push({ path: '/s3/hello-s3.txt', title: 'A file of the S3 storage' });
  }
  router.get('/', (ctx) => {
    ctx.type = 'html';
    ctx.body = `<!doctype html><meta charset="utf-8"><title>koa-downloadview demo</title><h1>koa-downloadview demo</h1><ul>${routes
      .map((route) => `<li><a href="${route.path}">${route.path}</a> — ${route.title}</li>`)
      .join('')}</ul>`;
  });

  const app = new Koa();
  app.use(router.routes()).use(router.allowedMethods());
  return { app, routes };
}
