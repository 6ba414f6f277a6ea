/**
 * The storage contract: every Storage driver runs this one suite.
 * `storageContract('S3Storage', async () => ({ storage, cleanup }))`.
 */
import { expect } from 'chai';
import { Readable } from 'node:stream';
import { FileNotFoundError, InvalidNameError } from '../../src/errors.js';
import type { Storage } from '../../storages/storage.js';
import { readAll } from '../support/streams.js';

export interface ContractSubject {
  storage: Storage;
  /** Whether files have a local absolute path (filesystem only). */
  local: boolean;
  /** Storage built with a baseUrl of `https://cdn.example/media/`. */
  withBaseUrl: Storage;
  cleanup?: () => Promise<void>;
}

export const HOSTILE_NAMES = [
  '',
  '../secret.txt',
  'a/../../secret.txt',
  'a/..',
  '/etc/passwd',
  'C:/Windows/win.ini',
  'a\\..\\b.txt',
  'nul\u0000byte.txt',
  'line\nbreak.txt',
  'tab\tname.txt',
  'a//b.txt',
  './a.txt',
  'folder/',
  '\ud800lone-surrogate.txt',
  `${'x'.repeat(300)}.txt`,
];

export function storageContract(label: string, make: () => Promise<ContractSubject>): void {
  describe(`${label} fulfils the storage contract`, function () {
    let subject: ContractSubject;
    let storage: Storage;

    beforeEach(async function () {
      subject = await make();
      storage = subject.storage;
    });
    afterEach(async function () {
      await subject.cleanup?.();
    });

    it('saves a string, and stat reports its byte size and a recent modification time', async function () {
      const before = Date.now() - 2000;
      expect(await storage.save('hello.txt', 'Hello wörld!\n')).to.equal('hello.txt');
      const stat = await storage.stat('hello.txt');
      expect(stat.size).to.equal(Buffer.byteLength('Hello wörld!\n'));
      expect(stat.modifiedTime).to.be.instanceOf(Date);
      expect(stat.modifiedTime.getTime()).to.be.within(before, Date.now() + 2000);
      expect((await readAll(await storage.open('hello.txt'))).toString()).to.equal('Hello wörld!\n');
    });

    it('saves bytes and keeps its own copy of them', async function () {
      const bytes = Uint8Array.from([0, 1, 2, 255]);
      await storage.save('bytes.bin', bytes);
      bytes[0] = 42;
      expect([...(await readAll(await storage.open('bytes.bin')))]).to.deep.equal([0, 1, 2, 255]);
    });

    it('saves a stream', async function () {
      await storage.save('stream.txt', Readable.from([Buffer.from('one '), Buffer.from('two')]));
      expect((await readAll(await storage.open('stream.txt'))).toString()).to.equal('one two');
    });

    it('overwrites a file saved under the same name', async function () {
      await storage.save('again.txt', 'first');
      await storage.save('again.txt', 'second!');
      expect((await readAll(await storage.open('again.txt'))).toString()).to.equal('second!');
      expect((await storage.stat('again.txt')).size).to.equal(7);
    });

    it('opens only the asked range, end inclusive', async function () {
      await storage.save('digits.txt', '0123456789');
      expect((await readAll(await storage.open('digits.txt', { start: 2, end: 5 }))).toString()).to.equal('2345');
      expect((await readAll(await storage.open('digits.txt', { start: 0, end: 0 }))).toString()).to.equal('0');
      expect((await readAll(await storage.open('digits.txt', { start: 9, end: 9 }))).toString()).to.equal('9');
    });

    it('clamps a range that runs past the end of the file', async function () {
      await storage.save('short.txt', 'abc');
      expect((await readAll(await storage.open('short.txt', { start: 1, end: 100 }))).toString()).to.equal('bc');
    });

    it('serves a 0-byte file', async function () {
      await storage.save('empty.txt', '');
      expect((await storage.stat('empty.txt')).size).to.equal(0);
      expect((await readAll(await storage.open('empty.txt'))).length).to.equal(0);
    });

    it('serves a file larger than one stream chunk intact', async function () {
      const big = Buffer.alloc(300 * 1024 + 7);
      for (let i = 0; i < big.length; i++) big[i] = (i * 31) % 251;
      await storage.save('big.bin', big);
      expect((await readAll(await storage.open('big.bin'))).equals(big)).to.equal(true);
      const part = await readAll(await storage.open('big.bin', { start: 70_000, end: 200_000 }));
      expect(part.equals(big.subarray(70_000, 200_001))).to.equal(true);
    });

    it('reports existence', async function () {
      await storage.save('here.txt', 'x');
      expect(await storage.exists('here.txt')).to.equal(true);
      expect(await storage.exists('not-here.txt')).to.equal(false);
    });

    it('rejects stat and open of a missing file with FileNotFoundError', async function () {
      for (const attempt of [() => storage.stat('missing.txt'), () => storage.open('missing.txt'), () => storage.open('no/such/folder.txt')]) {
        const error = await attempt().then(() => undefined, (e: unknown) => e);
        expect(error).to.be.instanceOf(FileNotFoundError);
        expect((error as FileNotFoundError).status).to.equal(404);
      }
    });

    it('deletes a file, and deleting a missing file is not an error', async function () {
      await storage.save('gone.txt', 'x');
      await storage.delete('gone.txt');
      expect(await storage.exists('gone.txt')).to.equal(false);
      await storage.delete('gone.txt');
      await storage.delete('never/was.txt');
    });

    it('lists every file, nested ones included, and filters by prefix', async function () {
      await storage.save('list/a.txt', 'a');
      await storage.save('list/sub/b.txt', 'b');
      await storage.save('lister.txt', 'c');
      await storage.save('other/c.txt', 'd');
      const all: string[] = [];
      for await (const name of storage.list()) all.push(name);
      expect(all.sort()).to.deep.equal(['lister.txt', 'list/a.txt', 'list/sub/b.txt', 'other/c.txt'].sort());
      const listed: string[] = [];
      for await (const name of storage.list('list/')) listed.push(name);
      expect(listed.sort()).to.deep.equal(['list/a.txt', 'list/sub/b.txt']);
      const prefixed: string[] = [];
      for await (const name of storage.list('list')) prefixed.push(name);
      expect(prefixed.sort()).to.deep.equal(['lister.txt', 'list/a.txt', 'list/sub/b.txt'].sort());
    });

    it('keeps Unicode names, nested folders and URL-special characters', async function () {
      const names = ['héllo wörld.txt', '日本語/資料.pdf', 'deep/a/b/c.txt', 'odd %+#?;"\'.txt'];
      for (const name of names) await storage.save(name, name);
      for (const name of names) expect((await readAll(await storage.open(name))).toString()).to.equal(name);
      const listed: string[] = [];
      for await (const name of storage.list()) listed.push(name);
      expect(listed.sort()).to.deep.equal([...names].sort());
    });

    it('refuses hostile names with InvalidNameError before any I/O, in every method', async function () {
      for (const name of HOSTILE_NAMES) {
        for (const [method, attempt] of [
          ['stat', () => storage.stat(name)],
          ['open', () => storage.open(name)],
          ['exists', () => storage.exists(name)],
          ['save', () => storage.save(name, 'x')],
          ['delete', () => storage.delete(name)],
          ['path', async () => storage.path(name)],
          ['url', async () => subject.withBaseUrl.url(name)],
        ] as const) {
          const error = await attempt().then(() => undefined, (e: unknown) => e);
          expect(error, `${method}(${JSON.stringify(name)})`).to.be.instanceOf(InvalidNameError);
          expect((error as InvalidNameError).status).to.equal(400);
        }
      }
    });

    it('gives a URL only with a baseUrl, each segment percent-encoded', async function () {
      expect(storage.url('a.txt')).to.equal(undefined);
      expect(subject.withBaseUrl.url('dir/héllo wörld #1?.txt')).to.equal('https://cdn.example/media/dir/h%C3%A9llo%20w%C3%B6rld%20%231%3F.txt');
    });

    it('gives an absolute local path only for local files', async function () {
      await storage.save('where.txt', 'x');
      const path = storage.path('where.txt');
      if (subject.local) {
        expect(path).to.be.a('string');
        expect(path!.startsWith('/')).to.equal(true);
        expect(path!.endsWith('/where.txt')).to.equal(true);
      } else {
        expect(path).to.equal(undefined);
      }
    });

    it('stops reading when the stream is destroyed early', async function () {
      await storage.save('abort.bin', Buffer.alloc(1024 * 1024, 7));
      const stream = await storage.open('abort.bin');
      await new Promise<void>((resolve) => stream.once('readable', () => resolve()));
      stream.destroy();
      await new Promise<void>((resolve) => (stream.closed ? resolve() : stream.once('close', () => resolve())));
      expect(stream.destroyed).to.equal(true);
    });
  });
}
