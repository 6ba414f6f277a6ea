import { expect } from 'chai';
import Router from '@koa/router';
import { mkdtemp, rm, truncate, writeFile, mkdir } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import request from 'supertest';
import {
  FileSystemStorage, MemoryStorage, StorageError, StorageFile, VirtualFile,
  download, pathDownload, recordedDownload, sendFile, storageDownload, virtualDownload,
} from '../../src/index.js';
import { ImproperlyConfiguredError } from '../../src/errors.js';
import { LazyBody } from '../../src/lazyBody.js';
import { appWith, listen } from '../support/app.js';
import { CountingStorage } from '../support/countingStorage.js';
import { settles } from '../support/settles.js';
import { openFdCount } from '../support/streams.js';

describe('Download routes', function () {
  let top: string;
  let root: string;

  beforeEach(async function () {
    top = await mkdtemp(join(tmpdir(), 'kdv-routes-'));
    root = join(top, 'files');
    await mkdir(join(root, 'nested'), { recursive: true });
    await writeFile(join(root, 'hello.txt'), 'Hello world!\n');
    await writeFile(join(root, 'nested', 'héllo wörld.txt'), 'nested');
    await writeFile(join(top, 'secret.txt'), 'SECRET');
  });
  afterEach(() => rm(top, { recursive: true, force: true }));

  function routed(path: string, ...middleware: Parameters<Router['get']>[1][]) {
    const router = new Router();
    router.get(path, ...(middleware as [never]));
    return appWith(router.routes());
  }

  it('storageDownload takes the name from the :path parameter, Unicode and nested included', async function () {
    const app = routed('/files/*path', storageDownload({ storage: new FileSystemStorage({ location: root }) }));
    expect((await request(app.callback()).get('/files/hello.txt')).text).to.equal('Hello world!\n');
    const nested = await request(app.callback()).get(`/files/nested/${encodeURIComponent('héllo wörld.txt')}`);
    expect(nested.status).to.equal(200);
    expect(nested.text).to.equal('nested');
  });

  it('answers 404 for a missing file, which Koa does not log', async function () {
    const app = routed('/files/*path', storageDownload({ storage: new FileSystemStorage({ location: root }) }));
    expect((await request(app.callback()).get('/files/missing.txt')).status).to.equal(404);
    expect((await request(app.callback()).get('/files/nested')).status).to.equal(404);
    expect(app.errors.map((e) => (e as { status?: number }).status)).to.deep.equal([404, 404]);
  });

  it('answers 400 or 404 to hostile names, never a byte from outside the root', async function () {
    const app = routed('/files/*path', storageDownload({ storage: new FileSystemStorage({ location: root }) }));
    for (const path of ['..%2Fsecret.txt', '%2E%2E/secret.txt', '..%5Csecret.txt', '%2Fetc%2Fpasswd', 'nested%2F..%2F..%2Fsecret.txt', 'a%00b', '%2e%2e%2f%2e%2e%2fsecret.txt', '%C0%AE%C0%AE/secret.txt']) {
      const res = await request(app.callback()).get(`/files/${path}`);
      expect([400, 404], path).to.include(res.status);
      expect(res.text, path).to.not.include('SECRET');
    }
    expect(app.errors.map((e) => (e as { expose?: boolean }).expose)).to.satisfy((exposed: boolean[]) => exposed.every(Boolean), 'quiet client errors only');
  });

  it('answers a broken storage with a clean 5xx, a log line, and serves the next request', async function () {
    const memory = new MemoryStorage();
    await memory.save('ok.txt', 'fine');
    let broken = true;
    const flaky = new (class extends CountingStorage {
      override stat(name: string) {
        return broken ? Promise.reject(new StorageError('disk on fire', { status: 502 })) : super.stat(name);
      }
    })(memory);
    const app = appWith(storageDownload({ storage: flaky, name: 'ok.txt' }));
    const failed = await request(app.callback()).get('/');
    expect(failed.status).to.equal(502);
    expect(failed.text).to.equal('Bad Gateway');
    expect(app.errors.map((e) => e.message)).to.deep.equal(['disk on fire']);
    broken = false;
    expect((await request(app.callback()).get('/')).text).to.equal('fine');
  });

  it('answers an unexpected exception of a storage with 500, no details to the client', async function () {
    const throwing = new (class extends CountingStorage {
      override stat(): never {
        throw new TypeError('/srv/secret/path exploded');
      }
    })(new MemoryStorage());
    const app = appWith(storageDownload({ storage: throwing, name: 'x.txt' }));
    const res = await request(app.callback()).get('/');
    expect(res.status).to.equal(500);
    expect(res.text).to.not.include('/srv/secret');
  });

  it('pathDownload needs a root and refuses a fixed path outside it at start-up', function () {
    expect(() => pathDownload({} as never)).to.throw(ImproperlyConfiguredError, /root/);
    expect(() => pathDownload({ root, path: join(top, 'secret.txt') })).to.throw(/outside the root/);
    expect(() => storageDownload({} as never)).to.throw(ImproperlyConfiguredError, /storage/);
  });

  it('pathDownload serves a path inside root, absolute or relative, and never one outside', async function () {
    const app = appWith(pathDownload({ root, path: (ctx) => String(ctx.query['p']) }));
    expect((await request(app.callback()).get('/').query({ p: join(root, 'hello.txt') })).text).to.equal('Hello world!\n');
    expect((await request(app.callback()).get('/').query({ p: 'nested/héllo wörld.txt' })).text).to.equal('nested');
    for (const p of [join(top, 'secret.txt'), '../secret.txt', `${root}/../secret.txt`, `${root}-other/x`]) {
      const res = await request(app.callback()).get('/').query({ p });
      expect([400, 404], p).to.include(res.status);
      expect(res.text).to.not.include('SECRET');
    }
  });

  it('download answers 404 when the resolver finds nothing', async function () {
    expect((await request(appWith(download(() => undefined)).callback()).get('/')).status).to.equal(404);
  });

  it('sendFile serves a file imperatively, with the same semantics', async function () {
    const app = appWith(async (ctx) => {
      await sendFile(ctx, new VirtualFile({ name: 'report.pdf', content: '%PDF-1.4' }), { attachment: false });
    });
    const res = await request(app.callback()).get('/').set('Range', 'bytes=0-3');
    expect(res.status).to.equal(206);
    expect(res.headers['content-type']).to.equal('application/pdf');
    expect(res.headers['content-disposition']).to.equal('inline; filename=report.pdf');
  });

  it('sets a lazy body that opens nothing, and records the download for the offload middleware', async function () {
    const storage = new CountingStorage(new FileSystemStorage({ location: root }));
    let seen: ReturnType<typeof recordedDownload>;
    const app = appWith(async (ctx, next) => {
      await next();
      seen = recordedDownload(ctx);
      expect(ctx.body).to.be.instanceOf(LazyBody);
      expect((ctx.body as LazyBody).opened).to.equal(false);
      expect(storage.opens).to.deep.equal([]);
    }, storageDownload({ storage, name: 'hello.txt', cacheControl: 'no-store' }));
    const res = await request(app.callback()).get('/');
    expect(res.text).to.equal('Hello world!\n');
    expect(seen!.file).to.be.instanceOf(StorageFile);
    expect(seen!.file.path).to.equal(join(root, 'hello.txt'));
    expect(seen!.headers).to.include({ 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' });
    expect(seen!.offload).to.equal(undefined);
    expect(storage.opens).to.have.length(1);
  });

  it('destroys the source when the client goes away, over many aborted downloads', async function () {
    this.timeout(60_000);
    await writeFile(join(root, 'big.bin'), Buffer.alloc(8 * 1024 * 1024, 1));
    const storage = new CountingStorage(new FileSystemStorage({ location: root }));
    const server = await listen(appWith(storageDownload({ storage, name: 'big.bin' })));
    const baseline = await openFdCount();
    const downloads = 100;
    for (let i = 0; i < downloads; i++) {
      await new Promise<void>((resolve, reject) => {
        const req = httpRequest(`${server.url}/`, (res) => {
          res.once('data', () => {
            req.destroy();
            resolve();
          });
        });
        req.once('error', (error) => ((error as NodeJS.ErrnoException).code === 'ECONNRESET' ? resolve() : reject(error)));
        req.end();
      });
    }
    await waitFor(() => storage.streams.length === downloads && storage.streams.every((s) => s.destroyed));
    await waitFor(async () => (await openFdCount()) <= baseline + 2);
    expect(await openFdCount()).to.be.at.most(baseline + 2);
    await server.close();
  });

  it('stats a plain GET by opening the file once, and frees it when no body follows', async function () {
    const storage = new FileSystemStorage({ location: root });
    const baseline = await openFdCount();
    let replaced = 0;
    const app = appWith(async (ctx, next) => {
      await next();
      // A later middleware answers otherwise: the route's body is dropped unread.
      if (ctx.query['replace']) ctx.body = `replaced ${++replaced}`;
    }, storageDownload({ storage, name: 'hello.txt' }));
    for (let i = 0; i < 40; i++) {
      expect((await request(app.callback()).get('/').set('If-Match', '"other"')).status).to.equal(412);
      expect((await request(app.callback()).get('/').set('If-Unmodified-Since', new Date(0).toUTCString())).status).to.equal(412);
      expect((await request(app.callback()).get('/?replace=1')).text).to.match(/^replaced/);
      expect((await request(app.callback()).get('/')).text).to.equal('Hello world!\n');
    }
    await waitFor(async () => (await openFdCount()) <= baseline + 2);
    expect(await openFdCount()).to.be.at.most(baseline + 2);
  });

  it('aborts the response rather than send a short body when the file shrinks while it streams', async function () {
    const name = 'shrinking.bin';
    // Larger than the loopback's socket buffers can hold, and the client pauses until the file has
    // shrunk: the server cannot have read it all first, however slowly this machine runs the test.
    await writeFile(join(root, name), Buffer.alloc(32 * 1024 * 1024, 2));
    const server = await listen(appWith(storageDownload({ storage: new FileSystemStorage({ location: root }), name })));
    const outcome = await new Promise<string>((resolve) => {
      const req = httpRequest(`${server.url}/`, (res) => {
        let received = 0;
        res.once('data', () => {
          res.pause();
          void truncate(join(root, name), 1000).then(() => res.resume());
        });
        res.on('data', (chunk: Buffer) => (received += chunk.length));
        res.on('end', () => resolve(`ended after ${received}`));
        res.on('error', () => resolve('aborted'));
        res.on('aborted', () => resolve('aborted'));
      });
      req.on('error', () => resolve('aborted'));
      req.end();
    });
    expect(outcome).to.equal('aborted');
    await writeFile(join(root, 'after.txt'), 'still serving');
    const next = await fetch(`${server.url}/`);
    expect(next.status).to.equal(200);
    await next.arrayBuffer();
    await server.close();
  });

  it('counts a generated text in bytes, not characters, against its declared size', async function () {
    const parts = ['Café, crème brûlée; ', '漢字とかな、', '👩‍💻🎉 ', 'ü'.repeat(40_000)];
    const text = parts.join('');
    const size = Buffer.byteLength(text);
    const streams: [string, () => Readable][] = [
      ['strings of an object-mode Readable', () => Readable.from(parts)],
      ['decoded strings of a byte Readable', () => Readable.from([Buffer.from(text)], { objectMode: false }).setEncoding('utf8')],
      ['latin1 strings of a byte Readable', () => Readable.from([Buffer.from(text)], { objectMode: false }).setEncoding('latin1')],
    ];
    for (const [kind, stream] of streams) {
      const app = appWith(virtualDownload(() => new VirtualFile({ name: 'menu.txt', size, stream })));
      const server = await listen(app);
      try {
        const res = await fetch(`${server.url}/`);
        expect(res.headers.get('content-length'), kind).to.equal(String(size));
        const body = Buffer.from(await res.arrayBuffer());
        expect(body.equals(Buffer.from(text)), `${kind}: ${body.length} bytes`).to.equal(true);
        // The bytes can all be out before the source ends: a wrong count shows as an error Koa logs, after them.
        await settles(() => app.errors.length > 0, 100);
        expect(app.errors.map((error) => error.message), kind).to.deep.equal([]);
      } finally {
        await server.close();
      }
    }
  });
});

async function waitFor(condition: () => boolean | Promise<boolean>, timeout = 5000): Promise<void> {
  const until = Date.now() + timeout;
  while (!(await condition())) {
    if (Date.now() > until) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
