/**
 * Issue 11: over HTTP/2 (Node's compat layer, as Koa uses it), an aborted
 * download closes its source, as it does over HTTP/1.1.
 */
import { expect } from 'chai';
import type { Middleware } from 'koa';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import type { Http2ServerRequest } from 'node:http2';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileSystemStorage, storageDownload } from '../../src/index.js';
import { appWith } from '../support/app.js';
import { cancelledRequest, listenHttp2, selfSignedCertificate } from '../support/http2.js';
import { settles } from '../support/settles.js';
import { openFdCount } from '../support/streams.js';

const SIZE = 4 * 1024 * 1024;

describe('Hardening: HTTP/2 aborts', function () {
  let folder: string;
  let certificate: { key: Buffer; cert: Buffer };

  before(async function () {
    folder = await mkdtemp(join(tmpdir(), 'kdv-http2-'));
    await writeFile(join(folder, 'big.bin'), Buffer.alloc(SIZE, 'H'));
    certificate = await selfSignedCertificate();
  });
  after(() => rm(folder, { recursive: true, force: true }));

  /** Serves big.bin over HTTP/2 behind `before`; resolves with the fds open once a first download went through. */
  async function serve(...before: Middleware[]) {
    const app = appWith(...before, storageDownload({ storage: new FileSystemStorage({ location: folder }), name: 'big.bin' }));
    const server = await listenHttp2(app, certificate);
    const session = server.connect();
    // A whole download first: the session, its sockets and the code paths exist before the baseline.
    expect(await cancelledRequest(session, '/', Infinity)).to.equal(SIZE);
    return { app, server, session, baseline: await openFdCount() };
  }

  it('closes the file of every download cancelled mid-body or right after its request', async function () {
    const { server, session, baseline } = await serve();
    try {
      const received = await Promise.all(Array.from({ length: 20 }, (_, index) => cancelledRequest(session, '/', index % 2 ? 256 * 1024 : 0)));
      expect(received.every((bytes) => bytes < SIZE)).to.equal(true);
      expect(await settles(async () => (await openFdCount()) <= baseline, 3000), `fds ${await openFdCount()} > baseline ${baseline}`).to.equal(true);
    } finally {
      session.destroy();
      await server.close();
    }
  });

  it('closes the file when the client leaves while the route is still looking it up', async function () {
    // Holds each request until its client has cancelled it: the route then answers a stream already closed.
    const afterCancel: Middleware = async (ctx, next) => {
      const stream = (ctx.req as unknown as Http2ServerRequest).stream;
      if (!stream.closed) await new Promise((resolve) => stream.once('close', resolve));
      await next();
    };
    let held = false;
    const { server, session, baseline } = await serve(async (ctx, next) => (held ? afterCancel(ctx, next) : next()));
    held = true;
    try {
      for (let index = 0; index < 5; index++) await cancelledRequest(session, '/', 0);
      expect(await settles(async () => (await openFdCount()) <= baseline, 3000), `fds ${await openFdCount()} > baseline ${baseline}`).to.equal(true);
    } finally {
      session.destroy();
      await server.close();
    }
  });
});
