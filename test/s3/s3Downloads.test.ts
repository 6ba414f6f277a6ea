import { expect } from 'chai';
import Router from '@koa/router';
import { parse } from 'content-disposition';
import type { Middleware } from 'koa';
import { Agent, get, type IncomingMessage } from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { startEmbeddedS3, type EmbeddedS3 } from '../../demo/s3.js';
import { storageDownload } from '../../src/index.js';
import { S3Storage } from '../../storages/s3.js';
import { encodeName } from '../../storages/names.js';
import { appWith, listen } from '../support/app.js';
import { CountingStorage } from '../support/countingStorage.js';
import { observeCommands } from './observeCommands.js';

// Larger than every buffer between s3rver and a paused client, so that a download can be caught mid-way.
const BIG = Buffer.alloc(16 * 1024 * 1024, 'S3');

function routed(...middleware: Middleware<any, any>[]) {
  const router = new Router();
  router.get('/s3/*path', ...(middleware as [never]));
  return appWith(router.routes());
}

/** Starts a download, reads its first chunk (within 5 s), and hands back the response. */
function firstChunk(url: string): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    get(url, { signal: AbortSignal.timeout(5000) }, (res) => res.once('data', () => (res.pause(), resolve(res)))).on('error', reject);
  });
}

/** How a started response ends: 'complete' with every byte, or 'aborted'. */
function outcome(res: IncomingMessage): Promise<{ end: 'complete' | 'aborted' }> {
  return new Promise((resolve) => {
    res.once('end', () => resolve({ end: res.complete ? 'complete' : 'aborted' }));
    res.once('error', () => resolve({ end: 'aborted' }));
    res.resume();
  });
}

describe('Download routes through S3 (s3rver)', function () {
  let directory: string;
  let s3: EmbeddedS3;

  before(async function () {
    // Our own folder, so that the server can be stopped and started again on the same data.
    directory = await mkdtemp(join(tmpdir(), 'kdv-s3-downloads-'));
    s3 = await startEmbeddedS3({ directory });
    await s3.storage.save('hello.txt', 'Hello S3!\n');
    await s3.storage.save('big.bin', BIG);
  });
  after(async function () {
    await s3.stop();
    await rm(directory, { recursive: true, force: true });
  });

  it('asks S3 once for a plain GET (GetObject), HeadObject for HEAD, and only the asked bytes for a Range', async function () {
    const sent = observeCommands(s3.storage.client);
    const app = appWith(storageDownload({ storage: s3.storage, name: 'hello.txt' }));
    expect((await request(app.callback()).get('/')).text).to.equal('Hello S3!\n');
    expect(sent.splice(0)).to.deep.equal(['GetObjectCommand']);
    expect((await request(app.callback()).head('/')).status).to.equal(200);
    expect(sent.splice(0)).to.deep.equal(['HeadObjectCommand']);
    expect((await request(app.callback()).get('/').set('Range', 'bytes=0-4')).text).to.equal('Hello');
    expect(sent.splice(0)).to.deep.equal(['HeadObjectCommand', 'GetObjectCommand']);
  });

  it('serves keys with Unicode, spaces, +, %, #, ? and nested folders', async function () {
    const names = ['héllo wörld.txt', 'a+b=c.txt', '100% sure.txt', 'hash#tag.txt', 'why?.txt', '日本語/資料 1.txt', 'mixed/a %+#?&=;.txt'];
    for (const name of names) await s3.storage.save(name, `content of ${name}`);
    const app = routed(storageDownload({ storage: s3.storage }));
    for (const name of names) {
      const res = await request(app.callback()).get(`/s3/${encodeName(name)}`);
      expect(res.status, name).to.equal(200);
      expect(res.text, name).to.equal(`content of ${name}`);
      expect(parse(res.headers['content-disposition']!).parameters['filename'], name).to.equal(name.split('/').pop());
    }
  });

  it('answers a Range with 206, asking S3 for those bytes only', async function () {
    const storage = new CountingStorage(s3.storage);
    const res = await request(routed(storageDownload({ storage })).callback()).get('/s3/hello.txt').set('Range', 'bytes=6-7');
    expect(res.status).to.equal(206);
    expect(res.headers['content-range']).to.equal('bytes 6-7/10');
    expect(res.text).to.equal('S3');
    expect(storage.opens).to.deep.equal([{ name: 'hello.txt', range: { start: 6, end: 7 } }]);
    expect((storage.streams[0] as IncomingMessage).headers['content-length']).to.equal('2');
  });

  it("answers 304 to If-None-Match with S3's ETag, opening nothing", async function () {
    const storage = new CountingStorage(s3.storage);
    const app = routed(storageDownload({ storage }));
    const first = await request(app.callback()).get('/s3/hello.txt');
    expect(first.headers['etag']).to.equal((await s3.storage.stat('hello.txt')).etag);
    const again = await request(app.callback()).get('/s3/hello.txt').set('If-None-Match', first.headers['etag']!);
    expect(again.status).to.equal(304);
    expect(storage.opens).to.have.length(1);
  });

  it('answers HEAD with the length and type, opening nothing', async function () {
    const storage = new CountingStorage(s3.storage);
    const res = await request(routed(storageDownload({ storage })).callback()).head('/s3/big.bin');
    expect(res.status).to.equal(200);
    expect(res.headers['content-length']).to.equal(String(BIG.length));
    expect(storage.stats).to.deep.equal(['big.bin']);
    expect(storage.opens).to.deep.equal([]);
  });

  it('answers 404 to a missing key, and 502 with no detail when S3 refuses', async function () {
    const missing = await request(routed(storageDownload({ storage: s3.storage })).callback()).get('/s3/no/such/key.txt');
    expect(missing.status).to.equal(404);
    const refused = new S3Storage({ bucket: s3.bucket, clientConfig: { ...s3.clientConfig, credentials: { accessKeyId: 'WRONG', secretAccessKey: 'WRONG' } } });
    const app = routed(storageDownload({ storage: refused }));
    const res = await request(app.callback()).get('/s3/hello.txt');
    expect(res.status).to.equal(502);
    expect(res.text).to.equal('Bad Gateway');
    expect(app.errors.map((e) => e.name)).to.deep.equal(['StorageError']);
  });

  it('aborts the response when S3 stops mid-download, and serves again once S3 is back', async function () {
    const server = await listen(routed(storageDownload({ storage: s3.storage })));
    try {
      const started = await firstChunk(`${server.url}/s3/big.bin`);
      await s3.stop();
      expect(await outcome(started)).to.deep.equal({ end: 'aborted' });
      s3 = await startEmbeddedS3({ directory, port: s3.port });
      const res = await fetch(`${server.url}/s3/big.bin`);
      expect(res.status).to.equal(200);
      expect(Buffer.from(await res.arrayBuffer()).equals(BIG)).to.equal(true);
    } finally {
      await server.close();
    }
  });

  /**
   * Runs `misuse` against a route whose S3 client has only `maxSockets`
   * sockets, then downloads the whole object: a socket leaked by `misuse`
   * would leave that download queued behind the pool until its timeout.
   */
  async function expectSocketsFreed(maxSockets: number, misuse: (url: string) => Promise<void>): Promise<void> {
    const storage = new S3Storage({
      bucket: s3.bucket,
      clientConfig: { ...s3.clientConfig, requestHandler: { httpAgent: new Agent({ keepAlive: true, maxSockets }) } },
    });
    const server = await listen(routed(storageDownload({ storage })));
    try {
      await misuse(`${server.url}/s3/big.bin`);
      const res = await fetch(`${server.url}/s3/big.bin`, { signal: AbortSignal.timeout(5000) });
      expect(Buffer.from(await res.arrayBuffer()).equals(BIG)).to.equal(true);
    } finally {
      await server.close();
    }
  }

  it('frees the S3 socket a plain GET opened when no body follows: 30 answers 412, then a whole download, with 2 sockets', async function () {
    await expectSocketsFreed(2, async (url) => {
      for (let i = 0; i < 30; i++) {
        // If-Match leaves the GET plain: the object is opened by its stat, then refused.
        const refused = await fetch(url, { headers: { 'If-Match': '"nope"' }, signal: AbortSignal.timeout(5000) });
        expect(refused.status).to.equal(412);
      }
    });
  });

  it('frees the S3 socket of each aborted download: 60 in a row, then a whole one, with 5 sockets', async function () {
    await expectSocketsFreed(5, async (url) => {
      for (let i = 0; i < 60; i++) (await firstChunk(url)).destroy();
    });
  });
});
