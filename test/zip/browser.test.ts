/**
 * Issue 16: Chromium (Debian's, through playwright-core) downloads a ZIP of
 * three Unicode-named files: it saves it under the archive's Unicode name,
 * and every extractor finds the three names and their bytes exactly.
 */
import { expect } from 'chai';
import Router from '@koa/router';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { VirtualFile, zipDownload } from '../../src/index.js';
import { appWith, listen } from '../support/app.js';
import { failInCiSkipElsewhere, missingCommands } from '../support/requireProxy.js';
import { checkArchive, requireExtractors } from './extractors.js';

const CHROMIUM = '/usr/bin/chromium';
const ARCHIVE = 'Фото 日本 été.zip';
const FILES: Record<string, string> = {
  'Ελληνικά/σημειώσεις.txt': 'γειά σου\n',
  '日本語/レポート.csv': 'a,b\n1,2\n',
  'emoji 🎉 café.txt': 'party\n',
};

describe('zipDownload in Chromium', function () {
  this.timeout(60_000);
  let browser: Browser | undefined;
  let server: Awaited<ReturnType<typeof listen>> | undefined;
  let work: string;

  before(async function () {
    failInCiSkipElsewhere(this, missingCommands({ chromium: 'chromium' }));
    await requireExtractors(this);
    work = await mkdtemp(join(tmpdir(), 'kdv-zip-browser-'));
    const router = new Router();
    router.get('/', (ctx) => void ((ctx.type = 'html'), (ctx.body = `<!doctype html><meta charset="utf-8"><a id="zip" href="/photos.zip">Download</a>`)));
    router.get('/photos.zip', zipDownload(() => Object.entries(FILES).map(([name, content]) => ({ name, file: new VirtualFile({ name, content, modifiedTime: new Date('2024-07-01T12:00:00Z') }) })), { basename: ARCHIVE }));
    server = await listen(appWith(router.routes()));
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'] });
  });
  after(async function () {
    await browser?.close();
    await server?.close();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('saves the archive under its Unicode name, and its three Unicode-named files come out exact', async function () {
    const page = await (await browser!.newContext({ acceptDownloads: true })).newPage();
    await page.goto(`${server!.url}/`);
    const [download] = await Promise.all([page.waitForEvent('download'), page.locator('#zip').click()]);
    expect(download.suggestedFilename()).to.equal(ARCHIVE);
    expect(await download.failure()).to.equal(null);
    const path = join(work, ARCHIVE);
    await download.saveAs(path);
    await checkArchive(path, join(work, 'x'), FILES);
  });
});
