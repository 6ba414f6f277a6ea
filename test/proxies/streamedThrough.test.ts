/**
 * What Node streams (a virtual file, a ZIP made on the fly, an S3 object
 * without offload) must reach the client through the proxy as it is made:
 * a proxy that holds the whole answer first makes the client wait for the
 * last byte of a 5 GiB ZIP, and fills its own disk with it. lighttpd does so
 * unless told otherwise (server.stream-response-body, 0 by default).
 */
import { expect } from 'chai';
import Koa from 'koa';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import type { BackendName } from '../../src/backends/backend.js';
import { startProxy, type RunningProxy } from '../../src/testing.js';
import { requireProxy } from '../support/requireProxy.js';

const BACKENDS: BackendName[] = ['nginx', 'apache', 'lighttpd', 'caddy'];
const FIRST = Buffer.alloc(256 * 1024, 'a');
/** nginx holds back the tail of a buffer it has not filled: most of the first part is enough. */
const EXPECTED_EARLY = FIRST.length / 2;
const REST = Buffer.alloc(1024, 'b');
/** How long the app holds the rest back at most: far longer than a proxy takes to pass on the first part. */
const HOLD_MS = 5000;

for (const backend of BACKENDS) {
  describe(`${backend}: an answer Node streams reaches the client as it is made`, function () {
    this.timeout(30_000);
    let dir: string;
    let proxy: RunningProxy | undefined;
    /** Resolved by the test once the client holds the first part; the app sends the rest then. */
    let firstPartArrived: () => void;

    before(async function () {
      requireProxy(this, backend);
      dir = await mkdtemp(join(tmpdir(), 'kdv-streamed-through-'));
      const app = new Koa().use((ctx) => {
        const body = new PassThrough();
        ctx.type = 'application/octet-stream';
        ctx.body = body;
        body.write(FIRST);
        const held = setTimeout(() => body.end(REST), HOLD_MS);
        firstPartArrived = () => {
          clearTimeout(held);
          body.end(REST);
        };
      });
      proxy = await startProxy({ backend, app, rules: backend === 'nginx' || backend === 'caddy' ? { sourceDir: dir, destinationUrl: '/_protected/' } : { sourceDir: dir, destinationDir: dir } });
    });
    after(async () => {
      await proxy?.stop();
      if (dir) await rm(dir, { recursive: true, force: true });
    });

    it('passes on the first part while the app still holds the rest', async function () {
      const started = Date.now();
      const res = await fetch(`${proxy!.url}/made-on-the-fly.bin`);
      expect(res.status).to.equal(200);
      const reader = res.body!.getReader();
      let received = 0;
      while (received < EXPECTED_EARLY) {
        const { value, done } = await reader.read();
        if (done) break;
        received += value.byteLength;
      }
      const waited = Date.now() - started;
      firstPartArrived();
      while (!(await reader.read()).done);
      expect(waited, `${EXPECTED_EARLY} bytes came only after the app had sent everything (${waited} ms): ${backend} held the answer`).to.be.below(HOLD_MS);
      expect(proxy!.logs.errors()).to.deep.equal([]);
    });
  });
}
