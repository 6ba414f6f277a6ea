/**
 * What a person sees: Debian's Chromium, driven by playwright-core, opens the
 * demo's home page, downloads files, and seeks in the audio player — once
 * straight to Node and once through real nginx. Screenshots are saved in
 * test-artifacts/.
 */
import { expect } from 'chai';
import { mkdir, readFile, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { demoApp, type Demo } from '../../demo/app.js';
import { startDemoProxy, type DemoProxy } from '../../demo/proxy.js';
import { SAMPLE_FILES } from '../../demo/content.js';
import { MemoryStorage } from '../../src/index.js';
import { listen } from '../support/app.js';
import { failInCiSkipElsewhere, missingCommands, requireProxy } from '../support/requireProxy.js';
import { freePort } from '../proxies/harness/process.js';
import { proxyFolder } from '../support/proxyFolder.js';

const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = resolve(import.meta.dirname, '../../test-artifacts');

for (const via of ['node', 'nginx'] as const) {
  describe(`The demo in a real browser, ${via === 'node' ? 'straight to Node' : 'through real nginx'}`, function () {
    this.timeout(90_000);
    let browser: Browser | undefined;
    let page: Page;
    let dataDir: string;
    let home: string;
    let server: Awaited<ReturnType<typeof listen>> | undefined;
    let proxy: DemoProxy | undefined;
    let demo: Demo | undefined;
    const ranges: string[] = [];

    before(async function () {
      failInCiSkipElsewhere(this, missingCommands({ chromium: 'chromium' }));
      if (via === 'nginx') requireProxy(this, 'nginx');
      dataDir = await proxyFolder('kdv-browser-');
      demo = await demoApp({ dataDir, s3: new MemoryStorage(), selfUrl: () => server!.url, ...(via === 'nginx' && { proxy: 'nginx' as const }) });
      // Record the Range headers the app receives, to prove the player seeks by ranges.
      demo.app.middleware.unshift(async (ctx, next) => {
        if (ctx.get('Range')) ranges.push(`${ctx.path} ${ctx.get('Range')}`);
        await next();
      });
      server = await listen(demo.app);
      home = server.url;
      if (via === 'nginx') {
        const port = await freePort();
        proxy = await startDemoProxy('nginx', { dataDir, appUrl: server.url, port });
        home = `http://127.0.0.1:${port}`;
      }
      browser = await chromium.launch({
        executablePath: CHROMIUM,
        headless: true,
        args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
      });
      page = await (await browser.newContext({ acceptDownloads: true, viewport: { width: 1280, height: 800 } })).newPage();
      await page.goto(`${home}/`);
    });

    after(async function () {
      await browser?.close();
      demo?.close();
      await proxy?.stop();
      await server?.close();
      if (dataDir) await rm(dataDir, { recursive: true, force: true });
    });

    it('lists every route with a badge and the headers it returns', async function () {
      await page.waitForFunction(() => [...document.querySelectorAll('code.headers')].every((code) => code.textContent !== '…'));
      const headers = await page.locator('code.headers').first().textContent();
      expect(headers).to.match(/^200\n/);
      expect(await page.locator('.badge.node').count()).to.be.greaterThan(5);
      expect(await page.locator('.badge.offload').count()).to.equal(via === 'nginx' ? 4 : 16);
      expect(await page.locator('.badge.offload.live').count()).to.equal(via === 'nginx' ? 4 : 0);
      await mkdir(ARTIFACTS, { recursive: true });
      await page.screenshot({ path: join(ARTIFACTS, `demo-home-${via}.png`), fullPage: true });
    });

    it('fits a 1280 px window: nothing wider, the headers column in view', async function () {
      await page.waitForFunction(() => [...document.querySelectorAll('code.headers')].every((code) => code.textContent !== '…'));
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).to.be.at.most(1280);
      const right = await page.evaluate(() => Math.max(...[...document.querySelectorAll('code.headers')].map((code) => code.getBoundingClientRect().right)));
      expect(right).to.be.at.most(1280);
    });

    it('shows the headers as the server meant them: UTF-8 hand-off paths readable, no mojibake', async function () {
      await page.waitForFunction(() => [...document.querySelectorAll('code.headers')].every((code) => code.textContent !== '…'));
      const headers = await page.locator('code.headers').allTextContents();
      expect(headers.join('\n')).not.to.match(/Ã|Â/);
      const of = async (path: string) => page.locator(`code.headers[data-href="${encodeURI(path)}"]`).textContent();
      expect(await of('/files/héllo wörld.txt')).to.match(/\ncontent-disposition: attachment; filename="[^"]+"; filename\*=UTF-8''h%C3%A9llo%20w%C3%B6rld\.txt\n/);
      if (via === 'node') {
        // Caddy and Apache are handed raw UTF-8 bytes, nginx and lighttpd a percent-encoded path: each shown as it reads it.
        expect(await of('/offload/caddy/by-middleware/héllo wörld.txt')).to.include('x-accel-redirect: /_internal/caddy/middleware/héllo wörld.txt');
        expect(await of('/offload/apache/by-route/héllo wörld.txt')).to.include(`x-sendfile: ${join(dataDir, 'offload/apache/route/héllo wörld.txt')}`);
        expect(await of('/offload/nginx/by-route/héllo wörld.txt')).to.include('x-accel-redirect: /_internal/nginx/route/h%C3%A9llo%20w%C3%B6rld.txt');
      }
    });

    if (via === 'node') {
      it('links no offload route while no proxy is in front: each row says which proxy it needs and the command that starts it', async function () {
        expect(await page.locator('a[href^="/offload/"]').count()).to.equal(0);
        const rows = page.locator('tr', { has: page.locator('.badge.offload') });
        expect(await rows.count()).to.equal(16);
        for (const row of await rows.all()) {
          const backend = /offloaded to (\w+)/.exec((await row.locator('.badge.offload').textContent())!)![1];
          const text = await row.textContent();
          expect(text).to.match(new RegExp(`needs ${backend} in front`, 'i')).and.to.include(`npm run demo -- --proxy ${backend}`);
        }
        // Clicking the path starts no download.
        let downloaded = false;
        page.once('download', () => (downloaded = true));
        await page.locator('[data-path="/offload/caddy/by-route/hello-world.txt"]').click();
        await page.waitForTimeout(500);
        expect(downloaded).to.equal(false);
        expect(page.url()).to.equal(`${home}/`);
      });
    }

    const downloads: [string, string][] = [
      ['/files/héllo wörld.txt', 'héllo wörld.txt'],
      ['/files/日本語.pdf', '日本語.pdf'],
      ['/s3/nested/folder/deep.txt', 'nested/folder/deep.txt'],
      ...(via === 'nginx' ? ([['/offload/nginx/by-middleware/héllo wörld.txt', 'héllo wörld.txt'], ['/offload/nginx/by-route/hello-world.txt', 'hello-world.txt']] as [string, string][]) : []),
    ];
    for (const [path, sample] of downloads) {
      it(`saves ${path} under its own name, with its bytes`, async function () {
        const [download] = await Promise.all([page.waitForEvent('download'), page.locator(`a[data-path="${path}"]`).click()]);
        expect(download.suggestedFilename()).to.equal(sample.split('/').pop());
        const saved = await readFile((await download.path())!);
        expect(saved.equals(Buffer.from(SAMPLE_FILES[sample]!))).to.equal(true);
      });
    }

    it('shows a download in the live panel as it runs, and as aborted once cancelled in the browser, with the bytes sent before', async function () {
      await page.waitForSelector('#downloads .live-status[data-connected="true"]');
      const path = '/virtual/slow.bin';
      const [download] = await Promise.all([page.waitForEvent('download'), page.locator(`a[data-path="${path}"]`).click()]);
      await page.waitForSelector(`#downloads tr[data-path="${path}"][data-state="started"]`);
      await download.cancel();
      const row = page.locator(`#downloads tr[data-path="${path}"][data-state="aborted"]`);
      await row.waitFor();
      const bytes = Number(await row.getAttribute('data-bytes'));
      expect(bytes).to.be.above(0).and.below(8 * 1024 * 1024);
      // Behind nginx too, Node sent the bytes (to nginx), and saw nginx leave with the browser.
      expect(await row.textContent()).to.match(/^aborted\/virtual\/slow\.binNode[\d.]+ (B|KiB|MiB) of 8\.0 MiB200\d/);
      await mkdir(ARTIFACTS, { recursive: true });
      await page.locator('#downloads').screenshot({ path: join(ARTIFACTS, `demo-downloads-aborted-${via}.png`) });
    });

    it('shows a finished download in the live panel with its full byte count, and who sent the bytes', async function () {
      const path = '/path/hello-world.txt';
      await Promise.all([page.waitForEvent('download'), page.locator(`a[data-path="${path}"]`).click()]);
      const row = page.locator(`#downloads tr[data-path="${path}"][data-state="finished"]`);
      await row.waitFor();
      expect(await row.getAttribute('data-bytes')).to.equal('13');
      expect(await row.textContent()).to.match(/^finished\/path\/hello-world\.txtNode13 B200\d+ ms$/);
      if (via === 'nginx') {
        const offloaded = '/offload/nginx/by-route/hello-world.txt';
        await Promise.all([page.waitForEvent('download'), page.locator(`a[data-path="${offloaded}"]`).click()]);
        const handedOff = page.locator(`#downloads tr[data-path="${offloaded}"][data-state="finished"]`).first();
        await handedOff.waitFor();
        expect(await handedOff.textContent()).to.match(/^finished\/offload\/nginx\/by-route\/hello-world\.txtnginxnginx sends them200\d+ ms$/);
      }
    });

    it('lists a failed download too, and still fits 1280 px with a long path in the panel', async function () {
      const path = `/files/${'a-long-folder-name/'.repeat(4)}${'a-long-file-name-'.repeat(12)}missing.txt`;
      expect(await page.evaluate(async (url) => (await fetch(url)).status, path)).to.equal(404);
      const row = page.locator(`#downloads tr[data-path="${path}"][data-state="error"]`);
      await row.waitFor();
      expect(await row.textContent()).to.include('error: FileNotFoundError').and.include('404');
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).to.be.at.most(1280);
      await page.locator('#downloads').screenshot({ path: join(ARTIFACTS, `demo-downloads-${via}.png`) });
    });

    it('seeks in the audio player with Range requests', async function () {
      ranges.length = 0;
      await page.evaluate(async () => {
        const audio = document.querySelector('audio')!;
        if (audio.readyState < 1) await new Promise((done) => audio.addEventListener('loadedmetadata', done, { once: true }));
        audio.currentTime = audio.duration * 0.75;
        await new Promise((done) => audio.addEventListener('seeked', done, { once: true }));
      });
      expect(ranges.some((range) => /^\/media\/tone\.wav bytes=[1-9]\d*-/.test(range)), ranges.join('; ')).to.equal(true);
    });
  });
}
