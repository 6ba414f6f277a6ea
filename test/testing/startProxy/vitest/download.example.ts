/**
 * The kit's usage example for vitest: a real nginx in front of a tiny Koa app
 * that offloads its downloads.
 */
import Router from '@koa/router';
import Koa from 'koa';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FileSystemStorage, storageDownload, xSendfile } from 'koa-downloadview';
import { missingProxy, startProxy, type RunningProxy } from 'koa-downloadview/testing';

const missing = missingProxy('nginx');
if (missing && process.env.CI) throw new Error(missing);

describe.skipIf(missing)('nginx in front of the photo archive', () => {
  const photos = { dir: '', proxy: undefined as RunningProxy | undefined };

  beforeAll(async () => {
    photos.dir = await mkdtemp(join(tmpdir(), 'photos-'));
    await chmod(photos.dir, 0o755);
    await writeFile(join(photos.dir, 'lake.jpg'), Buffer.from([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3, 0xff, 0xd9]));
    const rule = { sourceDir: photos.dir, destinationUrl: '/_photos/' };
    const routes = new Router().get('/photos/*path', xSendfile(rule, { backend: 'nginx' }), storageDownload({ storage: new FileSystemStorage({ location: photos.dir }), attachment: false }));
    photos.proxy = await startProxy({ backend: 'nginx', app: new Koa().use(routes.routes()), rules: rule });
  });
  afterAll(async () => {
    await photos.proxy?.stop();
    await rm(photos.dir, { recursive: true, force: true });
  });

  it('sends the photo bytes, which the app only pointed at', async () => {
    const fromApp = await fetch(`${photos.proxy!.appUrl}/photos/lake.jpg`);
    expect(fromApp.headers.get('x-accel-redirect')).toBe('/_photos/lake.jpg');

    const res = await fetch(`${photos.proxy!.url}/photos/lake.jpg`);
    expect(res.headers.get('content-type')).toBe('image/jpeg');
    expect(new Uint8Array(await res.arrayBuffer())).toEqual(new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3, 0xff, 0xd9]));
    expect(photos.proxy!.logs.errors()).toEqual([]);
  });
});
