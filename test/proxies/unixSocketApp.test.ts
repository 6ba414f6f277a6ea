/**
 * The app behind the proxy on a Unix socket (appUrl "unix:/path"): lighttpd
 * opens a connection to the app for every request, and over a socket that
 * costs no TCP handshake (bench/findings.md, section 5). Each proxy runs the
 * configuration proxyConfig generates, in front of a Koa app that listens on
 * nothing but the socket: every answer below went through it.
 */
import { expect } from 'chai';
import Koa from 'koa';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { BackendName } from '../../src/backends/backend.js';
import { FileSystemStorage, proxyConfig, storageDownload, virtualDownload, VirtualFile, xSendfile, type Rule } from '../../src/index.js';
import { STREAMED_HEADER } from '../../src/streamedMark.js';
import { startProxy, type RunningProxy } from '../../src/testing.js';
import { freePort } from '../../src/testing/process.js';
import { listen } from '../support/app.js';
import { requireProxy } from '../support/requireProxy.js';
import { exchange } from './harness/exchange.js';
import { proxyFolder } from '../support/proxyFolder.js';

const BACKENDS: BackendName[] = ['nginx', 'apache', 'lighttpd', 'caddy'];
const FILE = Buffer.from(Array.from({ length: 70_000 }, (_, index) => index % 251));
const VIRTUAL = 'made by the app, not on disk\n';
const CLIENT_HOST = 'downloads.example';

function rulesFor(backend: BackendName, media: string): Rule {
  return backend === 'nginx' || backend === 'caddy' ? { sourceDir: media, destinationUrl: '/_protected/media/' } : { sourceDir: media, destinationDir: media };
}

function koaApp(backend: BackendName, media: string): Koa {
  const files = storageDownload({ storage: new FileSystemStorage({ location: media }), name: (ctx) => ctx.path.slice('/files/'.length) });
  const generated = virtualDownload(() => new VirtualFile({ name: 'generated.txt', content: VIRTUAL }));
  return new Koa().use(xSendfile(rulesFor(backend, media), { backend })).use((ctx, next) => {
    if (ctx.path === '/host') {
      ctx.body = ctx.get('host');
      return undefined;
    }
    return (ctx.path === '/generated.txt' ? generated : files)(ctx, next);
  });
}

for (const backend of BACKENDS) {
  describe(`${backend} in front of an app on a Unix socket`, function () {
    this.timeout(30_000);
    let dir: string | undefined;
    let app: Awaited<ReturnType<typeof listen>> | undefined;
    let proxy: RunningProxy | undefined;
    const port = () => Number(new URL(proxy!.url).port);

    before(async function () {
      requireProxy(this, backend);
      // The proxy's workers connect to the app's socket in this folder too.
      dir = await proxyFolder('kdv-unix-app-');
      const media = join(dir, 'media');
      await mkdir(media);
      await writeFile(join(media, 'data.bin'), FILE);
      app = await listen(koaApp(backend, media), { path: join(dir, 'app.sock'), readableAll: true, writableAll: true });
      proxy = await startProxy({ backend, appUrl: app.url, rules: rulesFor(backend, media) });
    });
    after(async () => {
      await proxy?.stop();
      await app?.close();
      if (dir) await rm(dir, { recursive: true, force: true });
    });

    it('sends an offloaded file itself, its bytes as on disk', async () => {
      const answer = await exchange(port(), '/files/data.bin');
      expect(answer.status).to.equal(200);
      expect(answer.headers[STREAMED_HEADER.toLowerCase()], 'Node streamed the file: the proxy did not take the hand-off').to.equal(undefined);
      expect(answer.body.equals(FILE), `${answer.body.length} bytes, not the file's ${FILE.length}`).to.equal(true);
      expect(answer.headers['content-disposition']).to.equal('attachment; filename=data.bin');
    });

    it('passes on a file the app streams (a virtual one)', async () => {
      const answer = await exchange(port(), '/generated.txt');
      expect(answer.status).to.equal(200);
      expect(answer.body.toString()).to.equal(VIRTUAL);
    });

    it("gives the app the client's Host", async () => {
      const answer = await exchange(port(), '/host', { headers: { Host: CLIENT_HOST } });
      expect(answer.status).to.equal(200);
      expect(answer.body.toString()).to.equal(CLIENT_HOST);
      expect(proxy!.logs.errors()).to.deep.equal([]);
    });
  });
}

// nginx names its upstream and maps after the app: a socket's names must differ from a TCP app's, or nginx refuses the pair.
describe('nginx in front of two apps, one on a Unix socket and one on TCP', function () {
  this.timeout(30_000);
  let dir: string | undefined;
  const apps: Array<Awaited<ReturnType<typeof listen>>> = [];
  let proxy: RunningProxy | undefined;
  let secondListen: number;

  before(async function () {
    requireProxy(this, 'nginx');
    dir = await proxyFolder('kdv-unix-app-');
    const media = join(dir, 'media');
    await mkdir(media);
    const rules = rulesFor('nginx', media);
    const [onSocket, onTcp] = [await listen(new Koa().use((ctx) => void (ctx.body = 'on the socket')), { path: join(dir, 'app.sock'), readableAll: true, writableAll: true }), await listen(new Koa().use((ctx) => void (ctx.body = 'on TCP')))];
    apps.push(onSocket, onTcp);
    secondListen = await freePort();
    proxy = await startProxy({
      backend: 'nginx',
      appUrl: onSocket.url,
      rules,
      editConfig: (config) => `${config}\n${proxyConfig(rules, 'nginx', { appUrl: onTcp.url, listen: `127.0.0.1:${secondListen}` })}`,
    });
  });
  after(async () => {
    await proxy?.stop();
    for (const app of apps) await app.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('sends each site to its own app', async () => {
    expect((await exchange(Number(new URL(proxy!.url).port), '/')).body.toString()).to.equal('on the socket');
    expect((await exchange(secondListen, '/')).body.toString()).to.equal('on TCP');
    expect(proxy!.logs.errors()).to.deep.equal([]);
  });
});
