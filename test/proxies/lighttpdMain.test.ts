/**
 * docs/lighttpd.md: Debian's stock lighttpd.conf adds a listener on [::]:80
 * next to the fragment's --listen, and the main configuration the page gives
 * does not. Checked with the real lighttpd, which prints the configuration it
 * would run (`-p`) and tests it (`-tt`) without listening anywhere.
 */
import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { proxyConfig } from '../../src/proxyConfig.js';
import { servers } from './harness/servers.js';
import { requireProxy } from '../support/requireProxy.js';

const run = promisify(execFile);
const STOCK = '/etc/lighttpd/lighttpd.conf';
const FRAGMENT_INCLUDE = 'include "/etc/lighttpd/conf-enabled/koa-downloadview.conf"';

describe("lighttpd: the main configuration of docs/lighttpd.md, and Debian's", function () {
  const lighttpd = servers.lighttpd.binary;
  let dir: string;
  let fragment: string;

  before(async function () {
    requireProxy(this, 'lighttpd');
    dir = await mkdtemp(join(tmpdir(), 'kdv-lighttpd-main-'));
    fragment = join(dir, 'koa-downloadview.conf');
    await writeFile(fragment, proxyConfig({ sourceDir: '/srv/media', destinationDir: '/srv/media' }, 'lighttpd', { appUrl: 'http://127.0.0.1:3000', listen: '127.0.0.1:8089' }));
  });
  after(() => dir && rm(dir, { recursive: true, force: true }));

  /** What lighttpd would run with `main`, the fragment included in place of `include`. */
  async function parsed(main: string, include: string): Promise<string> {
    expect(main, 'the main configuration includes the fragment').to.include(include);
    const path = join(dir, 'lighttpd.conf');
    await writeFile(path, main.replace(include, `include "${fragment}"`));
    await run(lighttpd!, ['-tt', '-f', path]);
    return (await run(lighttpd!, ['-p', '-f', path])).stdout;
  }

  it('listens only where --listen says with the documented main configuration', async function () {
    const guide = await readFile(resolve(import.meta.dirname, '../../docs/lighttpd.md'), 'utf8');
    const [, main] = /```lighttpd\n([\s\S]*?)```/.exec(guide) ?? [];
    const config = await parsed(main!, FRAGMENT_INCLUDE);
    expect(config).to.match(/server\.bind\s+= "127\.0\.0\.1"/);
    expect(config).to.match(/server\.port\s+= 8089/);
    expect(config).not.to.include('$SERVER["socket"]');
  });

  it("also listens on [::]:80 with Debian's stock lighttpd.conf, as the page says", async function () {
    if (!existsSync(STOCK) && process.env.CI) throw new Error(`${STOCK} is missing: CI runs on Debian, whose lighttpd package installs it`);
    if (!existsSync(STOCK)) this.skip(); // not Debian
    const config = await parsed(await readFile(STOCK, 'utf8'), 'include "/etc/lighttpd/conf-enabled/*.conf"');
    expect(config).to.match(/server\.port\s+= 8089/);
    expect(config).to.include('$SERVER["socket"] == "[::]:80"');
  });
});
