import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { demoApp } from '../../demo/app.js';
import type { DownloadEntry } from '../../demo/downloadsFeed.js';
import { MemoryStorage } from '../../src/index.js';
import { listen } from '../support/app.js';
import { freePort } from '../proxies/harness/process.js';

describe('The demo', function () {
  let dir: string;
  beforeEach(async () => (dir = await mkdtemp(join(tmpdir(), 'kdv-demo-'))));
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('serves every route its home page lists', async function () {
    let server: Awaited<ReturnType<typeof listen>> | undefined;
    const { app, routes, close } = await demoApp({ dataDir: dir, s3: new MemoryStorage(), selfUrl: () => server!.url });
    server = await listen(app);
    try {
      const home = await (await fetch(`${server.url}/`)).text();
      for (const route of routes) {
        // No proxy in front: an offloaded route is not a link (a click would save an empty file), and its row says how to start the proxy.
        if (route.sentBy === 'node') expect(home, route.path).to.include(`href="${encodeURI(route.path)}"`);
        else {
          expect(home, route.path).not.to.include(`<a href="${encodeURI(route.path)}"`);
          expect(home, route.path).to.include(`npm run demo -- --proxy ${route.sentBy}`);
        }
        const leave = new AbortController();
        const res = await fetch(`${server.url}${encodeURI(route.path)}`, { signal: leave.signal });
        expect(res.status, route.path).to.equal(200);
        // A hand-off to nginx carries it as X-Accel-Content-Disposition, which nginx turns back into Content-Disposition (docs/nginx.md).
        expect(res.headers.get('content-disposition') ?? res.headers.get('x-accel-content-disposition'), route.path).to.match(/^(attachment|inline); filename/);
        if (route.path === '/virtual/slow.bin') {
          // 16 s whole: its length and first bytes will do.
          expect(res.headers.get('content-length')).to.equal(String(route.size));
          expect((await res.body!.getReader().read()).value).to.have.length.above(0);
          leave.abort();
          continue;
        }
        const body = Buffer.from(await res.arrayBuffer());
        if (route.sentBy === 'node') {
          if (route.size !== undefined) expect(body.length, route.path).to.equal(route.size);
        } else {
          expect(body.length, route.path).to.equal(0);
          expect(res.headers.get(route.sentBy === 'nginx' || route.sentBy === 'caddy' ? 'x-accel-redirect' : 'x-sendfile'), route.path).to.be.a('string');
        }
      }
    } finally {
      close();
      await server.close();
    }
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

/** Server-Sent Events from a fetch response: the `download` entries, in order, as they come. */
function downloadEvents(res: Response) {
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  const seen: DownloadEntry[] = [];
  let buffered = '';
  return {
    seen,
    /** The first entry seen (or yet to come) that matches. */
    async until(match: (entry: DownloadEntry) => boolean): Promise<DownloadEntry> {
      for (;;) {
        const found = seen.find(match);
        if (found) return found;
        const { value, done } = await reader.read();
        if (done) throw new Error(`the stream ended; seen: ${JSON.stringify(seen)}`);
        buffered += value;
        const blocks = buffered.split('\n\n');
        buffered = blocks.pop()!;
        for (const block of blocks) {
          const lines = block.split('\n');
          if (!lines.includes('event: download')) continue;
          seen.push(JSON.parse(lines.filter((line) => line.startsWith('data: ')).map((line) => line.slice(6)).join('\n')) as DownloadEntry);
        }
      }
    },
    /** Resolves once the server ends the stream. */
    async ended(): Promise<void> {
      while (!(await reader.read()).done);
    },
  };
}

/** Polls `condition` until it holds (a few seconds at most). */
async function eventually(condition: () => boolean, what: string): Promise<void> {
  for (let tries = 0; !condition(); tries++) {
    if (tries > 200) throw new Error(`never: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('The demo\'s live list of downloads, as Server-Sent Events on /events/downloads', function () {
  let dir: string;
  let demo: Awaited<ReturnType<typeof demoApp>>;
  let server: Awaited<ReturnType<typeof listen>>;
  const streams: AbortController[] = [];
  /** Connects like EventSource; fetch resolves on the headers, so it hangs if they are held back. */
  const connect = async () => {
    const controller = new AbortController();
    streams.push(controller);
    return fetch(`${server.url}/events/downloads`, { signal: controller.signal, headers: { Accept: 'text/event-stream' } });
  };
  beforeEach(async function () {
    dir = await mkdtemp(join(tmpdir(), 'kdv-demo-events-'));
    demo = await demoApp({ dataDir: dir, s3: new MemoryStorage(), selfUrl: () => server.url });
    server = await listen(demo.app);
  });
  afterEach(async function () {
    for (const stream of streams.splice(0)) stream.abort();
    demo.close();
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('answers unbuffered: event-stream, no-cache, headers flushed before any event', async function () {
    const res = await connect();
    expect(res.status).to.equal(200);
    expect(res.headers.get('content-type')).to.equal('text/event-stream; charset=utf-8');
    expect(res.headers.get('cache-control')).to.equal('no-cache');
    // nginx buffers a proxied answer unless told not to.
    expect(res.headers.get('x-accel-buffering')).to.equal('no');
    expect(res.headers.get('content-length')).to.equal(null);
  });

  it('sends each download as it starts and as it ends: finished, aborted, failed, handed off to a proxy', async function () {
    const events = downloadEvents(await connect());

    expect(await (await fetch(`${server.url}/files/hello-world.txt`)).text()).to.equal('Hello world!\n');
    const finished = await events.until((entry) => entry.path === '/files/hello-world.txt' && entry.state !== 'started');
    expect(finished).to.include({ state: 'finished', method: 'GET', file: 'hello-world.txt', status: 200, bytes: 13, size: 13, sentBy: 'node' });
    expect(finished.duration).to.be.a('number');
    // Its start came first, under the same id.
    expect(events.seen.find((entry) => entry.id === finished.id)).to.include({ state: 'started', bytes: 0 });

    // A client that leaves after the first bytes of a large, slow file.
    const leaving = new AbortController();
    const body = (await fetch(`${server.url}/virtual/slow.bin`, { signal: leaving.signal })).body!.getReader();
    await body.read();
    leaving.abort();
    const aborted = await events.until((entry) => entry.path === '/virtual/slow.bin' && entry.state !== 'started');
    expect(aborted).to.include({ state: 'aborted', status: 200, sentBy: 'node', file: 'slow.bin' });
    expect(aborted.bytes).to.be.above(0).and.below(aborted.size!);

    // No file: an error, and no start. Only the error's class is sent: its message may name a server path.
    expect((await fetch(`${server.url}/files/missing.txt`)).status).to.equal(404);
    const failed = await events.until((entry) => entry.path === '/files/missing.txt');
    expect(failed).to.include({ state: 'error', status: 404, error: 'FileNotFoundError', bytes: 0 });
    expect(JSON.stringify(failed)).not.to.include(dir);

    // A hand-off: the proxy sends the bytes, the app none.
    await (await fetch(`${server.url}/offload/nginx/by-route/h%C3%A9llo%20w%C3%B6rld.txt`)).arrayBuffer();
    const handedOff = await events.until((entry) => entry.path === '/offload/nginx/by-route/héllo wörld.txt' && entry.state !== 'started');
    expect(handedOff).to.include({ state: 'finished', sentBy: 'nginx', bytes: 0, file: 'héllo wörld.txt' });
  });

  it('sends a new client the last 20 downloads first, and lists neither itself nor HEAD requests', async function () {
    const first = downloadEvents(await connect());
    for (let i = 0; i < 25; i++) await (await fetch(`${server.url}/memory/hello-world.txt?i=${i}`)).text();
    await fetch(`${server.url}/files/hello-world.txt`, { method: 'HEAD' });
    await (await fetch(`${server.url}/path/hello-world.txt`)).text();
    const last = await first.until((entry) => entry.path === '/path/hello-world.txt' && entry.state === 'finished');

    const late = downloadEvents(await connect());
    await late.until((entry) => entry.id === last.id);
    expect(late.seen).to.have.length(20);
    expect(late.seen.map((entry) => entry.id)).to.deep.equal(Array.from({ length: 20 }, (_, i) => last.id - 19 + i));
    expect(late.seen.map((entry) => entry.state)).to.deep.equal(Array(20).fill('finished'));
    const all = [...first.seen, ...late.seen];
    expect(all.map((entry) => entry.path)).not.to.include('/events/downloads');
    expect(all.map((entry) => entry.method)).not.to.include('HEAD');
  });

  it('follows its own app only: another app in the process adds nothing', async function () {
    const otherDir = await mkdtemp(join(tmpdir(), 'kdv-demo-events-'));
    const other = await demoApp({ dataDir: otherDir, selfUrl: () => '' });
    const otherServer = await listen(other.app);
    try {
      await (await fetch(`${otherServer.url}/files/hello-world.txt`)).text();
      await (await fetch(`${server.url}/path/hello-world.txt`)).text();
      expect(other.downloads.entries.map((entry) => entry.path)).to.deep.equal(['/files/hello-world.txt']);
      expect(demo.downloads.entries.map((entry) => entry.path)).to.deep.equal(['/path/hello-world.txt']);
    } finally {
      other.close();
      await otherServer.close();
      await rm(otherDir, { recursive: true, force: true });
    }
  });

  it('forgets a client that leaves, and close() ends every stream and stops listening', async function () {
    await connect();
    const staying = downloadEvents(await connect());
    await eventually(() => demo.downloads.clients === 2, 'two clients');
    streams[0]!.abort();
    await eventually(() => demo.downloads.clients === 1, 'the client that left is forgotten');

    demo.close();
    await staying.ended();
    expect(demo.downloads.clients).to.equal(0);
    const before = demo.downloads.entries.length;
    await (await fetch(`${server.url}/files/hello-world.txt`)).text();
    expect(demo.downloads.entries).to.have.length(before);
  });
});
