/**
 * Issue 6, promise 4: when something breaks under a download, the client
 * gets a clean error status or an aborted response (never a short body that
 * looks whole), Koa emits 'error' (the log line), and the next request succeeds.
 */
import { expect } from 'chai';
import Router from '@koa/router';
import { mkdtemp, rm, truncate, unlink, writeFile } from 'node:fs/promises';
import { createServer, get, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { startEmbeddedS3, type EmbeddedS3 } from '../../demo/s3.js';
import { FileSystemStorage, MemoryStorage, StorageError, httpDownload, storageDownload } from '../../src/index.js';
import type { ByteRange } from '../../storages/storage.js';
import { appWith, listen } from '../support/app.js';
import { CountingStorage } from '../support/countingStorage.js';

const SIZE = 4 * 1024 * 1024;
const CONTENT = Buffer.alloc(SIZE, 'F');

interface Outcome {
  /** 0 when the connection was cut before a status line. */
  status: number;
  /** 'complete' when every announced byte arrived; 'aborted' when the connection was cut. */
  end: 'complete' | 'aborted';
  bytes: number;
}

/** One download; `onFirstChunk` runs once the body has started to flow. */
function download(url: string, onFirstChunk?: () => unknown): Promise<Outcome> {
  return new Promise((resolve) => {
    get(url, (res) => {
      let bytes = 0;
      res.once('data', () => void onFirstChunk?.());
      res.on('data', (chunk: Buffer) => (bytes += chunk.length));
      res.on('close', () => resolve({ status: res.statusCode!, end: res.complete ? 'complete' : 'aborted', bytes }));
    }).on('error', () => resolve({ status: 0, end: 'aborted', bytes: 0 }));
  });
}

/** A clean error is a whole error response; an aborted one must not pass for the file. */
function expectCleanFailure(outcome: Outcome, cleanStatus: number): void {
  if (outcome.end === 'complete') {
    expect(outcome.status, 'a complete response must be an error status').to.equal(cleanStatus);
  } else {
    expect(outcome.bytes, 'an aborted response is short').to.be.below(SIZE);
  }
}

describe('Hardening: faults', function () {
  this.timeout(30_000);
  let folder: string;
  let server: Awaited<ReturnType<typeof listen>>;
  let app: ReturnType<typeof appWith>;
  const router = new Router();

  before(async function () {
    folder = await mkdtemp(join(tmpdir(), 'kdv-faults-'));
    app = appWith(router.routes());
    server = await listen(app);
  });
  after(async function () {
    await server.close();
    await rm(folder, { recursive: true, force: true });
  });
  beforeEach(async function () {
    await writeFile(join(folder, 'file.bin'), CONTENT);
    app.errors.length = 0;
  });

  /** The next download of `path` is whole. */
  async function nextSucceeds(path: string): Promise<void> {
    await writeFile(join(folder, 'file.bin'), CONTENT);
    const next = await download(`${server.url}${path}`);
    expect(next).to.deep.equal({ status: 200, end: 'complete', bytes: SIZE });
  }

  it('S3 stops mid-stream: the response is aborted, the error logged, and the download works once S3 is back', async function () {
    const directory = await mkdtemp(join(tmpdir(), 'kdv-faults-s3-'));
    let s3: EmbeddedS3 = await startEmbeddedS3({ directory });
    try {
      await s3.storage.save('file.bin', CONTENT);
      const storage = s3.storage;
      router.get('/s3', storageDownload({ storage, name: 'file.bin' }));
      const outcome = await download(`${server.url}/s3`, () => s3.stop());
      expect(outcome.end).to.equal('aborted');
      expect(app.errors).to.have.length.above(0);
      s3 = await startEmbeddedS3({ directory, port: s3.port });
      await nextSucceeds('/s3');
    } finally {
      await s3.stop();
      await rm(directory, { recursive: true, force: true });
    }
  });

  // The body opens only when Koa starts writing it (so that an offload can drop it unopened):
  // by then the 200 is decided, and a file gone missing can only cut the connection.
  it('a file deleted between stat and open: the connection is cut before any byte, logged, and the next request succeeds', async function () {
    let deleteBeforeOpen = true;
    const storage = new (class extends CountingStorage {
      override async open(name: string, range?: ByteRange): Promise<Readable> {
        if (deleteBeforeOpen) await unlink(join(folder, name));
        deleteBeforeOpen = false;
        return super.open(name, range);
      }
    })(new FileSystemStorage({ location: folder }));
    router.get('/deleted', storageDownload({ storage, name: 'file.bin' }));
    const outcome = await download(`${server.url}/deleted`);
    expect(storage.stats).to.deep.equal(['file.bin']);
    expect(outcome).to.deep.equal({ status: 0, end: 'aborted', bytes: 0 });
    expect(app.errors.map((error) => error.name)).to.include('FileNotFoundError');
    await nextSucceeds('/deleted');
  });

  it('a file truncated while it streams: the response is aborted rather than short, logged, and the next request succeeds', async function () {
    router.get('/truncated', storageDownload({ storage: new FileSystemStorage({ location: folder }), name: 'file.bin' }));
    const outcome = await download(`${server.url}/truncated`, () => truncate(join(folder, 'file.bin'), 1000));
    expect(outcome.end).to.equal('aborted');
    expect(app.errors.map((error) => error.message).join()).to.match(/shrank/);
    await nextSucceeds('/truncated');
  });

  describe('an HTTPFile upstream that hangs', function () {
    let upstream: Server;
    let mode: 'hang-before-headers' | 'hang-mid-body' | 'healthy';

    before(async function () {
      upstream = createServer((req, res) => {
        if (mode === 'hang-before-headers') return;
        res.writeHead(200, { 'Content-Length': SIZE });
        if (req.method === 'HEAD') return void res.end();
        if (mode === 'healthy') return void res.end(CONTENT);
        res.write(CONTENT.subarray(0, 64 * 1024));
      });
      await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
      router.get('/upstream', httpDownload({ url: `http://127.0.0.1:${(upstream.address() as AddressInfo).port}/file.bin`, timeout: 300 }));
    });
    after(async function () {
      upstream.closeAllConnections();
      await new Promise((resolve) => upstream.close(resolve));
    });

    it('before its headers: a clean 502 once the timeout passes, logged, and the next request succeeds', async function () {
      mode = 'hang-before-headers';
      const started = Date.now();
      const outcome = await download(`${server.url}/upstream`);
      expect(Date.now() - started).to.be.within(250, 5000);
      expect(outcome).to.deep.equal({ status: 502, end: 'complete', bytes: 'Bad Gateway'.length });
      expect(app.errors.map((error) => error.name)).to.deep.equal(['StorageError']);
      mode = 'healthy';
      await nextSucceeds('/upstream');
    });

    it('in the middle of its body: the response is aborted once the timeout passes, logged, and the next request succeeds', async function () {
      mode = 'hang-mid-body';
      const started = Date.now();
      const outcome = await download(`${server.url}/upstream`);
      expect(Date.now() - started).to.be.within(250, 5000);
      expect(outcome.end).to.equal('aborted');
      expect(outcome.bytes).to.be.below(SIZE);
      expect(app.errors.map((error) => error.message).join()).to.match(/no answer within 300 ms/);
      mode = 'healthy';
      await nextSucceeds('/upstream');
    });
  });

  describe('a storage that throws', function () {
    const memory = new MemoryStorage();
    let failure: 'stat-rejects' | 'stat-throws' | 'open-rejects' | 'stream-errors' | undefined;
    const storage = new (class extends CountingStorage {
      override stat(name: string) {
        if (failure === 'stat-throws') throw new TypeError('synchronous bug in stat');
        if (failure === 'stat-rejects') return Promise.reject(new StorageError('stat failed', { status: 502 }));
        return super.stat(name);
      }
      override async open(name: string, range?: ByteRange): Promise<Readable> {
        if (failure === 'open-rejects') throw new StorageError('open failed', { status: 502 });
        const stream = await super.open(name, range);
        if (failure !== 'stream-errors') return stream;
        // Fails after a few chunks: the response has started and can only be cut.
        return Readable.from(
          (async function* () {
            let sent = 0;
            for await (const chunk of stream as AsyncIterable<Buffer>) {
              if ((sent += chunk.length) > 256 * 1024) throw new StorageError('read failed mid-stream', { status: 502 });
              yield chunk;
            }
          })(),
        );
      }
    })(memory);

    before(async function () {
      await memory.save('file.bin', CONTENT);
      router.get('/throwing', storageDownload({ storage, name: 'file.bin' }));
    });

    const cases = [
      { failure: 'stat-rejects', clean: 502, logged: 'stat failed' },
      { failure: 'stat-throws', clean: 500, logged: 'synchronous bug in stat' },
      { failure: 'open-rejects', clean: 502, logged: 'open failed' },
      { failure: 'stream-errors', clean: 502, logged: 'read failed mid-stream' },
    ] as const;
    for (const { failure: kind, clean, logged } of cases) {
      it(`${kind}: a clean ${clean} or an aborted response, logged, and the next request succeeds`, async function () {
        failure = kind;
        const outcome = await download(`${server.url}/throwing`);
        expectCleanFailure(outcome, clean);
        expect(outcome.status === 200 && outcome.end === 'complete', 'never a whole-looking 200').to.equal(false);
        expect(app.errors.map((error) => error.message)).to.include(logged);
        failure = undefined;
        const next = await download(`${server.url}/throwing`);
        expect(next).to.deep.equal({ status: 200, end: 'complete', bytes: SIZE });
      });
    }
  });
});
