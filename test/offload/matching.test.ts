import Router from '@koa/router';
import type { Middleware } from 'koa';
import { expect } from 'chai';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import request from 'supertest';
import { MemoryStorage } from '../../storages/memory.js';
import { S3Storage } from '../../storages/s3.js';
import { compileRules } from '../../src/rules.js';
import { StorageFile } from '../../src/storageFile.js';
import type { DownloadFile } from '../../src/downloadFile.js';
import { download, storageDownload, virtualDownload } from '../../src/routes.js';
import { VirtualFile } from '../../src/virtualFile.js';
import { xSendfile } from '../../src/xSendfile.js';
import { announceOffload, untouchedDownload, type OffloadPlan } from '../../src/record.js';
import { CountingStorage } from '../support/countingStorage.js';
import { appWith } from '../support/app.js';
import { mediaApp, mediaFolder } from './fixtures.js';

/**
 * A third-party DownloadFile at a path, or at a URL. A file given by URL is
 * on local disk too (under no sourceDir of these tests), as URL rules offload
 * only such files; give `path: undefined` for one that is not.
 */
function fileAt(where: { path?: string | undefined; url?: string }): DownloadFile {
  return { name: 'file.txt', ...(where.url !== undefined && { path: '/srv/elsewhere/file.txt' }), ...where, stat: async () => ({ size: 5 }), open: async () => Readable.from(['bytes']) };
}

async function offloadHeader(file: DownloadFile, ...middleware: Parameters<typeof appWith>) {
  const res = await request(appWith(...middleware, download(() => file)).callback()).get('/');
  return res.headers['x-accel-redirect'] ?? res.headers['x-sendfile'];
}

describe('xSendfile matching', function () {
  const nginx = (rule: object) => xSendfile({ destinationUrl: '/protected/', ...rule }, { backend: 'nginx' });

  it('matches sourceDir on a path-segment boundary: /srv/media never matches /srv/media-private', async function () {
    expect(await offloadHeader(fileAt({ path: '/srv/media/a.txt' }), nginx({ sourceDir: '/srv/media' }))).to.equal('/protected/a.txt');
    expect(await offloadHeader(fileAt({ path: '/srv/media-private/a.txt' }), nginx({ sourceDir: '/srv/media' }))).to.equal(undefined);
  });

  it('matches sourceUrl on a path-segment boundary: /media never matches /media-private', async function () {
    expect(await offloadHeader(fileAt({ url: '/media/a.txt' }), nginx({ sourceUrl: '/media' }))).to.equal('/protected/a.txt');
    expect(await offloadHeader(fileAt({ url: '/media-private/a.txt' }), nginx({ sourceUrl: '/media' }))).to.equal(undefined);
  });

  it('streams a file that a sourceUrl rule matches but that has no local path: the proxy could not open it', async function () {
    expect(await offloadHeader(fileAt({ url: '/media/a.txt', path: undefined }), nginx({ sourceUrl: '/media' }))).to.equal(undefined);
  });

  it('matches an absolute sourceUrl against the full file URL', async function () {
    expect(await offloadHeader(fileAt({ url: 'https://cdn.example/media/x/y.txt' }), nginx({ sourceUrl: 'https://cdn.example/media/' }))).to.equal('/protected/x/y.txt');
  });

  it('normalises sourceDir: a trailing slash or a /./ segment matches the same files', async function () {
    for (const sourceDir of ['/srv/media/', '/srv/./media', '/srv/media//']) {
      expect(await offloadHeader(fileAt({ path: '/srv/media/a.txt' }), nginx({ sourceDir })), sourceDir).to.equal('/protected/a.txt');
    }
  });

  it('refuses a path or URL that climbs out with .. or an encoded %2e%2e, and streams it instead', async function () {
    const climbing = [
      fileAt({ path: '/srv/media/../secret.txt' }),
      fileAt({ path: '/srv/media/a/../../secret.txt' }),
      fileAt({ url: '/media/../secret.txt' }),
      fileAt({ url: '/media/%2e%2e/secret.txt' }),
      fileAt({ url: '/media/%2E%2E/secret.txt' }),
      fileAt({ url: '/media/a%2F..%2F..%2Fsecret.txt' }),
      fileAt({ url: '/media/dir%2Ffile.txt' }),
    ];
    for (const file of climbing) {
      const res = await request(appWith(nginx({ sourceDir: '/srv/media' }), nginx({ sourceUrl: '/media/' }), download(() => file)).callback()).get('/');
      expect(res.headers['x-accel-redirect'], file.url ?? file.path).to.equal(undefined);
      expect(res.text).to.equal('bytes');
    }
  });

  it('refuses names that would break the header or merge segments: control characters, empty segments, malformed escapes', async function () {
    for (const file of [fileAt({ path: '/srv/media/a\r\nb.txt' }), fileAt({ path: '/srv/media//a.txt' }), fileAt({ url: '/media/a%0d%0ab.txt' }), fileAt({ url: '/media/%E9t%C3.txt' }), fileAt({ url: '/media/a.txt?download=1' })]) {
      expect(await offloadHeader(file, nginx({ sourceDir: '/srv/media' }), nginx({ sourceUrl: '/media/' })), JSON.stringify(file.url ?? file.path)).to.equal(undefined);
    }
  });

  it('uses the first rule that matches, in the order given', async function () {
    const middleware = xSendfile(
      [
        { sourceDir: '/srv/media/private', destinationUrl: '/first/' },
        { sourceDir: '/srv/media', destinationUrl: '/second/' },
        { sourceDir: '/srv/media/private', destinationUrl: '/third/' },
      ],
      { backend: 'nginx' },
    );
    expect(await offloadHeader(fileAt({ path: '/srv/media/private/a.txt' }), middleware)).to.equal('/first/a.txt');
    expect(await offloadHeader(fileAt({ path: '/srv/media/public/a.txt' }), middleware)).to.equal('/second/public/a.txt');
  });

  it("lets a rule's backend override the middleware's default", async function () {
    const middleware = xSendfile(
      [
        { sourceDir: '/srv/docs', destinationDir: '/var/docs', backend: 'apache' },
        { sourceDir: '/srv/media', destinationUrl: '/protected/' },
      ],
      { backend: 'nginx' },
    );
    const apacheRes = await request(appWith(middleware, download(() => fileAt({ path: '/srv/docs/a.txt' }))).callback()).get('/');
    expect(apacheRes.headers['x-sendfile']).to.equal('/var/docs/a.txt');
    expect(apacheRes.headers['x-accel-redirect']).to.equal(undefined);
    const nginxRes = await request(appWith(middleware, download(() => fileAt({ path: '/srv/media/a.txt' }))).callback()).get('/');
    expect(nginxRes.headers['x-accel-redirect']).to.equal('/protected/a.txt');
    expect(nginxRes.headers['x-sendfile']).to.equal(undefined);
  });

  it('streams virtual files, even under a rule that would match every path and URL', async function () {
    const app = appWith(nginx({ sourceDir: '/' }), nginx({ sourceUrl: '/' }), virtualDownload(() => new VirtualFile({ name: 'report.csv', content: 'a,b\n' })));
    const res = await request(app.callback()).get('/');
    expect(res.headers['x-accel-redirect']).to.equal(undefined);
    expect(res.text).to.equal('a,b\n');
  });

  it('streams a storage file that no rule matches: a MemoryStorage file has a URL but no path', async function () {
    const storage = new MemoryStorage({ baseUrl: '/memory/' });
    await storage.save('a.txt', 'in memory');
    const res = await request(mediaApp(storage, nginx({ sourceDir: '/srv/media' }), nginx({ sourceUrl: '/media/' })).callback()).get('/media/a.txt');
    expect(res.headers['x-accel-redirect']).to.equal(undefined);
    expect(res.text).to.equal('in memory');
  });

  it('streams a MemoryStorage file that a sourceUrl rule matches: the proxy could not open it', async function () {
    const storage = new MemoryStorage({ baseUrl: '/memory/' });
    await storage.save('dir/a b.txt', 'in memory');
    const res = await request(mediaApp(storage, nginx({ sourceUrl: '/memory/' })).callback()).get('/media/dir/a%20b.txt');
    expect(res.headers['x-accel-redirect']).to.equal(undefined);
    expect(res.status).to.equal(200);
    expect(res.text).to.equal('in memory');
  });

  it('never hands an S3 object to a file destination by its URL: only files with a local path go there', function () {
    const s3 = new S3Storage({ bucket: 'b', baseUrl: '/s3/', clientConfig: { region: 'us-east-1', endpoint: 'http://127.0.0.1:9' } });
    for (const backend of ['nginx', 'apache', 'lighttpd', 'caddy'] as const) {
      const destination = backend === 'apache' || backend === 'lighttpd' ? { destinationDir: '/srv/s3/' } : { destinationUrl: '/_p/' };
      const [rule] = compileRules({ sourceUrl: '/s3/', ...destination }, { backend });
      expect(rule!.match(new StorageFile(s3, 'a.txt')), backend).to.equal(undefined);
    }
  });

  it('leaves responses alone that no download route recorded, even one that streams a matching file', async function () {
    const { location, cleanup } = await mediaFolder();
    try {
      await writeFile(join(location, 'a.txt'), 'by hand');
      const { createReadStream } = await import('node:fs');
      const app = appWith(nginx({ sourceDir: location }), (ctx) => {
        ctx.body = createReadStream(join(location, 'a.txt'));
      });
      const res = await request(app.callback()).get('/');
      expect(res.headers['x-accel-redirect']).to.equal(undefined);
      expect(res.body.toString()).to.equal('by hand');
    } finally {
      await cleanup();
    }
  });

  it('leaves a recorded download alone once a later middleware replaced the body', async function () {
    const replace = async (ctx: import('koa').Context, next: () => Promise<unknown>) => {
      await next();
      ctx.body = 'replaced';
    };
    const res = await request(appWith(nginx({ sourceDir: '/srv/media' }), replace, download(() => fileAt({ path: '/srv/media/a.txt' }))).callback()).get('/');
    expect(res.headers['x-accel-redirect']).to.equal(undefined);
    expect(res.text).to.equal('replaced');
  });

  it('never turns a status a later middleware set back into a 200 hand-off: a 403 stays a 403', async function () {
    const deny = async (ctx: import('koa').Context, next: () => Promise<unknown>) => {
      await next();
      ctx.status = 403;
    };
    const res = await request(appWith(nginx({ sourceDir: '/srv/media' }), deny, download(() => fileAt({ path: '/srv/media/a.txt' }))).callback()).get('/');
    expect(res.status).to.equal(403);
    expect(res.headers['x-accel-redirect']).to.equal(undefined);
  });
});

describe('xSendfile mounting', function () {
  let media: Awaited<ReturnType<typeof mediaFolder>>;
  beforeEach(async function () {
    media = await mediaFolder();
    await mkdir(join(media.location, 'docs'));
    await writeFile(join(media.location, 'docs', 'a.txt'), 'docs');
    await writeFile(join(media.location, 'b.txt'), 'top');
  });
  afterEach(() => media.cleanup());

  function routerWith(perRoute: ReturnType<typeof xSendfile>) {
    const router = new Router();
    router.get('/per-route/*path', perRoute, storageDownload({ storage: media.storage }));
    router.get('/plain/*path', storageDownload({ storage: media.storage }));
    return router.routes();
  }

  it('per route, it offloads that route only: the Koa form of a per-view decorator', async function () {
    const app = appWith(routerWith(xSendfile({ sourceDir: media.location, destinationUrl: '/protected/' }, { backend: 'nginx' })));
    expect((await request(app.callback()).get('/per-route/b.txt')).headers['x-accel-redirect']).to.equal('/protected/b.txt');
    const plain = await request(app.callback()).get('/plain/b.txt');
    expect(plain.headers['x-accel-redirect']).to.equal(undefined);
    expect(plain.text).to.equal('top');
  });

  it('nested global and per-route: the per-route rule is asked first, the global one still serves the rest', async function () {
    const app = appWith(
      xSendfile({ sourceDir: media.location, destinationUrl: '/global/' }, { backend: 'nginx' }),
      routerWith(xSendfile({ sourceDir: join(media.location, 'docs'), destinationDir: '/var/docs', backend: 'apache' })),
    );
    const inner = await request(app.callback()).get('/per-route/docs/a.txt');
    expect(inner.headers['x-sendfile']).to.equal('/var/docs/a.txt');
    expect(inner.headers['x-accel-redirect']).to.equal(undefined);
    const outerThroughRoute = await request(app.callback()).get('/per-route/b.txt');
    expect(outerThroughRoute.headers['x-accel-redirect']).to.equal('/global/b.txt');
    expect(outerThroughRoute.headers['x-sendfile']).to.equal(undefined);
    expect((await request(app.callback()).get('/plain/docs/a.txt')).headers['x-accel-redirect']).to.equal('/global/docs/a.txt');
  });
});

describe('An offload middleware of your own (the README example)', function () {
  const toCdn: OffloadPlan = { checkFile: false };
  const cdnRedirect: Middleware = async (ctx, next) => {
    announceOffload(ctx, (file) => (file.url?.startsWith('https://cdn.example.com/') ? toCdn : undefined));
    await next();
    const download = untouchedDownload(ctx);
    if (download?.offload !== toCdn || !download.file.url) return;
    ctx.remove('Content-Disposition');
    ctx.redirect(download.file.url);
  };

  it('redirects the files it claims, which the route never opens, and leaves the others streamed', async function () {
    const storage = new CountingStorage(new MemoryStorage({ baseUrl: 'https://cdn.example.com/media/' }));
    await storage.save('a.txt', 'on the CDN');
    const local = new MemoryStorage();
    await local.save('b.txt', 'streamed');
    const claimed = await request(appWith(cdnRedirect, storageDownload({ storage, name: 'a.txt' })).callback()).get('/');
    expect(claimed.status).to.equal(302);
    expect(claimed.headers['location']).to.equal('https://cdn.example.com/media/a.txt');
    expect(claimed.headers['content-disposition']).to.equal(undefined);
    expect(storage.calls).to.deep.equal([]);
    const streamed = await request(appWith(cdnRedirect, storageDownload({ storage: local, name: 'b.txt' })).callback()).get('/');
    expect([streamed.status, streamed.text]).to.deep.equal([200, 'streamed']);
  });
});
