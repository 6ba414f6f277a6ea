/**
 * Issue 11, item 2: an error answer never shows where the files are. Every
 * error path of every route and storage is walked, and no status line,
 * header or body may contain a server path (the root, the storage location,
 * its real path, the S3 endpoint and its folder, the upstream URL). An error
 * answer carries no Content-Disposition either: nothing is saved as the file.
 */
import { expect } from 'chai';
import Router from '@koa/router';
import type { Middleware } from 'koa';
import { mkdtemp, mkdir, realpath, rm, symlink, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { startEmbeddedS3, type EmbeddedS3 } from '../../demo/s3.js';
import { FileSystemStorage, MemoryStorage, StorageFile, download, httpDownload, pathDownload, storageDownload, virtualDownload } from '../../src/index.js';
import { S3Storage } from '../../storages/s3.js';
import { appWith } from '../support/app.js';

interface Case {
  route: string;
  url: string;
  headers?: Record<string, string>;
  status: number;
}

describe('Error answers reveal no server path', function () {
  let top: string;
  let root: string;
  let s3: EmbeddedS3;
  let upstream: Server;
  let upstreamUrl: string;
  let secrets: string[];

  before(async function () {
    top = await mkdtemp(join(tmpdir(), 'kdv-private-exports-'));
    root = join(top, 'root');
    await mkdir(join(root, 'folder'), { recursive: true });
    await writeFile(join(root, 'file.txt'), 'file');
    await writeFile(join(top, 'outside.txt'), 'SECRET');
    await symlink(join(top, 'outside.txt'), join(root, 'link-out.txt'));
    s3 = await startEmbeddedS3();
    await s3.storage.save('file.txt', 'file');
    upstream = createServer((req, res) => {
      const status = Number(req.url!.slice(1)) || 500;
      res.writeHead(status, { 'Content-Type': 'text/plain' }).end(`upstream says ${status} from ${top}`);
    });
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
    upstreamUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
    secrets = [top, root, await realpath(root), s3.endpoint, s3.directory, upstreamUrl, 'private-exports', '127.0.0.1'];
  });
  after(async function () {
    upstream.closeAllConnections();
    upstream.close();
    await s3.stop();
    await rm(top, { recursive: true, force: true });
  });

  function app(): ReturnType<typeof appWith> {
    const local = new FileSystemStorage({ location: root });
    const router = new Router();
    const routes: Record<string, Middleware> = {
      storage: storageDownload({ storage: local }),
      'storage-by-name': storageDownload({ storage: local, name: (ctx) => ctx.query['f'] as string }),
      path: pathDownload({ root, path: (ctx) => ctx.query['f'] as string | undefined }),
      memory: storageDownload({ storage: new MemoryStorage() }),
      s3: storageDownload({ storage: s3.storage }),
      'missing-bucket': storageDownload({ storage: new S3Storage({ bucket: 'no-such-bucket', clientConfig: s3.clientConfig }) }),
      http: httpDownload({ url: (ctx) => `${upstreamUrl}/${String(ctx.query['status'])}`, timeout: 2000 }),
      'http-refused': httpDownload({ url: 'http://127.0.0.1:1/file.txt', timeout: 2000 }),
      model: download((ctx) => new StorageFile(local, (ctx.query['f'] === 'null' ? null : ctx.query['f']) as string)),
      virtual: virtualDownload(() => undefined),
    };
    for (const [name, route] of Object.entries(routes)) router.get(`/${name}/*path`, route);
    return appWith(router.routes());
  }

  const cases = (): Case[] => [
    { route: 'storage: missing file', url: '/storage/missing.txt', status: 404 },
    { route: 'storage: a folder', url: '/storage/folder', status: 404 },
    { route: "storage: a folder's name with a slash", url: '/storage/folder/', status: 404 },
    { route: 'storage: a symlink out of the root', url: '/storage/link-out.txt', status: 404 },
    { route: 'storage: ".." segments', url: '/storage/folder/..%2F..%2Foutside.txt', status: 400 },
    { route: 'storage: an absolute name', url: `/storage/${encodeURIComponent(join(top, 'outside.txt'))}`, status: 400 },
    { route: 'storage: a backslash', url: '/storage/a%5Cb', status: 400 },
    { route: 'storage: a control character', url: '/storage/a%01b', status: 400 },
    { route: 'storage: an empty segment', url: '/storage/a//b', status: 400 },
    { route: 'storage: a name too long', url: `/storage/${'a'.repeat(300)}`, status: 400 },
    { route: 'storage: a name too long in all', url: `/storage/${Array.from({ length: 6 }, () => 'b'.repeat(200)).join('/')}`, status: 400 },
    { route: 'storage: 412', url: '/storage/file.txt', headers: { 'If-Match': '"nope"' }, status: 412 },
    { route: 'storage: 416', url: '/storage/file.txt', headers: { Range: 'bytes=99-' }, status: 416 },
    { route: 'storage-by-name: a name given by the app', url: `/storage-by-name/x?f=${encodeURIComponent(join(root, 'file.txt'))}`, status: 400 },
    { route: 'path: an absolute path outside the root', url: '/path/x?f=/etc/passwd', status: 400 },
    { route: "path: the root's sibling", url: `/path/x?f=${encodeURIComponent(`${root}-sibling/file.txt`)}`, status: 400 },
    { route: 'path: climbing out', url: '/path/x?f=../outside.txt', status: 400 },
    { route: 'path: a symlink out', url: '/path/x?f=link-out.txt', status: 404 },
    { route: 'path: missing', url: `/path/x?f=${encodeURIComponent(join(root, 'missing.txt'))}`, status: 404 },
    { route: 'path: no path', url: '/path/x', status: 404 },
    { route: 'memory: missing', url: '/memory/missing.txt', status: 404 },
    { route: 's3: missing', url: '/s3/missing.txt', status: 404 },
    { route: 's3: 412', url: '/s3/file.txt', headers: { 'If-Match': '"nope"' }, status: 412 },
    { route: 's3: a bucket that does not exist', url: '/missing-bucket/file.txt', status: 502 },
    { route: 'http: upstream 404', url: '/http/x?status=404', status: 404 },
    { route: 'http: upstream 500', url: '/http/x?status=500', status: 502 },
    { route: 'http: upstream 403', url: '/http/x?status=403', status: 502 },
    { route: 'http: connection refused', url: '/http-refused/x', status: 502 },
    { route: 'model: an empty field', url: '/model/x?f=', status: 404 },
    { route: 'model: a null field', url: '/model/x?f=null', status: 404 },
    { route: 'virtual: no file', url: '/virtual/x', status: 404 },
  ];

  it('answers every error path with its status, no Content-Disposition, and no server path anywhere', async function () {
    this.timeout(20_000);
    const served = app();
    const leaks: string[] = [];
    for (const { route, url, headers = {}, status } of cases()) {
      const res = await request(served.callback()).get(url).set(headers);
      expect(res.status, route).to.equal(status);
      expect(res.headers['content-disposition'], route).to.equal(undefined);
      const answer = `${JSON.stringify(res.headers)}\n${res.text}`;
      for (const secret of secrets) if (answer.includes(secret)) leaks.push(`${route}: ${JSON.stringify(secret)} in ${answer}`);
    }
    expect(leaks).to.deep.equal([]);
  });

  it('keeps the detail for the developer: the error names the file and the reason', async function () {
    const served = app();
    await request(served.callback()).get('/path/x?f=/etc/passwd');
    const [error] = served.errors as (Error & { fileName?: string; reason?: string })[];
    expect(error).to.include({ fileName: '/etc/passwd', reason: 'outside the root' });
  });
});
