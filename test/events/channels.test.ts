/**
 * Issue 17: each download publishes exactly the messages documented in
 * docs/observability.md, with byte counts equal to what the client received.
 */
import { expect } from 'chai';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { Agent, request as httpRequest } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { FileSystemStorage, MemoryStorage, StorageError, VirtualFile, storageDownload, virtualDownload, xSendfile, type DownloadMessage } from '../../src/index.js';
import { appWith, listen } from '../support/app.js';
import { cancelledRequest, listenHttp2, selfSignedCertificate } from '../support/http2.js';

const NAMES = ['start', 'finish', 'abort', 'error'] as const;
type Seen = { channel: (typeof NAMES)[number]; message: DownloadMessage };
// Larger than loopback's socket buffers: a client that stops reading keeps the server from finishing.
const SIZE = 32 * 1024 * 1024;
const BIG = Buffer.alloc(SIZE, 'abcdefgh');

/** big.bin (SIZE bytes) and small.txt (10 bytes). */
async function bigStorage(): Promise<MemoryStorage> {
  const storage = new MemoryStorage();
  await storage.save('big.bin', BIG);
  await storage.save('small.txt', '0123456789');
  return storage;
}

/** Records every message of the four channels while `run` runs, and until they settle. */
async function messagesOf(run: () => Promise<unknown>): Promise<Seen[]> {
  const seen: Seen[] = [];
  const listeners = NAMES.map((channel) => [`koa-downloadview:download:${channel}`, (message: unknown) => seen.push({ channel, message: message as DownloadMessage })] as const);
  for (const [name, listener] of listeners) subscribe(name, listener);
  try {
    await run();
    await sleep(50);
  } finally {
    for (const [name, listener] of listeners) unsubscribe(name, listener);
  }
  return seen;
}

/** GETs (or HEADs) `path`, resolving with the status and the bytes received. */
function get(url: string, headers: Record<string, string> = {}, method = 'GET'): Promise<{ status: number; received: number }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { headers, method, agent: false }, (res) => {
      let received = 0;
      res.on('data', (chunk: Buffer) => (received += chunk.length));
      // 'close' also comes when the server gives up mid-body.
      res.on('close', () => resolve({ status: res.statusCode!, received }));
      res.on('error', () => undefined);
    });
    req.on('error', reject);
    req.end();
  });
}

/** Starts a download and leaves once `after` bytes arrived, resolving with what arrived. */
function abandoned(url: string, after: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { agent: false }, (res) => {
      let received = 0;
      res.on('data', (chunk: Buffer) => {
        received += chunk.length;
        if (received >= after) {
          res.pause();
          setTimeout(() => (req.destroy(), resolve(received)), 50);
        }
      });
    });
    req.on('error', (error: NodeJS.ErrnoException) => (req.destroyed ? undefined : reject(error)));
    req.end();
  });
}

describe('Download events on node:diagnostics_channel', function () {
  let server: Awaited<ReturnType<typeof listen>>;

  before(async function () {
    const storage = await bigStorage();
    const failing = new VirtualFile({ name: 'failing.bin', size: 100, stream: () => (async function* () { yield Buffer.alloc(10); throw new StorageError('the disk went away'); })() });
    const app = appWith(async (ctx, next) => {
      if (ctx.path === '/failing') return virtualDownload(() => failing)(ctx, next);
      return next();
    }, storageDownload({ storage, name: (ctx) => ctx.path.slice(1) }));
    server = await listen(app);
  });
  after(() => server.close());

  const channels = (seen: Seen[]) => seen.map((s) => s.channel);

  it('publishes start then finish for a full GET, with every byte the client received', async function () {
    let client!: { status: number; received: number };
    const seen = await messagesOf(async () => (client = await get(`${server.url}/big.bin`)));
    expect(channels(seen)).to.deep.equal(['start', 'finish']);
    const [start, finish] = seen.map((s) => s.message);
    expect(start).to.deep.include({ status: 200, size: SIZE, bytes: 0, offload: undefined, duration: undefined });
    expect(start!.file).to.deep.include({ name: 'big.bin', kind: 'MemoryStorage' });
    expect(start!.ctx.path).to.equal('/big.bin');
    expect(finish).to.deep.include({ status: 200, bytes: client.received, size: SIZE });
    expect(client.received).to.equal(SIZE);
    expect(finish!.duration).to.be.a('number').and.at.least(0);
  });

  it('publishes the range asked and sent for a 206, and the bytes of that range', async function () {
    let client!: { status: number; received: number };
    const seen = await messagesOf(async () => (client = await get(`${server.url}/small.txt`, { Range: 'bytes=2-5' })));
    expect(channels(seen)).to.deep.equal(['start', 'finish']);
    expect(seen[1]!.message).to.deep.include({ status: 206, bytes: 4, ranges: { asked: 'bytes=2-5', sent: [{ start: 2, end: 5 }] } });
    expect(client).to.deep.equal({ status: 206, received: 4 });
  });

  it('counts a multipart answer by its body, boundaries included', async function () {
    let client!: { status: number; received: number };
    const seen = await messagesOf(async () => (client = await get(`${server.url}/small.txt`, { Range: 'bytes=0-1,5-6' })));
    expect(seen[1]!.message.ranges.sent).to.deep.equal([{ start: 0, end: 1 }, { start: 5, end: 6 }]);
    expect(seen[1]!.message.bytes).to.equal(client.received);
  });

  it('publishes start and finish with no bytes for a 304, a 416 and a HEAD', async function () {
    const etag = (await fetch(`${server.url}/small.txt`)).headers.get('etag')!;
    const cases: [Record<string, string>, string, number][] = [
      [{ 'If-None-Match': etag }, 'GET', 304],
      [{ Range: 'bytes=50-60' }, 'GET', 416],
      [{}, 'HEAD', 200],
    ];
    for (const [headers, method, status] of cases) {
      const seen = await messagesOf(() => get(`${server.url}/small.txt`, headers, method));
      expect(channels(seen), `${method} ${status}`).to.deep.equal(['start', 'finish']);
      expect(seen.map((s) => s.message.status)).to.deep.equal([status, status]);
      expect(seen[1]!.message.bytes, `${method} ${status}`).to.equal(0);
    }
  });

  it('publishes the finish of a kept-alive answer before the next request on its connection starts', async function () {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    // Each request is sent as soon as the previous answer has arrived whole, on the same socket.
    const sockets: unknown[] = [];
    const getOnAgent = () =>
      new Promise<void>((resolve, reject) => {
        const req = httpRequest(`${server.url}/small.txt`, { agent }, (res) => {
          sockets.push(req.socket);
          res.resume().on('end', resolve);
        });
        req.on('error', reject);
        req.end();
      });
    try {
      const seen = await messagesOf(async () => {
        for (let count = 0; count < 3; count++) await getOnAgent();
      });
      expect(new Set(sockets).size).to.equal(1);
      expect(channels(seen)).to.deep.equal(['start', 'finish', 'start', 'finish', 'start', 'finish']);
      expect(seen.filter((s) => s.channel === 'finish').map((s) => s.message.bytes)).to.deep.equal([10, 10, 10]);
    } finally {
      agent.destroy();
    }
  });

  it('publishes abort when the client leaves, with the bytes handed to the socket so far', async function () {
    let received = 0;
    const seen = await messagesOf(async () => (received = await abandoned(`${server.url}/big.bin`, 1 + Math.floor(Math.random() * SIZE * 0.25))));
    expect(channels(seen)).to.deep.equal(['start', 'abort']);
    const { bytes } = seen[1]!.message;
    // The socket's buffers hold what was handed to it and not yet received.
    expect(bytes).to.be.at.least(received).and.below(SIZE);
  });

  it('publishes finish for a whole HTTP/2 download, and only abort for a cancelled one', async function () {
    // Node's HTTP/2 compatibility response emits 'finish' then 'close' when its stream closes, even when the client cancelled it.
    const app = appWith(storageDownload({ storage: await bigStorage(), name: (ctx) => ctx.path.slice(1) }));
    const http2 = await listenHttp2(app, await selfSignedCertificate());
    const session = http2.connect();
    try {
      const whole = await messagesOf(() => cancelledRequest(session, '/small.txt', Infinity));
      expect(channels(whole)).to.deep.equal(['start', 'finish']);
      expect(whole[1]!.message.bytes).to.equal(10);
      let received = 0;
      const cancelled = await messagesOf(async () => (received = await cancelledRequest(session, '/big.bin', 100_000)));
      expect(channels(cancelled)).to.deep.equal(['start', 'abort']);
      expect(cancelled[1]!.message.bytes).to.be.at.least(received).and.below(SIZE);
    } finally {
      session.destroy();
      await http2.close();
    }
  });

  it('publishes error, and no start, for a download that fails before its answer', async function () {
    const seen = await messagesOf(() => get(`${server.url}/missing.txt`));
    expect(channels(seen)).to.deep.equal(['error']);
    expect(seen[0]!.message).to.deep.include({ status: 404, bytes: 0 });
    expect(seen[0]!.message.file).to.deep.include({ name: 'missing.txt', kind: 'MemoryStorage' });
    expect(seen[0]!.message.error).to.have.property('name', 'FileNotFoundError');
  });

  it('publishes error after start when the source fails in the middle of the body', async function () {
    const seen = await messagesOf(() => get(`${server.url}/failing`).catch(() => undefined));
    expect(channels(seen)).to.deep.equal(['start', 'error']);
    expect(seen[1]!.message.error).to.be.instanceOf(StorageError);
    expect(seen[1]!.message.bytes).to.equal(10);
  });

  it('says that an offloaded download was handed off, and to which proxy', async function () {
    const location = await mkdtemp(join(tmpdir(), 'kdv-events-'));
    await writeFile(join(location, 'a.txt'), 'a');
    const storage = new FileSystemStorage({ location });
    const offloaded = await listen(appWith(xSendfile({ sourceDir: location, destinationUrl: '/p/' }, { backend: 'nginx' }), storageDownload({ storage, name: 'a.txt' })));
    try {
      const handedOff = await messagesOf(() => get(`${offloaded.url}/`));
      expect(channels(handedOff)).to.deep.equal(['start', 'finish']);
      expect(handedOff[0]!.message.offload).to.deep.equal({ by: 'nginx' });
      expect(handedOff[1]!.message).to.deep.include({ status: 200, bytes: 0 });
    } finally {
      await offloaded.close();
      await rm(location, { recursive: true, force: true });
    }
  });

  it('follows a download only while someone listens: no listener on the body otherwise', async function () {
    const storage = new MemoryStorage();
    await storage.save('a.txt', 'a');
    const listeners: number[] = [];
    const app = appWith(async (ctx, next) => {
      await next();
      listeners.push((ctx.body as Readable).listenerCount('data'));
    }, storageDownload({ storage, name: 'a.txt' }));
    const local = await listen(app);
    try {
      await get(`${local.url}/`);
      await messagesOf(() => get(`${local.url}/`));
    } finally {
      await local.close();
    }
    expect(listeners).to.deep.equal([0, 1]);
  });
});
