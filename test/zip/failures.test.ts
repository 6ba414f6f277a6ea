/**
 * Issue 16, failures: a source that fails mid-archive ends the response as
 * an error — fewer bytes than Content-Length, or a chunked body without its
 * last chunk — never as a short archive that looks complete; and 1,000
 * clients leaving at random points leave no stream, descriptor or heap behind.
 */
import { expect } from 'chai';
import Router from '@koa/router';
import { mkdtemp, rm, unlink, writeFile } from 'node:fs/promises';
import { createServer, request as httpRequest, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { FileSystemStorage, HTTPFile, StorageFile, VirtualFile } from '../../src/index.js';
import type { ByteRange } from '../../storages/storage.js';
import { zipDownload } from '../../src/zip/zipDownload.js';
import { MemoryCrcCache } from '../../src/zip/crc32.js';
import { appWith, listen } from '../support/app.js';
import { CountingStorage } from '../support/countingStorage.js';
import { settles } from '../support/settles.js';
import { openFdCount } from '../support/streams.js';
import { collectGarbage } from '../hardening/figures.js';
import { requireExtractors, testArchive } from './extractors.js';

interface Outcome {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
  /** 'complete': the body ended as HTTP framing says; 'aborted': the connection was cut before. */
  end: 'complete' | 'aborted';
}

/** A plain HTTP/1.1 client that tells a complete body from a cut one. */
function download(url: string, headers: Record<string, string> = {}, abortAfter = Infinity): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { agent: false, headers }, (res) => {
      const chunks: Buffer[] = [];
      let received = 0;
      const done = (end: Outcome['end']) => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks), end });
      res.on('data', (chunk: Buffer) => {
        chunks.push(chunk);
        received += chunk.length;
        if (received >= abortAfter) (req.destroy(), done('aborted'));
      });
      res.on('end', () => done(res.complete ? 'complete' : 'aborted'));
      res.on('error', () => done('aborted'));
      res.on('close', () => done(res.complete ? 'complete' : 'aborted'));
    });
    req.on('error', (error: NodeJS.ErrnoException) => (error.code === 'ECONNRESET' ? resolve({ status: 0, headers: {}, body: Buffer.alloc(0), end: 'aborted' }) : reject(error)));
    req.end();
  });
}

describe('zipDownload: failures and aborts', function () {
  this.timeout(60_000);
  let folder: string;
  let storage: CountingStorage;
  let router: Router;
  let app: ReturnType<typeof appWith>;
  let server: Awaited<ReturnType<typeof listen>>;
  const SIZE = 128 * 1024;
  const NAMES = ['one.bin', 'two.bin', 'three.bin', 'four.bin'];

  before(async function () {
    await requireExtractors(this, ['unzip']);
  });
  beforeEach(async function () {
    folder = await mkdtemp(join(tmpdir(), 'kdv-zip-fail-'));
    for (const [index, name] of NAMES.entries()) await writeFile(join(folder, name), Buffer.alloc(SIZE, index + 1));
    storage = new CountingStorage(new FileSystemStorage({ location: folder }));
    router = new Router();
    app = appWith(router.routes());
    server = await listen(app);
  });
  afterEach(async function () {
    await server.close();
    await rm(folder, { recursive: true, force: true });
  });

  const entries = (compress = false) => () => NAMES.map((name) => ({ name, file: new StorageFile(storage, name), compress }));

  /** The received bytes, saved, are not an archive any extractor accepts. */
  async function notAnArchive(body: Buffer): Promise<void> {
    const path = join(folder, 'partial.zip');
    await writeFile(path, body);
    const accepted = await testArchive('unzip', path).then(() => true, () => false);
    expect(accepted, 'unzip -t accepts the partial archive').to.equal(false);
  }

  it('opens the sources one at a time, in order, each closed before the next opens', async function () {
    const stillOpen: number[] = [];
    const watching = new (class extends CountingStorage {
      override open(name: string, range?: ByteRange): Promise<Readable> {
        stillOpen.push(this.streams.filter((stream) => !stream.destroyed).length);
        return super.open(name, range);
      }
    })(new FileSystemStorage({ location: folder }));
    router.get('/watched.zip', zipDownload(() => NAMES.map((name) => ({ name, file: new StorageFile(watching, name) }))));
    expect((await download(`${server.url}/watched.zip`)).end).to.equal('complete');
    expect(watching.opens.map((open) => open.name)).to.deep.equal(NAMES);
    expect(stillOpen).to.deep.equal([0, 0, 0, 0]);
    expect(await settles(() => watching.streams.every((stream) => stream.destroyed))).to.equal(true);
  });

  it("a file deleted after stat: the response is cut short of its Content-Length, and the error is the server's, which Koa prints", async function () {
    const deleting = new (class extends CountingStorage {
      override async open(name: string, range?: ByteRange): Promise<Readable> {
        if (name === 'three.bin') await unlink(join(folder, name));
        return super.open(name, range);
      }
    })(new FileSystemStorage({ location: folder }));
    router.get('/deleted.zip', zipDownload(() => NAMES.map((name) => ({ name, file: new StorageFile(deleting, name) }))));
    const outcome = await download(`${server.url}/deleted.zip`);
    expect(outcome.status).to.equal(200);
    expect(outcome.end).to.equal('aborted');
    expect(outcome.body.length).to.be.above(2 * SIZE).and.below(Number(outcome.headers['content-length']));
    await notAnArchive(outcome.body);
    // Not the storage's FileNotFoundError itself: a 404 meant for the client, which Koa's printer leaves out.
    const failure = app.errors.find((error) => error.name === 'ZipEntryError') as (Error & { status?: number; expose?: boolean }) | undefined;
    expect(failure?.message).to.match(/^Zip entry "three\.bin" could not be opened: /);
    expect((failure?.cause as Error | undefined)?.name).to.equal('FileNotFoundError');
    expect([failure?.status, failure?.expose]).to.deep.equal([undefined, undefined]);
    expect(await settles(() => deleting.streams.every((stream) => stream.destroyed))).to.equal(true);
  });

  it('a compressed (chunked) archive whose source fails: the chunked body never gets its last chunk', async function () {
    let cut = false;
    const failing = new VirtualFile({
      name: 'x',
      stream: () => (async function* () {
        yield Buffer.alloc(SIZE, 1);
        cut = true;
        throw new Error('S3 went away');
      })(),
    });
    router.get('/chunked.zip', zipDownload(() => [{ name: 'a.txt', file: new VirtualFile({ name: 'a', content: 'a'.repeat(SIZE) }), compress: true }, { name: 'b.bin', file: failing, compress: true }]));
    const outcome = await download(`${server.url}/chunked.zip`);
    expect(cut).to.equal(true);
    expect([outcome.status, outcome.headers['transfer-encoding'], outcome.end]).to.deep.equal([200, 'chunked', 'aborted']);
    await notAnArchive(outcome.body);
    expect(app.errors.map((error) => error.message)).to.include('S3 went away');
  });

  describe('an HTTPFile whose upstream dies mid-body', function () {
    let upstream: Server;
    before(async function () {
      upstream = createServer((req, res) => {
        res.writeHead(200, { 'Content-Length': SIZE, 'Last-Modified': new Date(0).toUTCString() });
        if (req.method === 'HEAD') return res.end();
        res.write(Buffer.alloc(SIZE / 2, 7), () => res.destroy());
      });
      await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
    });
    after(() => new Promise((resolve) => upstream.close(resolve)));

    it('cuts the archive response too', async function () {
      const url = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}/big.bin`;
      router.get('/http.zip', zipDownload(() => [{ name: 'one.bin', file: new StorageFile(storage, 'one.bin') }, { name: 'remote.bin', file: new HTTPFile(url) }]));
      const outcome = await download(`${server.url}/http.zip`);
      expect([outcome.status, outcome.end]).to.deep.equal([200, 'aborted']);
      expect(outcome.body.length).to.be.below(Number(outcome.headers['content-length']));
      await notAnArchive(outcome.body);
    });
  });

  it('a CRC given wrong fails the download rather than sending a corrupt archive', async function () {
    router.get('/lying.zip', zipDownload(() => [{ name: 'one.bin', file: new StorageFile(storage, 'one.bin'), crc32: 1234 }]));
    const outcome = await download(`${server.url}/lying.zip`);
    expect([outcome.status, outcome.end]).to.deep.equal([200, 'aborted']);
    expect(app.errors.map((error) => error.message).join()).to.match(/CRC-32/);
  });

  it('trusts a CRC from the cache, which it computed from this version of the file, and does not hash the bytes again', async function () {
    const planted = 0x12345678;
    router.get('/cached.zip', zipDownload(() => [{ name: 'one.bin', file: new StorageFile(storage, 'one.bin') }], { crcCache: { get: () => planted, set: () => {} } }));
    const outcome = await download(`${server.url}/cached.zip`);
    expect([outcome.status, outcome.end]).to.deep.equal([200, 'complete']);
    // The central directory's record (signature PK\x01\x02) keeps the CRC at offset 16.
    const central = outcome.body.indexOf(Buffer.from('PK\x01\x02', 'latin1'));
    expect(outcome.body.readUInt32LE(central + 16)).to.equal(planted);
  });

  it('1,000 clients leaving at random points leave no stream, descriptor or heap behind', async function () {
    const cache = new MemoryCrcCache();
    router.get('/stored.zip', zipDownload(entries(), { crcCache: cache }));
    router.get('/deflated.zip', zipDownload(entries(true)));
    const whole = await download(`${server.url}/stored.zip`);
    const length = whole.body.length;
    expect(whole.end).to.equal('complete');
    await download(`${server.url}/deflated.zip`);
    collectGarbage();
    const baseline = { fds: await openFdCount(), heap: process.memoryUsage().heapUsed };

    let seed = 42;
    const next = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
    for (let batch = 0; batch < 125; batch++) {
      await Promise.all(Array.from({ length: 8 }, () => {
        const kind = next();
        const at = Math.floor(next() * length);
        if (kind < 0.5) return download(`${server.url}/stored.zip`, {}, at);
        if (kind < 0.8) return download(`${server.url}/stored.zip`, { Range: `bytes=${Math.floor(next() * length)}-` }, at / 2);
        return download(`${server.url}/deflated.zip`, {}, at / 100);
      }));
    }

    expect(await settles(() => storage.streams.every((stream) => stream.destroyed)), `${storage.streams.filter((s) => !s.destroyed).length} streams open`).to.equal(true);
    expect(await settles(async () => (await openFdCount()) <= baseline.fds + 2), `fds ${await openFdCount()} > ${baseline.fds + 2}`).to.equal(true);
    app.errors.length = 0;
    storage.streams.length = 0;
    storage.opens.length = 0;
    collectGarbage();
    expect(process.memoryUsage().heapUsed - baseline.heap).to.be.below(16 * 1024 * 1024);
    // And the next download is whole.
    const after = await download(`${server.url}/stored.zip`);
    expect([after.end, after.body.equals(whole.body)]).to.deep.equal(['complete', true]);
  });
});
