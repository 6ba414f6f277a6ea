/**
 * Issue 16: many files as one ZIP. Every archive here is checked by the real
 * extractors (unzip, 7z, bsdtar, Python's zipfile): they test it and extract
 * exactly the expected bytes under the expected, safe names.
 */
import { expect } from 'chai';
import Router from '@koa/router';
import { mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { FileSystemStorage, MemoryStorage, StorageFile, VirtualFile, HTTPFile } from '../../src/index.js';
import { zipDownload, type ZipDownloadOptions } from '../../src/zip/zipDownload.js';
import type { ZipEntry } from '../../src/zip/plan.js';
import { appWith, listen } from '../support/app.js';
import { checkArchive, requireExtractors } from './extractors.js';

const TIME = new Date('2024-05-06T07:08:10Z');

describe('zipDownload', function () {
  this.timeout(60_000);
  let work: string;
  let files: FileSystemStorage;

  before(async function () {
    await requireExtractors(this);
  });
  beforeEach(async function () {
    work = await mkdtemp(join(tmpdir(), 'kdv-zip-'));
    await mkdir(join(work, 'files', 'photos'), { recursive: true });
    files = new FileSystemStorage({ location: join(work, 'files') });
  });
  afterEach(() => rm(work, { recursive: true, force: true }));

  function served(entries: (ctx: unknown) => ZipEntry[] | undefined, options?: ZipDownloadOptions) {
    const router = new Router();
    router.get('/archive.zip', zipDownload(entries, options));
    return appWith(router.routes());
  }

  /** GETs the archive over real HTTP, saves it, and returns the response with its bytes. */
  async function fetchArchive(app: ReturnType<typeof appWith>, headers: Record<string, string> = {}) {
    const server = await listen(app);
    try {
      const res = await fetch(`${server.url}/archive.zip`, { headers });
      const body = Buffer.from(await res.arrayBuffer());
      const path = join(work, `download-${Math.random().toString(36).slice(2)}.zip`);
      await writeFile(path, body);
      return { res, body, path };
    } finally {
      await server.close();
    }
  }

  it('streams stored files from several storages with the exact Content-Length, and every extractor gets the same bytes', async function () {
    const memory = new MemoryStorage();
    const photo = Buffer.from(Array.from({ length: 300_000 }, (_, i) => (i * 7919) % 251));
    await files.save('photos/cat.jpg', photo);
    await files.save('notes.txt', 'filesystem\n');
    await memory.save('memo.txt', 'memory\n');
    const upstream = await listen(appWith((ctx) => void ((ctx.body = 'from http\n'), ctx.set('Last-Modified', TIME.toUTCString()))));
    try {
      const app = served(() => [
        { name: 'notes.txt', file: new StorageFile(files, 'notes.txt') },
        { name: 'pictures/cat.jpg', file: new StorageFile(files, 'photos/cat.jpg') },
        { name: 'memo.txt', file: new StorageFile(memory, 'memo.txt') },
        { name: 'http.txt', file: new HTTPFile(`${upstream.url}/x`) },
        { name: 'virtual.csv', file: new VirtualFile({ name: 'v.csv', content: 'a,b\n1,2\n', modifiedTime: TIME }) },
        { name: 'empty/' },
      ]);
      const { res, body, path } = await fetchArchive(app);
      expect(res.status).to.equal(200);
      expect(res.headers.get('content-type')).to.equal('application/zip');
      expect(res.headers.get('content-disposition')).to.equal('attachment; filename=download.zip');
      expect(Number(res.headers.get('content-length'))).to.equal(body.length);
      expect(res.headers.get('transfer-encoding')).to.equal(null);
      // Small archives stay plain zip: no ZIP64 end record, no ZIP64 extra.
      expect(body.includes(Buffer.from([0x50, 0x4b, 0x06, 0x06]))).to.equal(false);
      await checkArchive(path, join(work, 'x'), {
        'notes.txt': 'filesystem\n', 'pictures/cat.jpg': photo, 'memo.txt': 'memory\n', 'http.txt': 'from http\n', 'virtual.csv': 'a,b\n1,2\n',
      });
    } finally {
      await upstream.close();
    }
  });

  it('keeps Unicode names exact, UTF-8 flagged, and makes duplicates unique predictably', async function () {
    const names = ['日本語/レポート.txt', 'Ελληνικά.txt', 'emoji 🎉.txt', 'café.txt', 'cafe\u0301.txt', 'a.txt', 'A.txt', 'a.txt', 'a (2).txt'];
    const app = served(() => names.map((name, index) => ({ name, file: new VirtualFile({ name, content: `${index}` }) })));
    const { body, path } = await fetchArchive(app);
    // Every local header has bit 11 (UTF-8) set.
    for (let at = body.indexOf('PK\x03\x04'); at >= 0; at = body.indexOf('PK\x03\x04', at + 4)) expect(body.readUInt16LE(at + 6) & 0x0800).to.equal(0x0800);
    await checkArchive(path, join(work, 'x'), {
      '日本語/レポート.txt': '0', 'Ελληνικά.txt': '1', 'emoji 🎉.txt': '2', 'café.txt': '3', 'cafe\u0301 (2).txt': '4',
      'a.txt': '5', 'A (3).txt': '6', 'a (4).txt': '7', 'a (2).txt': '8',
    });
  });

  it('makes hostile names safe: no climbing out, no absolute path, no drive, no backslash, no control character', async function () {
    const hostile = ['../../escape.txt', '/etc/passwd', 'C:\\Windows\\win.ini', 'a/../../b.txt', 'ctl\u0001\u001b[31mred.txt', '..\\..\\back.txt', 'dir/./x.txt', 'rtl\u202etxt.exe', '', '..', 'trailing. '];
    const app = served(() => hostile.map((name, index) => ({ name, file: new VirtualFile({ name: 'x', content: `${index}` }) })));
    const { path } = await fetchArchive(app);
    await checkArchive(path, join(work, 'x'), {
      'escape.txt': '0', 'etc/passwd': '1', 'Windows/win.ini': '2', 'a/b.txt': '3', 'ctl__[31mred.txt': '4', 'back.txt': '5',
      'dir/x.txt': '6', 'rtl_txt.exe': '7', 'file': '8', 'file (2)': '9', 'trailing': '10',
    });
  });

  it('deflates the entries that ask for it: no length is sent, the archive is chunked and still whole', async function () {
    const text = 'compressible line of text\n'.repeat(20_000);
    const app = served(() => [
      { name: 'text.txt', file: new VirtualFile({ name: 't', content: text }), compress: true },
      { name: 'fast.txt', file: new VirtualFile({ name: 't', content: text }), compress: 1 },
      { name: 'raw.bin', file: new VirtualFile({ name: 'r', content: Buffer.alloc(1000, 1) }) },
    ]);
    const { res, body, path } = await fetchArchive(app);
    expect(res.headers.get('content-length')).to.equal(null);
    expect(res.headers.get('accept-ranges')).to.equal(null);
    expect(body.length).to.be.below(text.length / 10);
    await checkArchive(path, join(work, 'x'), { 'text.txt': text, 'fast.txt': text, 'raw.bin': Buffer.alloc(1000, 1) });
  });

  it('streams a file of unknown size (a generated stream), with a ZIP64 descriptor since its size cannot be bounded', async function () {
    const app = served(() => [
      { name: 'rows.csv', file: new VirtualFile({ name: 'rows.csv', stream: () => (function* () { for (let i = 0; i < 1000; i++) yield `${i},row\n`; })() }) },
      { name: 'after.txt', file: new VirtualFile({ name: 'a', content: 'after' }) },
    ]);
    const { res, path } = await fetchArchive(app);
    expect(res.headers.get('content-length')).to.equal(null);
    await checkArchive(path, join(work, 'x'), { 'rows.csv': Array.from({ length: 1000 }, (_, i) => `${i},row\n`).join(''), 'after.txt': 'after' });
  });

  it('takes the options of the other routes: basename, attachment, cacheControl; HEAD; 304; 404 without entries', async function () {
    await files.save('a.txt', 'a');
    const app = served((ctx) => ((ctx as { query: { none?: string } }).query.none ? undefined : [{ name: 'a.txt', file: new StorageFile(files, 'a.txt') }]), {
      basename: 'Rapport été.zip', attachment: false, cacheControl: 'private, max-age=60',
    });
    const get = await request(app.callback()).get('/archive.zip');
    expect(get.status).to.equal(200);
    expect(get.headers['content-disposition']).to.equal(`inline; filename="Rapport ete.zip"; filename*=UTF-8''Rapport%20%C3%A9t%C3%A9.zip`);
    expect(get.headers['cache-control']).to.equal('private, max-age=60');
    expect(get.headers['etag']).to.match(/^"zip-[\w-]+"$/);
    expect(get.headers['accept-ranges']).to.equal('bytes');
    const head = await request(app.callback()).head('/archive.zip');
    expect(head.status).to.equal(200);
    expect(head.headers['content-length']).to.equal(get.headers['content-length']);
    expect(head.headers['etag']).to.equal(get.headers['etag']);
    const notModified = await request(app.callback()).get('/archive.zip').set('If-None-Match', get.headers['etag']!);
    expect(notModified.status).to.equal(304);
    expect(notModified.headers['content-disposition']).to.equal(undefined);
    expect((await request(app.callback()).get('/archive.zip?none=1')).status).to.equal(404);
  });

  it('answers with the storage error before any byte when an entry is missing at stat time', async function () {
    const app = served(() => [{ name: 'gone.txt', file: new StorageFile(files, 'gone.txt') }]);
    const res = await request(app.callback()).get('/archive.zip');
    expect(res.status).to.equal(404);
    expect(res.headers['content-disposition']).to.equal(undefined);
  });

  it('is byte-for-byte the same archive on every request, with fixed timestamps from each file', async function () {
    await files.save('a.txt', 'a');
    const entries = () => [
      { name: 'a.txt', file: new StorageFile(files, 'a.txt') },
      { name: 'v.txt', file: new VirtualFile({ name: 'v', content: 'v', modifiedTime: TIME }), crc32: 0x6b643b84 },
    ];
    const first = await fetchArchive(served(entries, { crcCache: false }));
    const second = await fetchArchive(served(entries, { crcCache: false }));
    expect(second.body.equals(first.body)).to.equal(true);
    expect(second.res.headers.get('etag')).to.equal(first.res.headers.get('etag'));
    await checkArchive(first.path, join(work, 'x'), { 'a.txt': 'a', 'v.txt': 'v' });
  });
});
