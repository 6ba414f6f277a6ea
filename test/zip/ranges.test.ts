/**
 * Issue 16, resume: a stored archive whose files are named by strong ETags
 * (or given CRCs) is reproducible, so Range and If-Range work as for a file:
 * any range is exactly that slice of the whole archive, and opens only the
 * sources it needs, at the offsets it needs. curl -C - and aria2c -x 8
 * assemble archives that every extractor accepts.
 */
import { expect } from 'chai';
import Router from '@koa/router';
import fc from 'fast-check';
import type Koa from 'koa';
import { spawn, execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Readable, Transform, pipeline } from 'node:stream';
import { promisify } from 'node:util';
import request from 'supertest';
import { MemoryStorage, StorageFile, VirtualFile } from '../../src/index.js';
import { crc32, MemoryCrcCache } from '../../src/zip/crc32.js';
import type { ZipEntry } from '../../src/zip/plan.js';
import { ZipArchive } from '../../src/zip/zipArchive.js';
import { zipDownload } from '../../src/zip/zipDownload.js';
import { appWith, listen } from '../support/app.js';
import { CountingStorage } from '../support/countingStorage.js';
import { readAll } from '../support/streams.js';
import { failInCiSkipElsewhere, missingCommands } from '../support/requireProxy.js';
import { checkArchive, requireExtractors, sha256 } from './extractors.js';

const TIME = new Date('2023-03-04T05:06:08Z');

/** Bytes that repeat nowhere: each file's can be found in the archive. */
function bytes(length: number, seed: number): Buffer {
  let state = seed * 2654435761;
  return Buffer.from(Array.from({ length }, () => ((state = (Math.imul(state, 1103515245) + 12345) >>> 0) >>> 24)));
}

describe('zipDownload: ranges and resume', function () {
  this.timeout(60_000);

  it('predicts the exact size of any stored archive, and serves any range as that slice of the whole', async function () {
    const memory = new MemoryStorage();
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ size: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 3000 })), kind: fc.constantFrom('storage', 'crc', 'folder'), name: fc.string({ maxLength: 12 }) }), { maxLength: 8 }),
        fc.array(fc.tuple(fc.nat(), fc.nat()), { minLength: 1, maxLength: 4 }),
        async (shapes, picks) => {
          const entries: ZipEntry[] = [];
          for (const [index, shape] of shapes.entries()) {
            const content = bytes(shape.size, index);
            if (shape.kind === 'folder') entries.push({ name: shape.name });
            else if (shape.kind === 'crc') entries.push({ name: shape.name, file: new VirtualFile({ name: 'v', content, modifiedTime: TIME }), crc32: crc32(content) });
            else entries.push({ name: shape.name, file: new StorageFile(memory, (await memory.save(`p${index}-${shape.size}`, content))) });
          }
          const archive = new ZipArchive(entries, { crcCache: false });
          const { size } = await archive.stat();
          expect(archive.acceptsRanges).to.equal(true);
          const whole = await readAll(await archive.open());
          expect(whole.length).to.equal(size);
          for (const [a, b] of picks) {
            const start = a % size!;
            const end = start + (b % (size! - start));
            const part = await readAll(await new ZipArchive(entries, { crcCache: false }).open({ start, end }));
            expect(part.equals(whole.subarray(start, end + 1)), `${start}-${end} of ${size}`).to.equal(true);
          }
        },
      ),
      { numRuns: 40 },
    );
  });

  describe('over HTTP', function () {
    let storage: CountingStorage;
    let app: ReturnType<typeof appWith>;
    const contents = [bytes(100_000, 1), bytes(50_000, 2), bytes(70_000, 3)];

    beforeEach(async function () {
      storage = new CountingStorage(new MemoryStorage());
      for (const [index, content] of contents.entries()) await storage.save(`f${index}.bin`, content);
      const router = new Router();
      const entries = () => contents.map((_, index) => ({ name: `dir/f${index}.bin`, file: new StorageFile(storage, `f${index}.bin`) }));
      router.get('/warm.zip', zipDownload(entries, { crcCache: new MemoryCrcCache() }));
      router.get('/cold.zip', zipDownload(entries, { crcCache: false }));
      router.get('/virtual.zip', zipDownload(() => [{ name: 'v.txt', file: new VirtualFile({ name: 'v', content: 'virtual', modifiedTime: TIME }) }]));
      app = appWith(router.routes());
    });

    it('answers Range and If-Range like a file: 206 with Content-Range, 200 for a stale validator, 416, multipart', async function () {
      const whole = await raw(request(app.callback()).get('/cold.zip'));
      const body = whole.body as Buffer;
      const etag = whole.headers['etag']!;
      expect(etag).to.match(/^"zip-/);
      expect(whole.headers['accept-ranges']).to.equal('bytes');
      const tail = await raw(request(app.callback()).get('/cold.zip').set('Range', 'bytes=150000-').set('If-Range', etag));
      expect(tail.status).to.equal(206);
      expect(tail.headers['content-range']).to.equal(`bytes 150000-${body.length - 1}/${body.length}`);
      expect((tail.body as Buffer).equals(body.subarray(150000))).to.equal(true);
      const stale = await raw(request(app.callback()).get('/cold.zip').set('Range', 'bytes=150000-').set('If-Range', '"zip-other"'));
      expect(stale.status).to.equal(200);
      expect((stale.body as Buffer).equals(body)).to.equal(true);
      expect((await request(app.callback()).get('/cold.zip').set('Range', `bytes=${body.length}-`)).status).to.equal(416);
      const multi = await raw(request(app.callback()).get('/cold.zip').set('Range', 'bytes=0-9,120000-120009'));
      expect(multi.status).to.equal(206);
      expect(multi.headers['content-type']).to.match(/^multipart\/byteranges/);
      expect((multi.body as Buffer).includes(body.subarray(120000, 120010))).to.equal(true);
    });

    it('opens only the sources a range needs, at the offsets it needs, once the CRCs are known', async function () {
      const whole = (await raw(request(app.callback()).get('/warm.zip'))).body as Buffer;
      storage.opens.length = 0;
      // A range inside the second file's data, ending before its descriptor: one open, of that part only.
      const second = whole.indexOf(contents[1]!.subarray(0, 64));
      const part = await raw(request(app.callback()).get('/warm.zip').set('Range', `bytes=${second + 10}-${second + 1009}`));
      expect((part.body as Buffer).equals(contents[1]!.subarray(10, 1010))).to.equal(true);
      expect(storage.opens).to.deep.equal([{ name: 'f1.bin', range: { start: 10, end: 1009 } }]);
      storage.opens.length = 0;
      // Resuming from the middle of the second file: its rest, then the third whole; the first is not opened.
      const resumed = await raw(request(app.callback()).get('/warm.zip').set('Range', `bytes=${second + 20000}-`));
      expect((resumed.body as Buffer).equals(whole.subarray(second + 20000))).to.equal(true);
      expect(storage.opens).to.deep.equal([{ name: 'f1.bin', range: { start: 20000, end: 49999 } }, { name: 'f2.bin', range: undefined }]);
    });

    it('without a CRC cache, reads the files before the range for their CRCs, and still sends only the range', async function () {
      const whole = (await raw(request(app.callback()).get('/cold.zip'))).body as Buffer;
      storage.opens.length = 0;
      const resumed = await raw(request(app.callback()).get('/cold.zip').set('Range', `bytes=${whole.length - 100}-`));
      expect((resumed.body as Buffer).equals(whole.subarray(whole.length - 100))).to.equal(true);
      expect(storage.opens.map((open) => open.name)).to.deep.equal(['f0.bin', 'f1.bin', 'f2.bin']);
    });

    it('an archive it cannot reproduce says so: no Accept-Ranges, a weak ETag, and a Range gets the whole archive', async function () {
      const res = await raw(request(app.callback()).get('/virtual.zip').set('Range', 'bytes=10-'));
      expect(res.status).to.equal(200);
      expect(res.headers['accept-ranges']).to.equal(undefined);
      expect(res.headers['etag']).to.match(/^W\//);
    });

    describe('with real clients', function () {
      let work: string;
      let server: Awaited<ReturnType<typeof listen>>;
      const big = [bytes(1_500_000, 4), bytes(1_000_000, 5), bytes(500_000, 6)];

      before(async function () {
        await requireExtractors(this);
        work = await mkdtemp(join(tmpdir(), 'kdv-zip-resume-'));
        const memory = new MemoryStorage();
        for (const [index, content] of big.entries()) await memory.save(`big${index}.bin`, content);
        const router = new Router();
        router.get('/big.zip', zipDownload(() => big.map((_, index) => ({ name: `ünïcode/big${index}.bin`, file: new StorageFile(memory, `big${index}.bin`) })), { crcCache: false }));
        // Slow, so that curl can be killed mid-archive: 32 KiB every 10 ms.
        const throttled = async (ctx: Koa.Context, next: Koa.Next) => {
          await next();
          if (!(ctx.body instanceof Readable)) return;
          const length = ctx.length;
          ctx.body = pipeline(ctx.body, new Transform({ highWaterMark: 0, transform: (chunk: Buffer, _, done) => void setTimeout(() => done(null, chunk), chunk.length / 3200) }), () => {});
          if (length !== undefined) ctx.length = length;
        };
        server = await listen(appWith(throttled, router.routes()));
      });
      after(async function () {
        await server.close();
        await rm(work, { recursive: true, force: true });
      });

      const expected = () => Object.fromEntries(big.map((content, index) => [`ünïcode/big${index}.bin`, content]));

      it('curl -C - after a kill mid-archive assembles an archive that every extractor accepts', async function () {
        const path = join(work, 'curl.zip');
        // A slow first try, killed once a part of the archive is on disk.
        const first = spawn('curl', ['-s', '-o', path, `${server.url}/big.zip`]);
        for (let tries = 0; tries < 200 && ((await stat(path).catch(() => undefined))?.size ?? 0) < 700_000; tries++) await sleep(25);
        first.kill('SIGKILL');
        await new Promise((resolve) => first.once('close', resolve));
        const partial = (await stat(path)).size;
        expect(partial).to.be.above(0);
        await promisify(execFile)('curl', ['-sf', '-C', '-', '-o', path, `${server.url}/big.zip`]);
        const whole = await readFile(path);
        const reference = Buffer.from(await (await fetch(`${server.url}/big.zip`)).arrayBuffer());
        expect(partial, 'the first try was cut short').to.be.below(reference.length);
        expect(sha256(whole)).to.equal(sha256(reference));
        await checkArchive(path, join(work, 'curl'), expected());
      });

      it('aria2c -x 8 (eight connections, each a range) assembles the same archive', async function () {
        failInCiSkipElsewhere(this, missingCommands({ aria2c: 'aria2' }));
        await promisify(execFile)('aria2c', ['-q', '-x', '8', '-s', '8', '-k', '1M', '--allow-overwrite=true', '-d', work, '-o', 'aria.zip', `${server.url}/big.zip`]);
        const reference = Buffer.from(await (await fetch(`${server.url}/big.zip`)).arrayBuffer());
        expect(sha256(await readFile(join(work, 'aria.zip')))).to.equal(sha256(reference));
        await checkArchive(join(work, 'aria.zip'), join(work, 'aria'), expected());
      });
    });
  });
});

/** The body as bytes, whatever its type. */
function raw(req: request.Test): request.Test {
  return req.buffer(true).parse((res, done) => {
    const chunks: Buffer[] = [];
    res.on('data', (chunk: Buffer) => chunks.push(chunk));
    res.on('end', () => done(null, Buffer.concat(chunks)));
  });
}
