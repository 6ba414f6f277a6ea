/**
 * Issue 17: the app cannot see an offloaded download end; nginx can. The
 * access log proxy-config generates says, per answer, whether it was sent
 * whole and how many bytes went: checked with the real nginx.
 */
import Router from '@koa/router';
import { expect } from 'chai';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { FileSystemStorage, ImproperlyConfiguredError, proxyConfig, storageDownload, xSendfile } from '../../src/index.js';
import { startProxy, type RunningProxy } from '../../src/testing.js';
import { appWith } from '../support/app.js';
import { requireProxy } from '../support/requireProxy.js';
import { proxyFolder } from '../support/proxyFolder.js';

const BIG = 64 * 1024 * 1024;

/** A GET through nginx; the client leaves after `leaveAfter` bytes if given. */
function get(url: string, leaveAfter?: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { agent: false }, (res) => {
      let received = 0;
      res.on('data', (chunk: Buffer) => {
        received += chunk.length;
        if (leaveAfter !== undefined && received >= leaveAfter) {
          res.pause();
          setTimeout(() => (req.destroy(), resolve()), 100);
        }
      });
      res.on('end', () => resolve());
    });
    req.on('error', (error) => (req.destroyed ? undefined : reject(error)));
    req.end();
  });
}

describe('The downloads access log proxy-config writes for nginx', function () {
  this.timeout(30_000);
  let dir: string;
  let nginx: RunningProxy | undefined;
  let proxyUrl: string;

  before(async function () {
    requireProxy(this, 'nginx');
    dir = await proxyFolder('kdv-access-log-');
    const media = join(dir, 'media');
    await mkdir(media, { mode: 0o755 });
    await writeFile(join(media, 'small.txt'), 'whole\n');
    await writeFile(join(media, 'big.bin'), Buffer.alloc(BIG, 'b'));
    const rule = { sourceDir: media, destinationUrl: '/_protected/' };
    const router = new Router();
    router.get('/files/*path', storageDownload({ storage: new FileSystemStorage({ location: media }) }));
    const app = appWith(xSendfile(rule, { backend: 'nginx' }), router.routes());
    nginx = await startProxy({ backend: 'nginx', app, rules: rule, accessLog: join(dir, 'downloads.log') });
    proxyUrl = nginx.url;
  });
  after(async function () {
    await nginx?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('ends the line of a download sent whole with "OK", and of one the client left with "", with the bytes that went', async function () {
    await get(`${proxyUrl}/files/small.txt`);
    await get(`${proxyUrl}/files/big.bin`, 1024 * 1024);
    await sleep(300);
    const lines = (await readFile(join(dir, 'downloads.log'), 'utf8')).trim().split('\n');
    const whole = lines.find((line) => line.includes('GET /files/small.txt'));
    const left = lines.find((line) => line.includes('GET /files/big.bin'));
    expect(whole, lines.join('\n')).to.match(/" 200 \d+ 6 "OK"$/);
    const [, bodyBytes] = / 200 \d+ (\d+) ""$/.exec(left ?? '') ?? [];
    expect(Number(bodyBytes), left).to.be.above(0).and.below(BIG);
  });

  it('is refused, with a sentence, for the proxies it is not generated for', function () {
    for (const backend of ['apache', 'lighttpd', 'caddy'] as const) {
      const rule = backend === 'caddy' ? { sourceDir: '/srv/media', destinationUrl: '/_p/' } : { sourceDir: '/srv/media', destinationDir: '/srv/media' };
      expect(() => proxyConfig(rule, backend, { appUrl: 'http://127.0.0.1:3000', accessLog: '/var/log/downloads.log' }), backend).to.throw(ImproperlyConfiguredError, /accessLog is generated for nginx only; for \w+, add the log format docs\/observability\.md gives/);
    }
    expect(() => proxyConfig({ sourceDir: '/srv/media', destinationUrl: '/_p/' }, 'nginx', { appUrl: 'http://127.0.0.1:3000', accessLog: 'logs/x.log' })).to.throw(ImproperlyConfiguredError, /accessLog must be an absolute file path/);
  });
});
