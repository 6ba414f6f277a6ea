import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { demoApp } from '../../demo/app.js';
import { MemoryStorage } from '../../src/index.js';
import { listen } from '../support/app.js';
import { freePort } from '../proxies/harness/process.js';

describe('The demo', function () {
  let dir: string;
  beforeEach(async () => (dir = await mkdtemp(join(tmpdir(), 'kdv-demo-'))));
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('serves every route its home page lists', async function () {
    let server: Awaited<ReturnType<typeof listen>> | undefined;
    const { app, routes } = await demoApp({ dataDir: dir, s3: new MemoryStorage(), selfUrl: () => server!.url });
    server = await listen(app);
    const home = await (await fetch(`${server.url}/`)).text();
    for (const route of routes) {
      // No proxy in front: an offloaded route is not a link (a click would save an empty file), and its row says how to start the proxy.
      if (route.sentBy === 'node') expect(home, route.path).to.include(`href="${encodeURI(route.path)}"`);
      else {
        expect(home, route.path).not.to.include(`<a href="${encodeURI(route.path)}"`);
        expect(home, route.path).to.include(`npm run demo -- --proxy ${route.sentBy}`);
      }
      const res = await fetch(`${server.url}${encodeURI(route.path)}`);
      const body = Buffer.from(await res.arrayBuffer());
      expect(res.status, route.path).to.equal(200);
      // A hand-off to nginx carries it as X-Accel-Content-Disposition, which nginx turns back into Content-Disposition (docs/nginx.md).
      expect(res.headers.get('content-disposition') ?? res.headers.get('x-accel-content-disposition'), route.path).to.match(/^(attachment|inline); filename/);
      if (route.sentBy === 'node') {
        if (route.size !== undefined) expect(body.length, route.path).to.equal(route.size);
      } else {
        expect(body.length, route.path).to.equal(0);
        expect(res.headers.get(route.sentBy === 'nginx' || route.sentBy === 'caddy' ? 'x-accel-redirect' : 'x-sendfile'), route.path).to.be.a('string');
      }
    }
    await server.close();
  });

  it('starts with `npm run demo`, prints its URL, serves, and stops on SIGINT', async function () {
    this.timeout(30_000);
    const port = await freePort();
    const child = spawn('npm', ['run', 'demo', '--', '--port', String(port)], { cwd: resolve(import.meta.dirname, '../..'), detached: true, env: { ...process.env, S3_BUCKET: '' } });
    try {
      const url = await new Promise<string>((done, fail) => {
        let output = '';
        child.stdout.on('data', (chunk: Buffer) => {
          output += chunk.toString();
          const match = /http:\/\/127\.0\.0\.1:\d+\//.exec(output);
          if (match) done(match[0]);
        });
        child.once('exit', (code) => fail(new Error(`demo exited with ${code}: ${output}`)));
      });
      const res = await fetch(`${url}files/hello-world.txt`);
      expect(await res.text()).to.equal('Hello world!\n');
      expect(await (await fetch(`${url}s3/hello-world.txt`)).text()).to.equal('Hello world!\n');
    } finally {
      const exited = new Promise((done) => child.once('exit', done));
      process.kill(-child.pid!, 'SIGINT');
      await exited;
    }
  });
});
