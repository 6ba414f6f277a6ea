import { expect } from 'chai';
import { request as httpRequest } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { MemoryStorage, completedDownloads, storageDownload, type DownloadMessage } from '../../src/index.js';
import { appWith, listen } from '../support/app.js';

// Larger than the socket buffers of loopback: a client that stops reading keeps the server from finishing.
const SIZE = 32 * 1024 * 1024;

/** A GET with these headers; `leaveAfter` bytes makes the client leave early. Resolves with the bytes received. */
function get(url: string, headers: Record<string, string> = {}, leaveAfter?: number, method = 'GET'): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { headers, method, agent: false }, (res) => {
      let received = 0;
      res.on('data', (chunk: Buffer) => {
        received += chunk.length;
        if (leaveAfter !== undefined && received >= leaveAfter) {
          res.pause();
          setTimeout(() => (req.destroy(), resolve(received)), 50);
        }
      });
      res.on('end', () => resolve(received));
    });
    req.on('error', (error) => (req.destroyed ? undefined : reject(error)));
    req.end();
  });
}

describe('completedDownloads', function () {
  let server: Awaited<ReturnType<typeof listen>>;
  let storage: MemoryStorage;
  let completed: DownloadMessage[];
  let stop: () => void;

  before(async function () {
    storage = new MemoryStorage();
    await storage.save('big.bin', Buffer.alloc(SIZE, 'x'));
    await storage.save('small.txt', '0123456789');
    server = await listen(appWith(storageDownload({ storage, name: (ctx) => ctx.path.slice(1) })));
  });
  after(() => server.close());
  beforeEach(() => {
    completed = [];
    stop = completedDownloads((message) => completed.push(message));
  });
  afterEach(() => stop());

  const settled = () => sleep(50);

  it('counts a whole GET once', async function () {
    await get(`${server.url}/big.bin`);
    await settled();
    expect(completed.map((m) => m.file!.name)).to.deep.equal(['big.bin']);
  });

  it("counts a download manager's eight parallel ranges as one download", async function () {
    const eighth = SIZE / 8;
    await Promise.all(Array.from({ length: 8 }, (_, i) => get(`${server.url}/big.bin`, { Range: `bytes=${i * eighth}-${(i + 1) * eighth - 1}` })));
    await settled();
    expect(completed).to.have.length(1);
  });

  it('counts a download aborted and then resumed from where it stopped as one download', async function () {
    const received = await get(`${server.url}/big.bin`, {}, 300_000);
    await settled();
    expect(completed).to.have.length(0);
    await get(`${server.url}/big.bin`, { Range: `bytes=${received}-` });
    await settled();
    expect(completed).to.have.length(1);
  });

  it('counts nothing for HEAD, a 304, a 416, or ranges that leave a gap', async function () {
    const etag = (await fetch(`${server.url}/small.txt`)).headers.get('etag')!;
    await settled();
    completed = [];
    await get(`${server.url}/small.txt`, {}, undefined, 'HEAD');
    await get(`${server.url}/small.txt`, { 'If-None-Match': etag });
    await get(`${server.url}/small.txt`, { Range: 'bytes=50-' });
    await get(`${server.url}/small.txt`, { Range: 'bytes=0-3' });
    await get(`${server.url}/small.txt`, { Range: 'bytes=5-9' });
    await settled();
    expect(completed).to.have.length(0);
    await get(`${server.url}/small.txt`, { Range: 'bytes=4-4' });
    await settled();
    expect(completed).to.have.length(1);
  });

  it('does not join the pieces of two versions of a file', async function () {
    await get(`${server.url}/small.txt`, { Range: 'bytes=0-4' });
    await storage.save('small.txt', 'abcdefghij');
    await get(`${server.url}/small.txt`, { Range: 'bytes=5-9' });
    await settled();
    expect(completed).to.have.length(0);
  });

  it('counts each client on its own', async function () {
    await get(`${server.url}/small.txt`, { 'User-Agent': 'one', Range: 'bytes=0-4' });
    await get(`${server.url}/small.txt`, { 'User-Agent': 'two', Range: 'bytes=5-9' });
    await settled();
    expect(completed).to.have.length(0);
    await get(`${server.url}/small.txt`, { 'User-Agent': 'two' });
    await settled();
    expect(completed.map((m) => m.ctx.get('User-Agent'))).to.deep.equal(['two']);
  });
});
