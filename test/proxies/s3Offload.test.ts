/**
 * S3 offload through real nginx and Caddy, each run from exactly what
 * proxyConfig prints, with s3rver behind a front that checks presigned
 * signatures as S3 does (test/support/strictS3.ts): the proxy fetches each
 * object itself, Node sends no byte of it and makes no S3 request. The same
 * cases run against both; where they answer differently, PROXIES says how.
 */
import Router from '@koa/router';
import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { createCipheriv, createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';
import { S3Storage } from '../../storages/s3.js';
import { storageDownload } from '../../src/routes.js';
import { xSendfile } from '../../src/xSendfile.js';
import { startProxy, type RunningProxy } from '../../src/testing/startProxy.js';
import { appWith } from '../support/app.js';
import { startStrictS3, type StrictS3 } from '../support/strictS3.js';
import { exchange, type Exchange } from './harness/exchange.js';
import { failInCiSkipElsewhere, missingCommands, requireProxy } from '../support/requireProxy.js';

const INTERNAL = '/_s3/';
const MIB = 1024 * 1024;
const OBJECTS: Record<string, Buffer> = {
  'report.pdf': randomBytes(300 * 1024),
  'dossier é/ü + % # ? ; a b.txt': Buffer.from('awkward key\n'),
  '100%25 done;x=1?y#z.bin': randomBytes(1000),
  // 1 KiB, S3's longest key, in segments s3rver can store as file names.
  [`${'ü'.repeat(100)}/`.repeat(5) + 'é'.repeat(7) + 'a.txt']: Buffer.from('long key\n'),
};
const LONG_KEY = Object.keys(OBJECTS)[3]!;
const BIG = 'big.bin';
const BIG_SIZE = 64 * MIB;

/** The same `size` bytes on every call, random-looking: the 64 MiB object is made, uploaded and checked as a stream, never whole in memory. */
function* bigBytes(size: number): Iterable<Buffer> {
  const cipher = createCipheriv('aes-128-ctr', Buffer.alloc(16, 'koa-downloadview'), Buffer.alloc(16));
  const zeros = Buffer.alloc(MIB);
  for (let made = 0; made < size; made += MIB) yield cipher.update(zeros.subarray(0, Math.min(MIB, size - made)));
}

async function sha256(source: Iterable<Buffer> | Readable): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of source) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

const execFileAsync = promisify(execFile);

// What differs between the proxies (docs/s3.md lists it): their Server header and their error pages.
const PROXIES = {
  nginx: { server: /^nginx/, errorPage: /^text\/html/ },
  caddy: { server: /^Caddy$/, errorPage: /^text\/plain/ },
} as const;

function leakedHeaders(response: Exchange): string[] {
  return Object.keys(response.headers).filter((name) => /^(x-amz-|x-accel-|x-sendfile)/i.test(name));
}

for (const [proxyName, differs] of Object.entries(PROXIES) as Array<[keyof typeof PROXIES, (typeof PROXIES)[keyof typeof PROXIES]]>) describe(`${proxyName}: S3 objects offloaded (xSendfile with storage)`, function () {
  this.timeout(120_000);
  let s3: StrictS3;
  let proxy: RunningProxy | undefined;
  let port: number;
  const path = (name: string) => `/s3/${name.split('/').map(encodeURIComponent).join('/')}`;
  /** Every S3 request since `since`, made by the proxy (the app makes none). */
  const s3RequestsSince = (since: number) => s3.requests.slice(since);

  before(async function () {
    requireProxy(this, proxyName);
    expect(Buffer.byteLength(LONG_KEY)).to.equal(1024);
    s3 = await startStrictS3();
    for (const [name, content] of Object.entries(OBJECTS)) await s3.storage.save(name, content);
    await s3.storage.save(BIG, Readable.from(bigBytes(BIG_SIZE)));
    const storage = s3.storage;
    const rule = { backend: proxyName, storage, destinationUrl: INTERNAL };
    const router = new Router();
    router.get('/direct/*path', storageDownload({ storage }));
    router.get('/s3/*path', xSendfile(rule), storageDownload({ storage, cacheControl: 'private, max-age=60' }));
    // A hand-off the app would never make: ?to= is sent as is, to see what the proxy refuses.
    router.get('/forged', (ctx) => {
      ctx.set('X-Accel-Redirect', String(ctx.query.to));
      ctx.body = '';
    });
    proxy = await startProxy({ backend: proxyName, app: appWith(router.routes()), rules: rule });
    port = Number(new URL(proxy.url).port);
  });

  after(async function () {
    await proxy?.stop();
    await s3?.stop();
  });

  it('sends the object byte for byte, with the app\'s Content-Type, Content-Disposition and Cache-Control, and S3 none of its own', async function () {
    const since = s3.requests.length;
    const offloaded = await exchange(port, path('report.pdf'), { headers: { Cookie: 'session=secret', Authorization: 'Bearer secret' } });
    const direct = await exchange(port, '/direct/report.pdf');
    expect(offloaded.status).to.equal(200);
    expect(offloaded.body.equals(OBJECTS['report.pdf']!)).to.equal(true);
    expect(offloaded.headers['content-type']).to.equal('application/pdf').and.to.equal(direct.headers['content-type']);
    expect(offloaded.headers['content-disposition']).to.equal('attachment; filename=report.pdf').and.to.equal(direct.headers['content-disposition']);
    expect(offloaded.headers['cache-control']).to.equal('private, max-age=60');
    expect(offloaded.headers['content-length']).to.equal(String(OBJECTS['report.pdf']!.length));
    expect(offloaded.headers['x-downloadview'], 'Node did not stream it').to.equal(undefined);
    expect(offloaded.headers['server']).to.match(differs.server);
    expect(leakedHeaders(offloaded)).to.deep.equal([]);
    // One request reached S3, from the proxy, presigned for 60 s, with none of the client's credentials.
    const [request, ...more] = s3RequestsSince(since).filter((r) => r.url.includes('report.pdf'));
    expect(more).to.have.length(1); // the /direct/ one, from the app
    expect(request!.headers.host).to.equal(new URL(s3.endpoint).host);
    expect(request!.url).to.include('X-Amz-Expires=60&');
    expect(request!.headers).not.to.have.any.keys('cookie', 'authorization', 'x-forwarded-for');
  });

  it('never shows the client the presigned URL or where S3 is', async function () {
    const responses = [
      await exchange(port, path('report.pdf')),
      await exchange(port, path('report.pdf'), { method: 'HEAD' }),
      await exchange(port, path('report.pdf'), { headers: { Range: 'bytes=0-9' } }),
      await exchange(port, path('missing.pdf')),
      await exchange(port, path('report.pdf'), { headers: { 'If-Match': '"nope"' } }),
    ];
    for (const response of responses) {
      const text = JSON.stringify(response.headers) + (response.headers['content-type']?.startsWith('text/') ? response.body.toString('latin1') : '');
      expect(text).not.to.match(/X-Amz-|Signature|S3RVER|koa-downloadview\/|_s3/i);
      expect(text).not.to.include(String(new URL(s3.endpoint).port));
      expect(leakedHeaders(response)).to.deep.equal([]);
    }
  });

  it('answers Range from S3: a single range and a suffix', async function () {
    const content = OBJECTS['report.pdf']!;
    const single = await exchange(port, path('report.pdf'), { headers: { Range: 'bytes=100-199' } });
    expect(single.status).to.equal(206);
    expect(single.headers['content-range']).to.equal(`bytes 100-199/${content.length}`);
    expect(single.body.equals(content.subarray(100, 200))).to.equal(true);
    expect(single.headers['content-disposition']).to.equal('attachment; filename=report.pdf');
    const suffix = await exchange(port, path('report.pdf'), { headers: { Range: 'bytes=-5' } });
    expect(suffix.status).to.equal(206);
    expect(suffix.body.equals(content.subarray(-5))).to.equal(true);
  });

  it('answers HEAD with the headers of the object and no body (presigned for HEAD)', async function () {
    const since = s3.requests.length;
    const head = await exchange(port, path('report.pdf'), { method: 'HEAD' });
    expect(head.status).to.equal(200);
    expect(head.body.length).to.equal(0);
    expect(head.headers['content-length']).to.equal(String(OBJECTS['report.pdf']!.length));
    expect(head.headers['content-disposition']).to.equal('attachment; filename=report.pdf');
    expect(s3RequestsSince(since).map((request) => request.method)).to.deep.equal(['HEAD']);
  });

  it('answers 304 and 412 from S3, without Content-Disposition', async function () {
    const { headers } = await exchange(port, path('report.pdf'), { method: 'HEAD' });
    const notModified = await exchange(port, path('report.pdf'), { headers: { 'If-None-Match': headers['etag']! } });
    expect(notModified.status).to.equal(304);
    expect(notModified.headers['content-disposition']).to.equal(undefined);
    const failed = await exchange(port, path('report.pdf'), { headers: { 'If-Match': '"nope"' } });
    expect(failed.status).to.equal(412);
    expect(failed.headers['content-disposition']).to.equal(undefined);
    expect(failed.headers['content-type']).to.match(differs.errorPage);
    const matched = await exchange(port, path('report.pdf'), { headers: { 'If-Match': headers['etag']! } });
    expect(matched.status).to.equal(200);
  });

  it('serves Unicode keys, keys with + % # ? ; and spaces, and a 1 KiB key', async function () {
    for (const [name, content] of Object.entries(OBJECTS)) {
      const response = await exchange(port, path(name));
      expect(response.status, name).to.equal(200);
      expect(response.body.equals(content), name).to.equal(true);
      const direct = await exchange(port, `/direct/${name.split('/').map(encodeURIComponent).join('/')}`);
      expect(response.headers['content-disposition'], name).to.equal(direct.headers['content-disposition']);
    }
  });

  it('answers a missing object 404, without Content-Disposition, and S3\'s error body stays with the proxy', async function () {
    const response = await exchange(port, path('missing.pdf'));
    expect(response.status).to.equal(404);
    expect(response.headers['content-disposition']).to.equal(undefined);
    expect(response.headers['content-type']).to.match(differs.errorPage);
    expect(response.body.toString()).not.to.match(/NoSuchKey|<Error>/);
  });

  it('refuses the internal location to a client, even with a valid presigned query', async function () {
    const signed = new URL(await s3.storage.signedUrl('report.pdf', { expiresIn: 60 }));
    const since = s3.requests.length;
    const response = await exchange(port, `${INTERNAL}${signed.pathname.slice(1)}${signed.search}`);
    expect(response.status).to.equal(404);
    expect(response.body.includes(OBJECTS['report.pdf']!.subarray(0, 64))).to.equal(false);
    expect(s3RequestsSince(since)).to.deep.equal([]);
  });

  it('gives a forged hand-off nothing: no signature, another host, or a path that climbs out', async function () {
    const canary = createServer((_req, res) => res.end('CANARY'));
    await new Promise<void>((resolve) => canary.listen(0, '127.0.0.1', resolve));
    const canaryPort = (canary.address() as AddressInfo).port;
    let canaryHits = 0;
    canary.on('request', () => canaryHits++);
    try {
      const forged = [
        `${INTERNAL}${s3.embedded.bucket}/report.pdf`,
        `${INTERNAL}${s3.embedded.bucket}/report.pdf?X-Amz-Signature=00`,
        `${INTERNAL}/127.0.0.1:${canaryPort}/x`,
        `${INTERNAL}@127.0.0.1:${canaryPort}/x`,
        `${INTERNAL}http://127.0.0.1:${canaryPort}/x`,
        `${INTERNAL}../../secret`,
        `http://127.0.0.1:${canaryPort}/x`,
      ];
      for (const to of forged) {
        const response = await exchange(port, `/forged?to=${encodeURIComponent(to)}`);
        expect(response.status, to).to.be.oneOf([400, 403, 404, 500, 502]);
        expect(response.body.includes(OBJECTS['report.pdf']!.subarray(0, 64)), to).to.equal(false);
        expect(response.body.toString(), to).not.to.match(/CANARY|<Error>/);
      }
      expect(canaryHits).to.equal(0);
    } finally {
      await new Promise((resolve) => canary.close(resolve));
    }
  });

  it('resumes a 64 MiB download with curl -C -, and the file matches its sha256', async function () {
    // The proxy's folder, which stop() removes.
    const out = join(proxy!.dir, 'big.part');
    await pipeline(Readable.from(bigBytes(10 * MIB)), createWriteStream(out));
    const since = s3.requests.length;
    const { stdout } = await execFileAsync('curl', ['-sS', '-C', '-', '-o', out, '-w', '%{http_code}', `http://127.0.0.1:${port}${path(BIG)}`], { timeout: 60_000 });
    expect(stdout).to.equal('206');
    expect(await sha256(createReadStream(out))).to.equal(await sha256(bigBytes(BIG_SIZE)));
    expect(s3RequestsSince(since).map((request) => request.headers.range)).to.deep.equal([`bytes=${10 * MIB}-`]);
    await rm(out);
  });

  it('downloads a 64 MiB object with aria2c -x 8 in parallel ranges, and the file matches its sha256', async function () {
    failInCiSkipElsewhere(this, missingCommands({ aria2c: 'aria2' }));
    const since = s3.requests.length;
    await execFileAsync('aria2c', ['-q', '-x', '8', '-s', '8', '-k', '1M', '-d', proxy!.dir, '-o', 'aria2.bin', '--allow-overwrite=true', `http://127.0.0.1:${port}${path(BIG)}`], { timeout: 60_000 });
    expect(await sha256(createReadStream(join(proxy!.dir, 'aria2.bin')))).to.equal(await sha256(bigBytes(BIG_SIZE)));
    const ranged = s3RequestsSince(since).filter((request) => request.headers.range !== undefined);
    expect(ranged.length, 'S3 was asked for ranges, as aria2c asked the proxy').to.be.above(1);
    await rm(join(proxy!.dir, 'aria2.bin'));
  });

  it('answers 502 to a redirect from S3, and the client never sees where it pointed', async function () {
    // A stand-in for S3 that redirects, as S3 does for a bucket of another region: s3rver never does.
    const redirecting = createServer((req, res) => {
      const status = Number(/\/(\d{3})\.bin/.exec(req.url!)?.[1]);
      res.writeHead(status, { Location: 'http://elsewhere.s3.example/bucket/key?secret', 'Content-Type': 'application/xml' });
      res.end('<Error><Code>PermanentRedirect</Code><Endpoint>elsewhere.s3.example</Endpoint></Error>');
    });
    await new Promise<void>((resolve) => redirecting.listen(0, '127.0.0.1', resolve));
    const storage = new S3Storage({ bucket: 'bucket', clientConfig: { ...s3.embedded.clientConfig, endpoint: `http://127.0.0.1:${(redirecting.address() as AddressInfo).port}` } });
    const rule = { backend: proxyName, storage, destinationUrl: '/_s3_elsewhere/' };
    const router = new Router();
    router.get('/elsewhere/*path', xSendfile(rule), storageDownload({ storage }));
    const behind = await startProxy({ backend: proxyName, app: appWith(router.routes()), rules: rule });
    try {
      for (const status of [300, 301, 302, 303, 307, 308]) {
        const response = await exchange(Number(new URL(behind.url).port), `/elsewhere/${status}.bin`);
        expect(response.status, String(status)).to.equal(502);
        expect(response.headers['location'], String(status)).to.equal(undefined);
        expect(response.headers['content-disposition'], String(status)).to.equal(undefined);
        expect(JSON.stringify(response.headers) + response.body.toString(), String(status)).not.to.match(/elsewhere|PermanentRedirect/);
      }
    } finally {
      await behind.stop();
      redirecting.closeAllConnections();
      await new Promise((resolve) => redirecting.close(resolve));
    }
  });

  it('answers 502 when S3 is down, and saves nothing under the file\'s name', async function () {
    await s3.stop();
    const response = await exchange(port, path('report.pdf'));
    expect(response.status).to.equal(502);
    expect(response.headers['content-disposition']).to.equal(undefined);
    s3 = { ...s3, stop: async () => {} };
  });
});
