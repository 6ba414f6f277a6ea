/**
 * Issue 6, promise 2: hostile file names never break Content-Disposition nor
 * inject a header, and abusive Range headers never make a response (or the
 * work behind it) grow beyond the file plus a bounded overhead.
 */
import { expect } from 'chai';
import { parse } from 'content-disposition';
import fc from 'fast-check';
import Koa from 'koa';
import { get, type IncomingMessage } from 'node:http';
import request from 'supertest';
import { MemoryStorage, VirtualFile, download, httpDownload, storageDownload, virtualDownload } from '../../src/index.js';
import { MAX_RANGES } from '../../src/ranges.js';
import { appWith, listen } from '../support/app.js';
import { CountingStorage } from '../support/countingStorage.js';

const HOSTILE_BASENAMES = [
  'report\r\nSet-Cookie: session=stolen.pdf',
  'a\nX-Injected: 1.txt',
  'a\rX-Injected: 1.txt',
  'quote".txt',
  '"; filename="evil.exe',
  'semi;colon; filename=evil.exe',
  'back\\slash\\..\\..\\evil.txt',
  '../../../etc/passwd',
  '.bashrc',
  '..',
  'invoice\u202Efdp.exe',
  'zero\u200Bwidth\u2066isolate\u2069.txt',
  '\uFEFFbom.txt',
  'nul\u0000byte.txt',
  'tab\tand\u007fdel.txt',
  '%0d%0aX-Injected:%201.txt',
  `${'long'.repeat(1000)}.pdf`,
  `${'é'.repeat(2000)}.txt`,
  'lone\ud800surrogate.txt',
  '   ',
  '',
];

/** The name a browser saves: the parser gives filename* (RFC 6266) decoded as filename when present. */
function savedName(header: string): string {
  return parse(header).parameters['filename'] ?? '';
}

/** A name that saves as one harmless file: no folder, no hidden file, nothing invisible or reordering, not too long. */
function assertSafeName(name: string, context: string): void {
  expect(name, context).to.not.equal('');
  expect(name.isWellFormed(), context).to.equal(true);
  expect(/[\u0000-\u001f\u007f-\u009f/\\\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]/.test(name), `${context}: ${JSON.stringify(name)}`).to.equal(false);
  expect(name.startsWith('.'), `${context}: ${JSON.stringify(name)}`).to.equal(false);
  expect(Buffer.byteLength(name), context).to.be.at.most(255 * 3);
  expect([...name].length, context).to.be.at.most(255);
}

function rawGet(url: string): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => get(url, (res) => (res.resume(), resolve(res))).on('error', reject));
}

describe('Hardening: headers', function () {
  describe('Content-Disposition', function () {
    const fromOption = appWith(virtualDownload(() => new VirtualFile({ name: 'x.txt', content: 'x' }), { basename: (ctx) => String(ctx.query['n']) }));
    const fromFileName = appWith(virtualDownload((ctx) => new VirtualFile({ name: String(ctx.query['n']), content: 'x' })));

    it('is valid and names a safe file for every hostile basename, given as the option or as the file name', async function () {
      for (const app of [fromOption, fromFileName]) {
        for (const n of HOSTILE_BASENAMES) {
          const res = await request(app.callback()).get('/').query({ n });
          expect(res.status, JSON.stringify(n)).to.equal(200);
          const header = res.headers['content-disposition']!;
          expect(header, JSON.stringify(n)).to.match(/^attachment; filename=/);
          expect(/^[\x20-\x7e]+$/.test(header), header).to.equal(true);
          assertSafeName(savedName(header), JSON.stringify(n));
        }
      }
    });

    it('keeps an ordinary Unicode name exactly as it was (safety does not cost good names)', async function () {
      for (const n of ['résumé 2024.pdf', '日本語の資料.xlsx', 'a b (1) [final] {x} +&=@!.txt', 'Ünïcödé—dash’s.txt']) {
        const res = await request(fromOption.callback()).get('/').query({ n });
        expect(savedName(res.headers['content-disposition']!)).to.equal(n);
      }
    });

    it('is valid and safe for any string at all (property)', async function () {
      this.timeout(30_000);
      const hostile = fc.string({ unit: fc.oneof(fc.constantFrom('\r', '\n', '"', ';', '\\', '/', '.', '%', '\u202e', '\u200f', '\u0000', ' ', '=', '*', "'"), fc.string({ unit: 'binary', minLength: 1, maxLength: 1 })), maxLength: 300 });
      await fc.assert(
        fc.asyncProperty(hostile, async (n) => {
          const res = await request(fromOption.callback()).get('/').query({ n });
          expect(res.status).to.equal(200);
          assertSafeName(savedName(res.headers['content-disposition']!), JSON.stringify(n));
        }),
        { numRuns: 300 },
      );
    });

    it('shortens a long name between characters, never inside an emoji: no 500', async function () {
      const n = `Quarterly report ${'x'.repeat(177)} 📊 final.pdf`;
      const res = await request(fromOption.callback()).get('/').query({ n });
      expect(res.status).to.equal(200);
      const saved = savedName(res.headers['content-disposition']!);
      assertSafeName(saved, n);
      expect(saved).to.match(/^Quarterly report x+ .*\.pdf$/);
    });

    it('shortens any long name with astral characters to a valid, safe name (property)', async function () {
      this.timeout(30_000);
      const astral = fc.constantFrom('📊', '𝒳', '😀', '🏳️‍🌈', '𠀀', 'é', 'x', ' ', '.');
      const long = fc.tuple(fc.string({ unit: fc.oneof(astral, fc.string({ unit: 'binary', minLength: 1, maxLength: 1 })), minLength: 90, maxLength: 260 }), fc.constantFrom('', '.pdf', '.📊', '.tar.gz'));
      await fc.assert(
        fc.asyncProperty(long, async ([stem, extension]) => {
          const res = await request(fromOption.callback()).get('/').query({ n: stem + extension });
          expect(res.status).to.equal(200);
          assertSafeName(savedName(res.headers['content-disposition']!), JSON.stringify(stem + extension));
        }),
        { numRuns: 200 },
      );
    });
  });

  describe('header injection', function () {
    it('never adds a header, whether the name comes from the basename option, a VirtualFile, or an upstream URL', async function () {
      const upstream = await listen(appWith((ctx) => void (ctx.body = 'upstream bytes')));
      const app = appWith(async (ctx, next) => {
        const n = String(ctx.query['n']);
        if (ctx.path === '/option') return download(() => new VirtualFile({ name: 'x.txt', content: 'x' }), { basename: n })(ctx, next);
        if (ctx.path === '/virtual') return download(() => new VirtualFile({ name: n, content: 'x' }))(ctx, next);
        return httpDownload({ url: `${upstream.url}/${encodeURIComponent(n)}` })(ctx, next);
      });
      const server = await listen(app);
      try {
        for (const route of ['/option', '/virtual', '/upstream']) {
          for (const n of HOSTILE_BASENAMES.slice(0, 3)) {
            const res = await rawGet(`${server.url}${route}?n=${encodeURIComponent(n)}`);
            const names = res.rawHeaders.filter((_, index) => index % 2 === 0).map((name) => name.toLowerCase());
            expect(res.statusCode, `${route} ${JSON.stringify(n)}`).to.equal(200);
            expect(names, `${route} ${JSON.stringify(n)}`).to.not.include.members(['set-cookie', 'x-injected']);
            expect(names.filter((name) => name === 'content-disposition'), route).to.have.length(1);
          }
        }
      } finally {
        await server.close();
        await upstream.close();
      }
    });

    it('refuses a storage name with CR/LF with 400, before any I/O', async function () {
      const storage = new CountingStorage(new MemoryStorage());
      const app = appWith(storageDownload({ storage, name: (ctx) => String(ctx.query['n']) }));
      const res = await request(app.callback()).get('/').query({ n: 'a\r\nX-Injected: 1' });
      expect(res.status).to.equal(400);
      expect(res.headers['x-injected']).to.equal(undefined);
      expect(storage.stats).to.deep.equal([]);
    });
  });

  describe('Range abuse', function () {
    const SIZE = 1024 * 1024;
    // One multipart part costs its boundary line and two part headers: well under 200 bytes.
    const BOUND = SIZE + MAX_RANGES * 200;
    const content = Buffer.alloc(SIZE, 'r');
    let storage: CountingStorage;
    let app: Koa;

    beforeEach(async function () {
      const memory = new MemoryStorage();
      await memory.save('file.bin', content);
      storage = new CountingStorage(memory);
      app = appWith(storageDownload({ storage, name: 'file.bin' }));
    });

    /** Sends the Range, and checks the answer is bounded and as long as it says. */
    async function ranged(range: string): Promise<request.Response> {
      const started = Date.now();
      const res = await request(app.callback()).get('/').set('Range', range).buffer(true).parse((stream, callback) => {
        const chunks: Buffer[] = [];
        stream.on('data', (chunk: Buffer) => chunks.push(chunk));
        stream.on('end', () => callback(null, Buffer.concat(chunks)));
      });
      const body = res.body as Buffer;
      expect([200, 206, 416], range.slice(0, 80)).to.include(res.status);
      expect(body.length, range.slice(0, 80)).to.be.at.most(BOUND);
      if (res.status !== 416) expect(Number(res.headers['content-length'])).to.equal(body.length);
      expect(storage.opens.length, range.slice(0, 80)).to.be.at.most(MAX_RANGES);
      expect(Date.now() - started, range.slice(0, 80)).to.be.below(5000);
      storage.opens.length = 0;
      return res;
    }

    it('answers thousands of distinct ranges with the whole file once, not thousands of parts', async function () {
      const ranges: string[] = [];
      // As many as fit under Node's 16 KiB header limit.
      for (let offset = 0; ranges.join(',').length < 12_000; offset += 2) ranges.push(`${offset}-${offset}`);
      expect(ranges.length).to.be.above(1000);
      const res = await ranged(`bytes=${ranges.join(',')}`);
      expect(res.status).to.equal(200);
      expect((res.body as Buffer).equals(content)).to.equal(true);
    });

    it('coalesces thousands of overlapping ranges into one part', async function () {
      const overlapping = Array.from({ length: 1500 }, (_, index) => `${index}-`).join(',');
      const res = await ranged(`bytes=${overlapping}`);
      expect(res.status).to.equal(206);
      expect(res.headers['content-range']).to.equal(`bytes 0-${SIZE - 1}/${SIZE}`);
      const same = await ranged(`bytes=${Array(3000).fill('0-0').join(',')}`);
      expect(same.status).to.equal(206);
      expect((same.body as Buffer).length).to.equal(1);
    });

    it('serves at most MAX_RANGES parts, each opened once, within the bound', async function () {
      const most = Array.from({ length: MAX_RANGES }, (_, index) => `${index * 1000}-${index * 1000 + 499}`).join(',');
      const res = await ranged(`bytes=${most}`);
      expect(res.status).to.equal(206);
      expect(res.headers['content-type']).to.match(/^multipart\/byteranges/);
      const oneMore = await ranged(`bytes=${most},${MAX_RANGES * 1000}-${MAX_RANGES * 1000 + 1}`);
      expect(oneMore.status).to.equal(200);
    });

    it('clamps or refuses huge and malformed numbers, never reading past the file', async function () {
      const cases: [string, number][] = [
        ['bytes=0-99999999999999999999999999', 206],
        ['bytes=-99999999999999999999999999', 206],
        [`bytes=-${SIZE * 2}`, 206],
        ['bytes=99999999999999999999999999-', 416],
        [`bytes=${SIZE}-`, 416],
        ['bytes=1e3-2e3', 200],
        ['bytes=-0', 416],
        ['bytes=5-1', 416],
        ['bytes=--1', 200],
        ['bytes=0x10-0x20', 200],
        ['items=0-10', 200],
        [`bytes=${'9'.repeat(5000)}-`, 416],
      ];
      for (const [range, status] of cases) expect((await ranged(range)).status, range.slice(0, 40)).to.equal(status);
    });

    it('stays bounded for any Range header at all (property)', async function () {
      this.timeout(30_000);
      const number = fc.oneof(fc.nat({ max: SIZE + 10 }), fc.constantFrom('', '-', '99999999999999999999', '1e9', '0x1', ' '));
      const spec = fc.tuple(number, fc.constantFrom('-', '--', ''), number).map(([start, dash, end]) => `${start}${dash}${end}`);
      const header = fc.array(spec, { minLength: 1, maxLength: 40 }).map((specs) => `bytes=${specs.join(',')}`);
      await fc.assert(fc.asyncProperty(header, async (range) => void (await ranged(range))), { numRuns: 150 });
    });
  });
});

