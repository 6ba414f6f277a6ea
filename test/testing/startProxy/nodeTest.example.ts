/**
 * The kit's usage example for node:test (`node --import tsx --test` this
 * file): a real nginx in front of a tiny Koa app that offloads its downloads.
 */
import Router from '@koa/router';
import Koa from 'koa';
import assert from 'node:assert/strict';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { FileSystemStorage, storageDownload, xSendfile } from 'koa-downloadview';
import { missingProxy, startProxy, type RunningProxy } from 'koa-downloadview/testing';

const missing = missingProxy('nginx');
if (missing && process.env.CI) throw new Error(missing);

test('nginx sends the invoice the app hands off', { skip: missing }, async (t) => {
  const folder = await mkdtemp(join(tmpdir(), 'invoices-'));
  let proxy: RunningProxy | undefined;
  after(async () => {
    await proxy?.stop();
    await rm(folder, { recursive: true, force: true });
  });
  await chmod(folder, 0o755);
  await writeFile(join(folder, 'INV-7.txt'), 'Invoice 7: 120 EUR');

  const app = new Koa();
  const router = new Router();
  const rules = [{ sourceDir: folder, destinationUrl: '/_internal/invoices/' }];
  router.get('/invoices/*path', xSendfile(rules, { backend: 'nginx' }), storageDownload({ storage: new FileSystemStorage({ location: folder }) }));
  app.use(router.routes());
  proxy = await startProxy({ backend: 'nginx', app, rules });

  await t.test('Koa alone hands off an empty answer', async () => {
    const direct = await fetch(new URL('/invoices/INV-7.txt', proxy!.appUrl));
    assert.equal(direct.headers.get('x-accel-redirect'), '/_internal/invoices/INV-7.txt');
    assert.equal((await direct.arrayBuffer()).byteLength, 0);
  });
  await t.test('nginx fills it with the file', async () => {
    const res = await fetch(new URL('/invoices/INV-7.txt', proxy!.url));
    assert.equal(res.status, 200);
    assert.equal(await res.text(), 'Invoice 7: 120 EUR');
    assert.deepEqual(proxy!.logs.errors(), []);
  });
});
