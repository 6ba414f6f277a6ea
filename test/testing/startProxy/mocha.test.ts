/**
 * The kit's usage example for mocha: a real nginx in front of a tiny Koa app
 * that offloads its downloads. It skips, saying what to install, when nginx
 * is missing, and fails instead when CI is set.
 */
import Router from '@koa/router';
import { expect } from 'chai';
import Koa from 'koa';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileSystemStorage, storageDownload, xSendfile } from 'koa-downloadview';
import { missingProxy, startProxy, type RunningProxy } from 'koa-downloadview/testing';

describe('startProxy with mocha: nginx serves what the app hands off', function () {
  this.timeout(30_000);
  let media: string;
  let proxy: RunningProxy | undefined;

  before(async function () {
    const missing = missingProxy('nginx');
    if (missing && process.env.CI) throw new Error(missing);
    if (missing) return console.log(`      skipped: ${missing}`), this.skip();
    media = await mkdtemp(join(tmpdir(), 'reports-'));
    await chmod(media, 0o755); // nginx's workers read the files
    await writeFile(join(media, 'q3.csv'), 'region,total\nnorth,42\n');
    const rule = { sourceDir: media, destinationUrl: '/_protected/reports/' };
    const router = new Router();
    router.get('/reports/*path', xSendfile(rule, { backend: 'nginx' }), storageDownload({ storage: new FileSystemStorage({ location: media }) }));
    proxy = await startProxy({ backend: 'nginx', app: new Koa().use(router.routes()), rules: rule });
  });
  after(async () => {
    await proxy?.stop();
    if (media) await rm(media, { recursive: true, force: true });
  });

  it('the app answers with a hand-off only, and nginx sends the bytes', async function () {
    const handOff = await fetch(`${proxy!.appUrl}/reports/q3.csv`);
    expect(handOff.headers.get('x-accel-redirect')).to.equal('/_protected/reports/q3.csv');
    expect(await handOff.text()).to.equal('');

    const res = await fetch(`${proxy!.url}/reports/q3.csv`);
    expect(res.status).to.equal(200);
    expect(res.headers.get('content-disposition')).to.equal('attachment; filename=q3.csv');
    expect(res.headers.get('x-accel-redirect')).to.equal(null);
    expect(await res.text()).to.equal('region,total\nnorth,42\n');
    expect(proxy!.logs.errors()).to.deep.equal([]);
  });
});
