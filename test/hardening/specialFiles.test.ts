/**
 * Issue 11: a FIFO, a socket or a device in a storage folder is no file to
 * download. Opening a FIFO for reading waits for a writer, inside libuv's
 * thread pool: a handful of such requests once froze every download of the
 * server. Each must be a 404 at once, and the folder's files stay servable.
 */
import { expect } from 'chai';
import Router from '@koa/router';
import { execFileSync } from 'node:child_process';
import { closeSync, constants, openSync } from 'node:fs';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { FileSystemStorage, storageDownload } from '../../src/index.js';
import { FileNotFoundError } from '../../src/errors.js';
import { appWith, listen } from '../support/app.js';

// Far above a 404 from local disk, far below mocha's timeout: a hang fails the test instead of stalling the run.
const AT_ONCE_MS = 2000;

/** `attempt`'s outcome, or 'still waiting' once AT_ONCE_MS have passed. */
function within<T>(attempt: Promise<T>): Promise<T | string> {
  return Promise.race([attempt, sleep(AT_ONCE_MS, 'still waiting', { ref: false })]);
}

/**
 * Opens the FIFO for writing until no reader waits on it: a read-side open
 * that blocked (the bug) then returns, and frees its thread-pool thread for
 * the rest of the run.
 */
async function releaseReaders(fifo: string): Promise<void> {
  for (let quiet = 0; quiet < 2; ) {
    try {
      closeSync(openSync(fifo, constants.O_WRONLY | constants.O_NONBLOCK));
      quiet = 0;
    } catch {
      quiet++; // ENXIO: nobody is reading.
    }
    await sleep(50);
  }
}

describe('Hardening: FIFOs, sockets and devices in a storage folder', function () {
  let folder: string;
  let socketServer: Server;
  let storage: FileSystemStorage;
  let server: Awaited<ReturnType<typeof listen>>;

  beforeEach(async function () {
    folder = await mkdtemp(join(tmpdir(), 'kdv-special-'));
    await writeFile(join(folder, 'file.txt'), 'hello');
    await mkdir(join(folder, 'sub'));
    // In the folder and below it: a storage opens these two by different calls.
    execFileSync('mkfifo', [join(folder, 'pipe'), join(folder, 'sub', 'pipe')]);
    socketServer = createServer();
    await new Promise<void>((resolve) => socketServer.listen(join(folder, 'socket'), resolve));
    await symlink('/dev/zero', join(folder, 'zero'));
    storage = new FileSystemStorage({ location: folder });
    const router = new Router();
    router.all('/media/*path', storageDownload({ storage }));
    router.all('/trusting/*path', storageDownload({ storage: new FileSystemStorage({ location: folder, followSymlinksOutside: true }) }));
    server = await listen(appWith(router.routes()));
  });
  afterEach(async function () {
    await releaseReaders(join(folder, 'pipe'));
    await releaseReaders(join(folder, 'sub', 'pipe'));
    await server.close();
    await new Promise((resolve) => socketServer.close(resolve));
    await rm(folder, { recursive: true, force: true });
  });

  const status = (path: string, method = 'GET') =>
    within(fetch(`${server.url}${path}`, { method }).then(async (res) => (await res.arrayBuffer(), res.status)));

  it('answers six concurrent GETs of a FIFO with 404 at once, and the next download is served at once', async function () {
    expect(await Promise.all(Array.from({ length: 6 }, () => status('/media/pipe')))).to.deep.equal(Array(6).fill(404));
    expect(await within(fetch(`${server.url}/media/file.txt`).then((res) => res.text()))).to.equal('hello');
  });

  it('answers 404 at once to GET and HEAD of a FIFO, a socket and a device, with symlinks followed out or not', async function () {
    const answers: Record<string, unknown> = {};
    for (const path of ['/media/pipe', '/media/sub/pipe', '/media/socket', '/trusting/pipe', '/trusting/socket', '/trusting/zero']) {
      answers[path] = [await status(path), await status(path, 'HEAD')];
    }
    expect(answers).to.deep.equal(Object.fromEntries(Object.keys(answers).map((path) => [path, [404, 404]])));
  });

  it('reports a FIFO and a socket missing from every look-up, and never lists them', async function () {
    const outcome = (attempt: Promise<unknown>) =>
      within(attempt.then(() => 'found', (error: Error) => (error instanceof FileNotFoundError ? 'FileNotFoundError' : error.message)));
    for (const name of ['pipe', 'sub/pipe', 'socket']) {
      const found = {
        stat: await outcome(storage.stat(name)),
        // After stat, the look-up before an Apache or Caddy hand-off is made synchronously.
        lookUp: await outcome(Promise.resolve().then(() => storage.lookUp(name))),
        open: await outcome(storage.open(name)),
        openStat: await outcome(storage.openStat(name)),
        exists: await within(storage.exists(name)),
      };
      expect(found, name).to.deep.equal({ stat: 'FileNotFoundError', lookUp: 'FileNotFoundError', open: 'FileNotFoundError', openStat: 'FileNotFoundError', exists: false });
    }
    const listed: string[] = [];
    for await (const name of storage.list()) listed.push(name);
    expect(listed).to.deep.equal(['file.txt']);
  });
});
