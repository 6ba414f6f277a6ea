import { expect } from 'chai';
import Koa from 'koa';
import { Readable } from 'node:stream';
import { createServer, type Server } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { tmpdir } from 'node:os';
import { HTTPFile, ImproperlyConfiguredError, MemoryStorage, StorageFile, VirtualFile, download, httpDownload, pathDownload, storageDownload, virtualDownload, type DownloadFile, type OpenedFile, type Storage } from '../../src/index.js';
import { appWith, listen } from '../support/app.js';
import { readAll } from '../support/streams.js';

describe('VirtualFile', function () {
  const sources: [string, () => VirtualFile][] = [
    ['a string', () => new VirtualFile({ name: 'a.txt', content: 'héllo' })],
    ['bytes', () => new VirtualFile({ name: 'a.txt', content: Buffer.from('héllo') })],
    ['a Readable factory', () => new VirtualFile({ name: 'a.txt', stream: () => Readable.from([Buffer.from('hé'), Buffer.from('llo')]) })],
    ['an async iterable', () => new VirtualFile({ name: 'a.txt', stream: (async function* () { yield 'hé'; yield Buffer.from('llo'); })() })],
    ['a generator factory', () => new VirtualFile({ name: 'a.txt', stream: function* () { yield 'h'; yield 'éllo'; } })],
  ];
  for (const [kind, make] of sources) {
    it(`serves ${kind}`, async function () {
      expect((await readAll(await make().open())).toString()).to.equal('héllo');
    });
  }

  it('knows its size for content, and only when declared for streams', async function () {
    expect((await new VirtualFile({ name: 'a', content: 'héllo' }).stat()).size).to.equal(6);
    expect((await new VirtualFile({ name: 'a', stream: () => ['x'] }).stat()).size).to.equal(undefined);
    expect((await new VirtualFile({ name: 'a', stream: () => ['x'], size: 1 }).stat()).size).to.equal(1);
  });

  it('serves a range of content and of a generated stream', async function () {
    expect((await readAll(await new VirtualFile({ name: 'a', content: '0123456789' }).open({ start: 3, end: 5 }))).toString()).to.equal('345');
    const generated = new VirtualFile({ name: 'a', size: 10, stream: () => ['012', '3456', '789'] });
    expect((await readAll(await generated.open({ start: 2, end: 7 }))).toString()).to.equal('234567');
  });

  it('needs exactly one of content or stream', function () {
    expect(() => new VirtualFile({ name: 'a' })).to.throw(TypeError, /exactly one/);
    expect(() => new VirtualFile({ name: 'a', content: 'x', stream: () => [] })).to.throw(TypeError, /exactly one/);
  });

  it('refuses a size that is not a whole number of bytes, and a contentType a header cannot carry, with a sentence', function () {
    for (const size of [Number.NaN, -1, 1.5, Infinity, '10' as never]) {
      expect(() => new VirtualFile({ name: 'a', stream: () => [], size }), String(size)).to.throw(ImproperlyConfiguredError, /size is the stream's length in bytes, a whole number from 0 up/);
    }
    expect(() => new VirtualFile({ name: 'a', content: 'x', contentType: 'text/\u0100' })).to.throw(ImproperlyConfiguredError, /contentType must be a header value in printable ASCII, e.g. 'text\/csv'/);
    expect(() => storageDownload({ storage: new MemoryStorage(), charset: 'utf-\u0100' })).to.throw(ImproperlyConfiguredError, /charset option must be a header value .* in printable ASCII/);
    expect(() => storageDownload({ storage: new MemoryStorage(), contentType: 'text/\u0100' })).to.throw(ImproperlyConfiguredError, /contentType option must be a header value/);
  });

  it('serves a one-shot stream whole, without Accept-Ranges, even when its size is known and a range is asked', async function () {
    const oneShot = [
      ['a generator', () => new VirtualFile({ name: 'a.txt', size: 10, stream: (function* () { yield '01234'; yield '56789'; })() })],
      ['a Readable', () => new VirtualFile({ name: 'a.txt', size: 10, stream: Readable.from(['01234', '56789']) })],
    ] as const;
    const ranged = async (make: () => VirtualFile, range: string) => {
      const server = await listen(appWith(virtualDownload(make)));
      try {
        const res = await fetch(`${server.url}/`, { headers: { Range: range } });
        return { status: res.status, acceptRanges: res.headers.get('accept-ranges'), body: await res.text() };
      } finally {
        await server.close();
      }
    };
    for (const [kind, make] of oneShot) {
      for (const range of ['bytes=0-1', 'bytes=0-1,5-6']) {
        expect(await ranged(make, range), `${kind} ${range}`).to.deep.equal({ status: 200, acceptRanges: null, body: '0123456789' });
      }
    }
    const factory = await ranged(() => new VirtualFile({ name: 'a.txt', size: 10, stream: () => ['01234', '56789'] }), 'bytes=0-1,5-6');
    expect(factory).to.include({ status: 206, acceptRanges: 'bytes' });
    expect(factory.body).to.include('\r\n\r\n01\r\n').and.include('\r\n\r\n56\r\n');
  });

  it('is never offloaded: it has neither path nor URL', function () {
    const file: DownloadFile = new VirtualFile({ name: 'a', content: 'x' });
    expect(file.path).to.equal(undefined);
    expect(file.url).to.equal(undefined);
  });

  it('aborts the response when a declared size turns out wrong, rather than send a wrong length', async function () {
    const server = await listen(appWith(virtualDownload(() => new VirtualFile({ name: 'a.txt', size: 100, stream: () => ['too short'] }))));
    const outcome = await fetch(`${server.url}/`).then((res) => res.text()).then(() => 'complete', () => 'aborted');
    expect(outcome).to.equal('aborted');
    await server.close();
  });
});

describe('StorageFile and pathDownload without a file name', function () {
  const storage = new MemoryStorage();

  it("answers 404, as Django does, when the app's field is empty or null", async function () {
    for (const name of ['', null, undefined]) {
      const app = appWith(download(() => new StorageFile(storage, name as never)));
      expect((await request(app.callback()).get('/')).status, String(name)).to.equal(404);
    }
  });

  it("answers 404 to a folder's name ending in /, and 400 to a hostile name", async function () {
    await storage.save('reports/a.txt', 'a');
    const app = appWith(storageDownload({ storage, name: (ctx) => String(ctx.query['n']) }));
    expect((await request(app.callback()).get('/').query({ n: 'reports/' })).status).to.equal(404);
    expect((await request(app.callback()).get('/').query({ n: '../reports/a.txt' })).status).to.equal(400);
  });

  it('pathDownload answers 404 when its path function returns undefined', async function () {
    const app = appWith(pathDownload({ root: tmpdir(), path: () => undefined }));
    expect((await request(app.callback()).get('/')).status).to.equal(404);
  });
});

describe('The public types', function () {
  it('include OpenedFile, which the public Storage.openStat resolves to', function () {
    type Returned = Awaited<ReturnType<NonNullable<Storage['openStat']>>>;
    // Fails the type check (npm test's first step) if the export is missing or differs.
    const same: [OpenedFile] extends [Returned] ? ([Returned] extends [OpenedFile] ? true : false) : false = true;
    expect(same).to.equal(true);
  });
});

describe('HTTPFile and httpDownload', function () {
  let upstream: Server;
  let upstreamUrl: string;
  let hits: { method: string; range: string | undefined }[];

  before(async function () {
    hits = [];
    const app = new Koa();
    app.use(async (ctx) => {
      hits.push({ method: ctx.method, range: ctx.get('Range') || undefined });
      if (ctx.path === '/hang') return new Promise(() => {});
      if (ctx.path === '/boom') return void (ctx.status = 503);
      if (ctx.path === '/gone') return void (ctx.status = 410);
      if (ctx.path === '/trickle.txt') {
        ctx.type = 'text/plain';
        ctx.body = Readable.from((async function* () {
          for (const chunk of ['tr', 'ic', 'kl', 'ed', '!']) {
            await sleep(120);
            yield chunk;
          }
        })());
        return;
      }
      if (ctx.path === '/no-ranges.txt') return void (ctx.body = '0123456789');
      if (ctx.path !== '/files/r%C3%A9sum%C3%A9.txt') return void (ctx.status = 404);
      ctx.set('Last-Modified', new Date('2024-01-01T00:00:00Z').toUTCString());
      ctx.set('ETag', '"v1"');
      ctx.type = 'text/plain';
      const range = /^bytes=(\d+)-(\d+)$/.exec(ctx.get('Range'));
      if (range) {
        ctx.status = 206;
        ctx.set('Content-Range', `bytes ${range[1]}-${range[2]}/10`);
        ctx.body = '0123456789'.slice(Number(range[1]), Number(range[2]) + 1);
      } else {
        ctx.body = '0123456789';
      }
    });
    upstream = createServer(app.callback());
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
    upstreamUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
  });
  after(() => {
    upstream.closeAllConnections();
    upstream.close();
  });
  beforeEach(() => (hits = []));

  it('takes its name from the URL, decoded, and its validators from the upstream', async function () {
    const file = new HTTPFile(`${upstreamUrl}/files/r%C3%A9sum%C3%A9.txt`);
    expect(file.name).to.equal('résumé.txt');
    expect(await file.stat()).to.deep.include({ size: 10, etag: '"v1"', contentType: 'text/plain; charset=utf-8' });
  });

  it('proxies a download with the upstream ETag, and forwards Range', async function () {
    const app = appWith(httpDownload({ url: `${upstreamUrl}/files/r%C3%A9sum%C3%A9.txt` }));
    const full = await request(app.callback()).get('/');
    expect(full.status).to.equal(200);
    expect(full.text).to.equal('0123456789');
    expect(full.headers['etag']).to.equal('"v1"');
    const part = await request(app.callback()).get('/').set('Range', 'bytes=2-4');
    expect(part.status).to.equal(206);
    expect(part.text).to.equal('234');
    expect(hits.filter((h) => h.method === 'GET').map((h) => h.range)).to.deep.equal([undefined, 'bytes=2-4']);
  });

  it('slices the bytes itself when the upstream ignores Range', async function () {
    const file = new HTTPFile(`${upstreamUrl}/no-ranges.txt`);
    expect((await readAll(await file.open({ start: 3, end: 6 }))).toString()).to.equal('3456');
  });

  it('completes a body that trickles for longer than the timeout in all, with every gap shorter than it', async function () {
    const app = appWith(httpDownload({ url: `${upstreamUrl}/trickle.txt`, timeout: 300 }));
    const res = await request(app.callback()).get('/');
    expect(res.status).to.equal(200);
    expect(res.text).to.equal('trickled!');
  });

  // The client never sees the upstream's URL, only the app's: whether the app's URL is gone for good is the app's to say.
  it('answers 404 for an upstream 404 or 410, and 502 for an upstream 5xx, a refused connection or a timeout', async function () {
    const closed = await listen(new Koa());
    const refusedUrl = closed.url;
    await closed.close();
    const cases: [string, number][] = [
      [`${upstreamUrl}/missing.txt`, 404],
      [`${upstreamUrl}/gone`, 404],
      [`${upstreamUrl}/boom`, 502],
      [`${refusedUrl}/x.txt`, 502],
      [`${upstreamUrl}/hang`, 502],
    ];
    for (const [url, status] of cases) {
      const app = appWith(httpDownload({ url, timeout: 300 }));
      const res = await request(app.callback()).get('/');
      expect(res.status, url).to.equal(status);
      expect(res.text, url).to.not.include('127.0.0.1');
    }
  });
});
