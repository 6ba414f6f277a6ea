/**
 * Issue 6, promise 1: no request path, however encoded, serves a byte from
 * outside the root, and none is answered with a 500. Every route that names
 * a file from the request is attacked: pathDownload, storageDownload over
 * the filesystem, memory and S3 (with a key prefix as its root), and the
 * xSendfile rules that turn a file into a header for the proxy.
 */
import { expect } from 'chai';
import Router from '@koa/router';
import fc from 'fast-check';
import type { Middleware } from 'koa';
import { join, posix, relative, resolve } from 'node:path';
import { Readable } from 'node:stream';
import request from 'supertest';
import { startEmbeddedS3, type EmbeddedS3 } from '../../demo/s3.js';
import { FileSystemStorage, MemoryStorage, download, pathDownload, storageDownload, xSendfile, type DownloadFile, type Rule } from '../../src/index.js';
import { InvalidNameError } from '../../src/errors.js';
import { S3Storage } from '../../storages/s3.js';
import { HOSTILE_NAMES } from '../storages/contract.js';
import { appWith } from '../support/app.js';
import { INSIDE, SECRET, TRAVERSALS, attackTree, type AttackTree } from './tree.js';

/** Status and body of one attack, with what went wrong if anything. */
function judge(res: request.Response): string | undefined {
  if (![400, 404].includes(res.status)) return `answered ${res.status}`;
  if (res.text.includes(SECRET)) return 'leaked the secret';
  return undefined;
}

describe('Hardening: hostile paths', function () {
  let tree: AttackTree;
  let s3: EmbeddedS3;
  let app: ReturnType<typeof appWith>;
  const prefixes = ['/path/', '/filesystem/', '/memory/', '/s3/'];

  before(async function () {
    tree = await attackTree();
    s3 = await startEmbeddedS3();
    // In the bucket the root is the key prefix `root/`; the secrets lie beside it.
    const bucketRoot = new S3Storage({ bucket: s3.bucket, clientConfig: s3.clientConfig, prefix: 'root/' });
    await bucketRoot.save('a.txt', INSIDE);
    await bucketRoot.save('sub/b.txt', INSIDE);
    await s3.storage.save('secret.txt', SECRET);
    await s3.storage.save('root-sibling/secret.txt', SECRET);
    const memory = new MemoryStorage();
    await memory.save('a.txt', INSIDE);
    await memory.save('sub/b.txt', INSIDE);

    const router = new Router();
    router.get('/path/*path', pathDownload({ root: tree.root }));
    router.get('/filesystem/*path', storageDownload({ storage: new FileSystemStorage({ location: tree.root }) }));
    router.get('/memory/*path', storageDownload({ storage: memory }));
    router.get('/s3/*path', storageDownload({ storage: bucketRoot }));
    router.get('/query', pathDownload({ root: tree.root, path: (ctx) => String(ctx.query['p']) }));
    app = appWith(router.routes());
  });
  after(async function () {
    await s3.stop();
    await tree.cleanup();
  });

  it('serves the files inside the root on every route (so that a refusal below means something)', async function () {
    for (const prefix of prefixes) {
      for (const name of ['a.txt', 'sub/b.txt']) {
        const res = await request(app.callback()).get(prefix + name);
        expect([res.status, res.text], prefix + name).to.deep.equal([200, INSIDE]);
      }
    }
  });

  it('answers every traversal of the corpus with 400 or 404 on every route: no foreign byte, no 500', async function () {
    this.timeout(60_000);
    const failures: string[] = [];
    for (const prefix of prefixes) {
      for (const attack of [...TRAVERSALS, ...HOSTILE_NAMES.filter((name) => name.isWellFormed() && name !== '').map(encodeURIComponent)]) {
        const verdict = judge(await request(app.callback()).get(prefix + attack));
        if (verdict) failures.push(`${prefix}${attack.slice(0, 60)}: ${verdict}`);
      }
    }
    expect(failures).to.deep.equal([]);
    expect(app.errors.filter((error) => (error as { status?: number }).status! >= 500)).to.deep.equal([]);
  });

  it('pathDownload with a path from the request refuses absolute paths outside the root, its prefix-sharing sibling, and symlinks out', async function () {
    const attacks = [
      join(tree.top, 'secret.txt'),
      join(tree.sibling, 'secret.txt'),
      `${tree.root}/../secret.txt`,
      `${tree.root}/sub/../../secret.txt`,
      `${tree.root}/link.txt`,
      `${tree.root}/parent/secret.txt`,
      `${tree.root}/sub/sibling/secret.txt`,
      '/etc/passwd',
      '../root-sibling/secret.txt',
      tree.root,
    ];
    for (const p of attacks) {
      const res = await request(app.callback()).get('/query').query({ p });
      expect(judge(res), p).to.equal(undefined);
    }
    expect((await request(app.callback()).get('/query').query({ p: `${tree.root}/sub/../a.txt` })).text).to.equal(INSIDE);
  });

  it('never resolves a generated name outside the filesystem root (property)', async function () {
    this.timeout(60_000);
    const storage = new FileSystemStorage({ location: tree.root });
    const piece = fc.constantFrom('..', '.', '', 'a.txt', 'sub', 'b.txt', 'link.txt', 'parent', 'sibling', 'secret.txt', '..\\', '%2e%2e', '%2f', '\u0000', '\uff0e\uff0e', 'root-sibling', '/', 'C:', '\u202e');
    const name = fc.array(piece, { minLength: 1, maxLength: 8 }).map((pieces) => pieces.join('/'));
    let served = 0;
    await fc.assert(
      fc.asyncProperty(name, async (generated) => {
        let path: string;
        try {
          path = storage.path(generated);
        } catch (error) {
          expect(error).to.be.instanceOf(InvalidNameError);
          return;
        }
        served++;
        const inside = relative(tree.root, resolve(path));
        expect(inside.startsWith('..') || inside === '', `${generated} → ${path}`).to.equal(false);
        const res = await request(app.callback()).get(`/filesystem/${generated.split('/').map(encodeURIComponent).join('/')}`);
        expect(res.text).to.not.include(SECRET);
        expect([200, 400, 404]).to.include(res.status);
      }),
      { numRuns: 300 },
    );
    // Enough names were valid to reach the disk, so that the property was tested, not just validateName.
    expect(served).to.be.above(30);
  });

  describe('xSendfile rules', function () {
    const destinationDir = '/srv/protected';
    const destinationUrl = '/protected/';
    const sourceUrl = 'https://cdn.example/media/';

    // Header values leave Node as latin1 bytes; these proxies read them as UTF-8.
    const rawBytes = (value: string) => Buffer.from(value, 'latin1').toString('utf8');
    /** Where each proxy reads the file it is told to send: the header, decoded as that proxy decodes it. */
    const readers: { label: string; rule: Omit<Rule, 'sourceDir' | 'sourceUrl'>; header: string; decode: (value: string) => string; base: string }[] = [
      { label: 'nginx', rule: { backend: 'nginx', destinationUrl }, header: 'x-accel-redirect', decode: decodeURIComponent, base: destinationUrl },
      // Caddy's rewrite takes the raw path, and a `?` starts the query.
      { label: 'caddy', rule: { backend: 'caddy', destinationUrl }, header: 'x-accel-redirect', decode: (value) => rawBytes(value).split('?')[0]!, base: destinationUrl },
      { label: 'lighttpd', rule: { backend: 'lighttpd', destinationDir }, header: 'x-sendfile', decode: decodeURIComponent, base: `${destinationDir}/` },
      { label: 'apache', rule: { backend: 'apache', destinationDir }, header: 'x-sendfile', decode: rawBytes, base: `${destinationDir}/` },
      { label: 'apache percentEncode', rule: { backend: 'apache', destinationDir, percentEncode: true }, header: 'x-sendfile', decode: decodeURIComponent, base: `${destinationDir}/` },
    ];

    /** A file that streams STREAMED when no rule takes it. */
    /** A file at a path, or at a URL; one at a URL is on local disk too (under no sourceDir here), as only such files are offloaded. */
    function fileAt(location: { path?: string; url?: string }): DownloadFile {
      return { name: 'file.txt', ...(location.url !== undefined && { path: '/srv/elsewhere/file.txt' }), ...location, stat: async () => ({ size: 8 }), open: async () => Readable.from([Buffer.from('STREAMED')]) };
    }

    async function offload(middleware: Middleware, file: DownloadFile, header: string): Promise<string | undefined> {
      const res = await request(appWith(middleware, download(() => file)).callback()).get('/');
      expect(res.status).to.equal(200);
      return res.headers[header] as string | undefined;
    }

    /** The header names a file strictly below the destination: no `..`, `.` or empty segment, no control character. */
    function assertConfined(value: string | undefined, decode: (value: string) => string, base: string, what: string): void {
      if (value === undefined) return;
      const decoded = decode(value);
      expect(decoded.startsWith(base), `${what} → ${decoded}`).to.equal(true);
      const rest = decoded.slice(base.length);
      expect(rest.split('/').some((segment) => ['', '.', '..'].includes(segment)), `${what} → ${decoded}`).to.equal(false);
      expect(/[\u0000-\u001f\u007f]/.test(decoded), `${what} → ${JSON.stringify(decoded)}`).to.equal(false);
      expect(posix.normalize(decoded)).to.equal(decoded);
    }

    it('never offload a path outside sourceDir, in its prefix-sharing sibling, or climbing out with dot segments', async function () {
      const sourceDir = '/srv/media';
      const attacks = ['/srv/media-sibling/secret.txt', '/srv/media/../secret.txt', '/srv/media/a/../../secret.txt', '/srv/media/./a.txt', '/srv/media//a.txt', '/srv/media/a\r\nX-Injected: 1', '/srv/mediasecret.txt', '/srv/media', '/srv/media/'];
      for (const reader of readers) {
        for (const path of attacks) {
          expect(await offload(xSendfile({ ...reader.rule, sourceDir }), fileAt({ path }), reader.header), `${reader.label} ${path}`).to.equal(undefined);
        }
        expect(await offload(xSendfile({ ...reader.rule, sourceDir }), fileAt({ path: '/srv/media/sub/a.txt' }), reader.header), reader.label).to.be.a('string');
      }
    });

    it('never offload a URL whose encoded rest climbs out, merges segments, or is not valid percent-encoding', async function () {
      const attacks = ['%2e%2e/secret.txt', '..%2fsecret.txt', 'a%2F..%2F..%2Fsecret.txt', '%2E/a.txt', 'a/%2e%2e/%2e%2e/secret.txt', 'a%00.txt', 'a%0d%0aX-Injected:%201', '%c0%ae%c0%ae/secret.txt', '%e0%80%ae/a.txt', '%ed%a0%80.txt', 'a.txt?x=1', 'a.txt#frag'];
      for (const reader of readers) {
        for (const rest of attacks) {
          expect(await offload(xSendfile({ ...reader.rule, sourceUrl }), fileAt({ url: sourceUrl + rest }), reader.header), `${reader.label} ${rest}`).to.equal(undefined);
        }
        expect(await offload(xSendfile({ ...reader.rule, sourceUrl }), fileAt({ url: `${sourceUrl}sub/h%C3%A9llo.txt` }), reader.header), reader.label).to.be.a('string');
      }
    });

    it('never put a path outside the destination into X-Sendfile or X-Accel-Redirect, whatever the path or URL (property)', async function () {
      this.timeout(60_000);
      const piece = fc.oneof(
        fc.constantFrom('..', '.', '', '%2e%2e', '%2E', '%2f', '%2F', '%5c', '\\', '%00', '\r\n', '%0a', '%c0%ae', '%', '%%', '?', '#', ';', 'é', '%C3%A9', '\u202e', '\ud800', '\uff0e\uff0e'),
        fc.string({ unit: 'grapheme', maxLength: 6 }),
      );
      const rest = fc.array(fc.tuple(piece, fc.constantFrom('/', '')), { minLength: 1, maxLength: 6 }).map((parts) => parts.map(([text, slash]) => text + slash).join(''));
      const middlewares = readers.map((reader) => ({ reader, byDir: xSendfile({ ...reader.rule, sourceDir: '/srv/media' }), byUrl: xSendfile({ ...reader.rule, sourceUrl }) }));
      let offloaded = 0;
      await fc.assert(
        fc.asyncProperty(rest, fc.constantFrom(...middlewares), async (generated, { reader, byDir, byUrl }) => {
          for (const [middleware, location] of [[byDir, { path: `/srv/media/${generated}` }], [byUrl, { url: sourceUrl + generated }]] as const) {
            const value = await offload(middleware, fileAt(location), reader.header);
            if (value !== undefined) offloaded++;
            assertConfined(value, reader.decode, reader.base, `${reader.label} ${JSON.stringify(location)}`);
          }
        }),
        { numRuns: 400 },
      );
      // Many generated names were offloaded, so the confinement was checked, not just the refusal.
      expect(offloaded).to.be.above(100);
    });
  });
});
