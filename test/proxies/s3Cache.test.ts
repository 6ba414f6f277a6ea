/**
 * nginx's disk cache for S3 offload (proxyConfig's s3Cache), run from what
 * proxyConfig prints, with s3rver behind the strict front: objects are kept
 * in slices, keyed on the object and not on the signature, so a second
 * download asks S3 nothing and is served with S3 stopped, ranges included.
 */
import Router from '@koa/router';
import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { readdir, rm } from 'node:fs/promises';
import { request } from 'node:http';
import { join } from 'node:path';
import { storageDownload } from '../../src/routes.js';
import { startProxy, type RunningProxy } from '../../src/testing/startProxy.js';
import { xSendfile } from '../../src/xSendfile.js';
import { appWith } from '../support/app.js';
import { requireProxy } from '../support/requireProxy.js';
import { startStrictS3, type StrictS3 } from '../support/strictS3.js';
import { exchange } from './harness/exchange.js';
import { proxyFolder } from '../support/proxyFolder.js';

const SLICE = 128 * 1024;
const INTERNAL = '/_s3/';
const SHORT_EXPIRY = 2;

describe('nginx: S3 objects kept on its disk (s3Cache)', function () {
  this.timeout(60_000);
  let s3: StrictS3;
  let proxy: RunningProxy | undefined;
  let cacheDir: string;
  let port: number;
  const path = (name: string) => `/s3/${encodeURIComponent(name)}`;
  const get = (name: string, headers: Record<string, string> = {}, method = 'GET') => exchange(port, path(name), { method, headers });
  /** What reached S3 while `action` ran: method and Range of each request for `name`. */
  async function s3Sees(name: string, action: () => Promise<unknown>): Promise<string[]> {
    const since = s3.requests.length;
    await action();
    return s3.requests.slice(since).filter((request) => request.url.includes(encodeURIComponent(name))).map((request) => `${request.method} ${request.headers.range ?? ''}`.trim());
  }
  /** A new object of `size` random bytes, saved under `name`. */
  async function object(name: string, size: number): Promise<Buffer> {
    const content = randomBytes(size);
    await s3.storage.save(name, content);
    return content;
  }

  before(async function () {
    requireProxy(this, 'nginx');
    s3 = await startStrictS3();
    cacheDir = await proxyFolder('kdv-s3-cache-');
    const storage = s3.storage;
    const rule = { backend: 'nginx' as const, storage, destinationUrl: INTERNAL };
    const router = new Router();
    router.get('/s3/*path', xSendfile(rule), storageDownload({ storage }));
    const shortLived = { ...rule, destinationUrl: '/_s3_short/', expiresIn: SHORT_EXPIRY };
    router.get('/short/*path', xSendfile(shortLived), storageDownload({ storage }));
    // A hand-off the app would never make: ?to= is sent as is.
    router.get('/forged', (ctx) => {
      ctx.set('X-Accel-Redirect', String(ctx.query.to));
      ctx.body = '';
    });
    proxy = await startProxy({ backend: 'nginx', app: appWith(router.routes()), rules: [rule, shortLived], s3Cache: { path: join(cacheDir, 'objects'), slice: SLICE } });
    port = Number(new URL(proxy.url).port);
  });

  after(async function () {
    await proxy?.stop();
    await s3?.stop();
    if (cacheDir) await rm(cacheDir, { recursive: true, force: true });
  });

  it('asks S3 for whole slices once, then sends the object, its ranges, HEAD and 304 from disk', async function () {
    const content = await object('report.pdf', 2 * SLICE + 1000);
    let first;
    expect(await s3Sees('report.pdf', async () => (first = await get('report.pdf')))).to.deep.equal([`GET bytes=0-${SLICE - 1}`, `GET bytes=${SLICE}-${2 * SLICE - 1}`, `GET bytes=${2 * SLICE}-${3 * SLICE - 1}`]);
    expect(first!.status).to.equal(200);
    expect(first!.body.equals(content)).to.equal(true);
    expect(first!.headers['content-length']).to.equal(String(content.length));
    expect(first!.headers['content-disposition']).to.equal('attachment; filename=report.pdf');
    expect(first!.headers['content-type']).to.equal('application/pdf');
    const answers = await Promise.all([
      get('report.pdf'),
      get('report.pdf', { Range: `bytes=${SLICE - 10}-${SLICE + 9}` }),
      get('report.pdf', { Range: 'bytes=-5' }),
      get('report.pdf', {}, 'HEAD'),
      get('report.pdf', { 'If-None-Match': first!.headers['etag']! }),
    ]);
    const seen = await s3Sees('report.pdf', async () => {
      for (const answer of await Promise.all([get('report.pdf'), get('report.pdf', { Range: `bytes=${SLICE - 10}-${SLICE + 9}` })])) answers.push(answer);
    });
    expect(seen).to.deep.equal([]);
    const [again, range, suffix, head, notModified] = answers;
    expect(again!.body.equals(content)).to.equal(true);
    expect(again!.headers['content-disposition']).to.equal('attachment; filename=report.pdf');
    expect(Object.keys(again!.headers).filter((name) => /^x-amz-|^x-accel-/i.test(name))).to.deep.equal([]);
    expect(range!.status).to.equal(206);
    expect(range!.headers['content-range']).to.equal(`bytes ${SLICE - 10}-${SLICE + 9}/${content.length}`);
    expect(range!.body.equals(content.subarray(SLICE - 10, SLICE + 10))).to.equal(true);
    expect(suffix!.body.equals(content.subarray(-5))).to.equal(true);
    expect([head!.status, head!.headers['content-length'], head!.body.length]).to.deep.equal([200, String(content.length), 0]);
    expect(notModified!.status).to.equal(304);
    expect(notModified!.headers['content-disposition']).to.equal(undefined);
  });

  it('fetches only the slice a range falls in, and the rest when the whole object is asked for', async function () {
    const content = await object('video.bin', 3 * SLICE);
    let range;
    expect(await s3Sees('video.bin', async () => (range = await get('video.bin', { Range: `bytes=${SLICE + 5}-${SLICE + 9}` })))).to.deep.equal([`GET bytes=${SLICE}-${2 * SLICE - 1}`]);
    expect(range!.body.equals(content.subarray(SLICE + 5, SLICE + 10))).to.equal(true);
    let whole;
    expect(await s3Sees('video.bin', async () => (whole = await get('video.bin')))).to.deep.equal([`GET bytes=0-${SLICE - 1}`, `GET bytes=${2 * SLICE}-${3 * SLICE - 1}`]);
    expect(whole!.body.equals(content)).to.equal(true);
  });

  it('answers a first HEAD with S3\'s HEAD, and keeps nothing of it: the next GET has the bytes', async function () {
    const content = await object('head-first.bin', 1000);
    let head;
    expect(await s3Sees('head-first.bin', async () => (head = await get('head-first.bin', {}, 'HEAD')))).to.deep.equal([`HEAD bytes=0-${SLICE - 1}`]);
    expect([head!.status, head!.headers['content-length']]).to.deep.equal([200, String(content.length)]);
    const body = await get('head-first.bin');
    expect(body.body.equals(content)).to.equal(true);
  });

  it('keeps a deleted or overwritten object until its validity ends, and forgets it when the cache folder is emptied', async function () {
    const gone = await object('gone.txt', 100);
    const old = await object('overwritten.txt', 100);
    await get('gone.txt');
    await get('overwritten.txt');
    await s3.storage.delete('gone.txt');
    await s3.storage.save('overwritten.txt', randomBytes(100));
    expect((await get('gone.txt')).body.equals(gone)).to.equal(true);
    expect((await get('overwritten.txt')).body.equals(old)).to.equal(true);
    // The purge docs/s3.md gives: nginx takes a missing file for a miss.
    for (const entry of await readdir(join(cacheDir, 'objects'))) await rm(join(cacheDir, 'objects', entry), { recursive: true });
    expect((await get('gone.txt')).status).to.equal(404);
    expect((await get('overwritten.txt')).body.equals(old)).to.equal(false);
  });

  it('gives a cached object to any hand-off that names it, signed or not: the app is the only gate', async function () {
    const content = await object('shared.txt', 100);
    await get('shared.txt');
    const forged = await exchange(port, `/forged?to=${encodeURIComponent(`${INTERNAL}${s3.embedded.bucket}/shared.txt`)}`);
    expect(forged.status).to.equal(200);
    expect(forged.body.equals(content)).to.equal(true);
    const uncached = await exchange(port, `/forged?to=${encodeURIComponent(`${INTERNAL}${s3.embedded.bucket}/report-never-fetched.txt`)}`);
    expect(uncached.status).to.equal(502);
  });

  it('cuts a download that outlives the presigned request: each slice is fetched with it as the client reads', async function () {
    // Beyond what the sockets between nginx and the paused client hold: nginx must fetch slices after the pause.
    const size = 16 * 1024 * 1024;
    await object('slow.bin', size);
    const received = await new Promise<number>((resolve) => {
      request(`http://127.0.0.1:${port}/short/slow.bin`, (res) => {
        let bytes = 0;
        res.once('data', () => {
          res.pause();
          setTimeout(() => res.resume(), (SHORT_EXPIRY + 2) * 1000);
        });
        res.on('data', (chunk: Buffer) => (bytes += chunk.length));
        res.on('end', () => resolve(bytes)).on('error', () => resolve(bytes)).on('aborted', () => resolve(bytes));
      }).end();
    });
    expect(received).to.be.above(0).and.below(size);
    expect(proxy!.logs.errors().filter((line) => /missing slice response/.test(line))).to.have.length(1);
  });

  it('sends a cached object, whole and in ranges, with S3 stopped; what it never fetched answers 502', async function () {
    const content = await object('kept.bin', 2 * SLICE);
    await get('kept.bin');
    await object('never-fetched.bin', 10);
    await s3.stop();
    s3 = { ...s3, stop: async () => {} };
    const whole = await get('kept.bin');
    expect(whole.status).to.equal(200);
    expect(whole.body.equals(content)).to.equal(true);
    const range = await get('kept.bin', { Range: `bytes=${SLICE - 1}-${SLICE}` });
    expect(range.status).to.equal(206);
    expect(range.body.equals(content.subarray(SLICE - 1, SLICE + 1))).to.equal(true);
    const missing = await get('never-fetched.bin');
    expect(missing.status).to.equal(502);
    expect(missing.headers['content-disposition']).to.equal(undefined);
    expect(proxy!.logs.errors().filter((line) => !/connect\(\) failed|missing slice response/.test(line))).to.deep.equal([]);
  });
});
