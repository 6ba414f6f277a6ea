import Router from '@koa/router';
import type { Middleware } from 'koa';
import { announceOffload, untouchedDownload, type OffloadPlan } from '../../src/record.js';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileSystemStorage } from '../../storages/filesystem.js';
import type { Storage } from '../../storages/storage.js';
import { recordedDownload, type RecordedDownload } from '../../src/record.js';
import { storageDownload } from '../../src/routes.js';
import { appWith } from '../support/app.js';

/** A temporary folder with a FileSystemStorage on it, served with `baseUrl` /media/. */
export async function mediaFolder(): Promise<{ location: string; storage: FileSystemStorage; cleanup: () => Promise<void> }> {
  const location = await mkdtemp(join(tmpdir(), 'kdv-offload-'));
  return {
    location,
    storage: new FileSystemStorage({ location, baseUrl: '/media/' }),
    cleanup: () => rm(location, { recursive: true, force: true }),
  };
}

/** Keeps what the route recorded, as seen from outside every other middleware. */
export function recordSpy(): Middleware & { last?: RecordedDownload } {
  const spy: Middleware & { last?: RecordedDownload } = async (ctx, next) => {
    await next();
    spy.last = recordedDownload(ctx);
  };
  return spy;
}

/** An app that serves `storage` at /media/<name>, behind `middleware`. */
export function mediaApp(storage: Storage, ...middleware: Middleware[]) {
  const router = new Router();
  router.get('/media/*path', storageDownload({ storage }));
  return appWith(...middleware, router.routes());
}

/** Another offload middleware (a CDN's, say): it claims every download with `plan`, and answers those it gets untouched with `body`. */
export function cdnOffload(plan: OffloadPlan, body = 'to the CDN'): Middleware {
  return async (ctx, next) => {
    announceOffload(ctx, () => plan);
    await next();
    if (untouchedDownload(ctx)?.offload === plan) ctx.body = body;
  };
}
