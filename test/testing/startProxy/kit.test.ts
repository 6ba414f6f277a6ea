/**
 * What startProxy promises, for each real server: exactly proxyConfig's
 * output, a folder and an app that stop() removes and closes, and an error
 * log that shows the proxy’s own errors; editConfig’s changes run as given;
 * the pid is the proxy’s own.
 */
import Router from '@koa/router';
import { expect } from 'chai';
import Koa from 'koa';
import { existsSync, readFileSync } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileSystemStorage } from '../../../storages/filesystem.js';
import { proxyConfig } from '../../../src/proxyConfig.js';
import { storageDownload } from '../../../src/routes.js';
import { xSendfile } from '../../../src/xSendfile.js';
import { startProxy, type RunningProxy } from '../../../src/testing.js';
import { freePort } from '../../../src/testing/process.js';
import { ruleFor } from '../../proxies/harness/stack.js';
import { PROXIES } from '../../proxies/harness/suite.js';
import { listen } from '../../support/app.js';
import { requireProxy } from '../../support/requireProxy.js';
import { proxyFolder } from '../../support/proxyFolder.js';

/** Waits up to 2 s for `done`: a proxy may write its log just after it answers. */
async function waitFor(done: () => boolean): Promise<void> {
  for (const deadline = Date.now() + 2_000; !done() && Date.now() < deadline; ) await new Promise((resolve) => setTimeout(resolve, 20));
}

for (const backend of PROXIES) {
  describe(`startProxy: ${backend}`, function () {
    this.timeout(60_000);
    let media: string;
    let proxy: RunningProxy | undefined;

    before(async function () {
      requireProxy(this, backend);
      media = await proxyFolder(`kdv-kit-${backend}-`);
      await writeFile(join(media, 'a.txt'), 'bytes from disk');
      const rule = ruleFor(backend, media);
      const router = new Router();
      router.get('/files/*path', xSendfile(rule, { backend }), storageDownload({ storage: new FileSystemStorage({ location: media }) }));
      proxy = await startProxy({ backend, app: new Koa().use(router.routes()), rules: rule, folders: rule.destinationUrl ? { [rule.destinationUrl]: media } : {} });
    });
    after(async () => {
      await proxy?.stop();
      if (media) await rm(media, { recursive: true, force: true });
    });

    it('runs exactly what proxyConfig prints, on the port it reports', async function () {
      const rule = ruleFor(backend, media);
      const folders = rule.destinationUrl ? { [rule.destinationUrl]: media } : {};
      expect(proxy!.config).to.equal(proxyConfig(rule, backend, { appUrl: proxy!.appUrl, listen: `127.0.0.1:${new URL(proxy!.url).port}`, folders }));
      const site = backend === 'caddy' ? 'site.caddy' : 'site.conf';
      expect(readFileSync(join(proxy!.dir, site), 'utf8')).to.equal(proxy!.config);
    });

    it('serves the file the app hands off, with no error line', async function () {
      const res = await fetch(`${proxy!.url}/files/a.txt`);
      expect(await res.text()).to.equal('bytes from disk');
      expect(proxy!.logs.errors()).to.deep.equal([]);
    });

    it('shows the proxy’s error lines: here, an app that is not there', async function () {
      const nowhere = await startProxy({ backend, appUrl: `http://127.0.0.1:${await freePort()}`, rules: ruleFor(backend, media) });
      try {
        const res = await fetch(`${nowhere.url}/files/a.txt`);
        await res.arrayBuffer();
        expect(res.status).to.be.oneOf([502, 503]);
        // Caddy logs a failed request only with a `log` directive, which proxyConfig does not write.
        if (backend === 'caddy') return;
        await waitFor(() => nowhere.logs.errors().length > 0);
        expect(nowhere.logs.errors(), nowhere.logs.text()).to.not.deep.equal([]);
      } finally {
        await nowhere.stop();
      }
    });

    it('runs the configuration as editConfig changed it: here, pointed at a port where no app listens', async function () {
      const app = await listen(new Koa().use((ctx) => (ctx.body = 'reached')));
      const nowhere = await freePort();
      // Only the port as a whole number: an upstream named after it (nginx) keeps its name.
      const away = (config: string) => config.replace(new RegExp(`\\b${new URL(app.url).port}\\b`, 'g'), String(nowhere));
      const edited = await startProxy({ backend, appUrl: app.url, rules: ruleFor(backend, media), editConfig: away });
      try {
        expect(edited.config).to.not.equal(proxyConfig(ruleFor(backend, media), backend, { appUrl: app.url, listen: `127.0.0.1:${new URL(edited.url).port}` }));
        expect(edited.config).to.include(String(nowhere));
        const res = await fetch(`${edited.url}/anything`);
        await res.arrayBuffer();
        expect(res.status).to.be.oneOf([502, 503]);
      } finally {
        await edited.stop();
        await app.close();
      }
    });
  });
}

const RULE = { sourceDir: tmpdir(), destinationUrl: '/_internal/' };

function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('startProxy: stop()', function () {
  this.timeout(60_000);
  before(function () {
    requireProxy(this, 'nginx');
  });

  it('stops the proxy (its pid gone) and the app it started, removes the folder, and keeps the log readable', async function () {
    const proxy = await startProxy({ backend: 'nginx', app: new Koa().use((ctx) => (ctx.body = 'hi')), rules: RULE });
    expect(await (await fetch(proxy.url)).text()).to.equal('hi');
    expect(processExists(proxy.pid), `pid ${proxy.pid} runs`).to.equal(true);
    await proxy.stop();
    expect(processExists(proxy.pid), `pid ${proxy.pid} still runs`).to.equal(false);
    expect(existsSync(proxy.dir)).to.equal(false);
    for (const url of [proxy.url, proxy.appUrl]) await fetch(url).then(() => expect.fail(`${url} still answers`), () => undefined);
    expect(proxy.logs.errors()).to.deep.equal([]);
    await proxy.stop(); // twice is harmless
  });

  it('leaves an app given by appUrl running', async function () {
    const app = await listen(new Koa().use((ctx) => (ctx.body = 'mine')));
    try {
      const proxy = await startProxy({ backend: 'nginx', appUrl: app.url, rules: RULE });
      expect(await (await fetch(proxy.url)).text()).to.equal('mine');
      await proxy.stop();
      expect(await (await fetch(app.url)).text()).to.equal('mine');
    } finally {
      await app.close();
    }
  });

  it('refuses both app and appUrl, or neither, before starting anything', async function () {
    const error = await startProxy({ backend: 'nginx', rules: RULE }).catch((e: Error) => e);
    expect(String(error)).to.match(/either app .* or appUrl/);
  });
});
