/**
 * The middleware in front of every kind of download route: what a valid link
 * gets, and what expired, changed and unsigned links get instead.
 */
import Router from '@koa/router';
import { expect } from 'chai';
import type { Middleware } from 'koa';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { MemoryStorage, download, pathDownload, storageDownload, xSendfile, VirtualFile } from '../../src/index.js';
import { FileSystemStorage } from '../../storages/filesystem.js';
import { appWith } from '../support/app.js';
import { CountingStorage } from '../support/countingStorage.js';
import { NOW, OLD_SECRET, SECRET, param, signer, withParam } from './fixtures.js';

const NAME = 'rapports/Été 2024 #1 + 50%.txt';
const CONTENT = 'quarterly figures';

describe('signedLinks: the middleware in front of download routes', function () {
  const clock = { now: NOW };
  const links = signer({}, clock);
  let storage: MemoryStorage;

  beforeEach(async function () {
    clock.now = NOW;
    storage = new MemoryStorage();
    await storage.save(NAME, CONTENT);
  });

  function routed(path: string, ...middleware: Middleware<any, any>[]) {
    const router = new Router();
    router.get(path, ...(middleware as [never]));
    return appWith(router.routes()).callback();
  }
  const media = (...options: Parameters<typeof storageDownload>) => routed('/media/*path', links.verify(), storageDownload(...options));

  it('serves the file of a valid link, private to the client for no longer than the link lives', async function () {
    const res = await request(media({ storage })).get(links.url(`/media/${NAME}`, { expiresIn: 600 }));
    expect(res.status).to.equal(200);
    expect(res.text).to.equal(CONTENT);
    expect(res.headers['content-disposition']).to.equal(`attachment; filename="Ete 2024 #1 + 50_.txt"; filename*=UTF-8''%C3%89t%C3%A9%202024%20%231%20%2B%2050%25.txt`);
    expect(res.headers['cache-control']).to.equal('private, max-age=600');
  });

  it('answers with the disposition and the name the link signs, over the route\'s', async function () {
    const link = links.url(`/media/${NAME}`, { attachment: false, basename: 'Résumé (final).txt' });
    const res = await request(media({ storage, attachment: true, basename: 'route.txt' })).get(link);
    expect(res.headers['content-disposition']).to.equal(`inline; filename="Resume (final).txt"; filename*=UTF-8''R%C3%A9sum%C3%A9%20%28final%29.txt`);
  });

  it('never lets a public cache keep the answer, and keeps a route\'s no-store or shorter max-age', async function () {
    const link = links.url(`/media/${NAME}`, { expiresIn: 600 });
    expect((await request(media({ storage, cacheControl: 'public, max-age=86400' })).get(link)).headers['cache-control']).to.equal('private, max-age=600');
    expect((await request(media({ storage, cacheControl: 'public, max-age=60' })).get(link)).headers['cache-control']).to.equal('private, max-age=60');
    expect((await request(media({ storage, cacheControl: 'no-store' })).get(link)).headers['cache-control']).to.equal('no-store');
    clock.now += 599_000;
    expect((await request(media({ storage })).get(link)).headers['cache-control']).to.equal('private, max-age=1');
  });

  it('strips the query before the route runs: the route sees none of the link\'s parameters, nor any other', async function () {
    let seen: unknown;
    const app = routed('/echo/*path', links.verify(), download((ctx) => ((seen = [ctx.querystring, ctx.query, ctx.url]), new VirtualFile({ name: 'x.txt', content: 'x' }))));
    await request(app).get(`${links.url('/echo/x.txt')}&name=other.txt`).expect(200);
    expect(seen).to.deep.equal(['', {}, '/echo/x.txt']);
  });

  it('answers 410 to an expired link, 403 to a changed, unsigned or foreign one: saying why, as text, with no Content-Disposition and no-store', async function () {
    const app = media({ storage });
    const link = links.url(`/media/${NAME}`, { expiresIn: 60, basename: 'x.txt' });
    const foreign = signer({ keys: [{ id: 'elsewhere', secret: SECRET }] }).url(`/media/${NAME}`);
    const answers: [string, number, string][] = [
      [withParam(link, 'filename', 'y.txt'), 403, 'This download link is not valid: it was changed after it was signed.'],
      [link.replace('%C3%89t%C3%A9', 'Hiver'), 403, 'This download link is not valid: it was changed after it was signed.'],
      [link.split('?')[0]!, 403, 'This download link is not signed.'],
      [foreign, 403, 'This download link was signed with a key that is no longer accepted.'],
      [withParam(link, 'expires', 'tomorrow'), 403, 'This download link is malformed: its expiry is not a time in whole seconds.'],
    ];
    clock.now += 3600_000;
    answers.push([link, 410, 'This download link has expired.']);
    for (const [url, status, body] of answers) {
      for (const method of ['get', 'head'] as const) {
        const res = await request(app)[method](url);
        expect(res.status, url).to.equal(status);
        if (method === 'get') expect(res.text, url).to.equal(body);
        expect(res.headers['content-type']).to.equal('text/plain; charset=utf-8');
        expect(res.headers, url).not.to.have.property('content-disposition');
        expect(res.headers['cache-control']).to.equal('no-store');
        if (method === 'get') expect(res.text).not.to.include(param(link, 'signature')!);
      }
    }
  });

  it('serves links whatever the client re-encoded: lower-case escapes, `+` and `~` escaped or not, spaces as + in the query', async function () {
    const app = media({ storage });
    const link = links.url(`/media/${NAME}`, { basename: 'é + b ~ c.txt' });
    const [path, query] = link.split('?') as [string, string];
    for (const spelling of [link, `${path.replace(/%[0-9A-F]{2}/g, (e) => e.toLowerCase())}?${query}`, `${path.replace('%2B', '+')}?${query.replace(/%20/g, '+').replace('~', '%7E')}`]) {
      const res = await request(app).get(spelling);
      expect(res.status, spelling).to.equal(200);
      expect(res.headers['content-disposition'], spelling).to.equal(`attachment; filename="e + b ~ c.txt"; filename*=UTF-8''%C3%A9%20%2B%20b%20~%20c.txt`);
    }
  });

  it('keeps serving links of a rotated-out key until the key is removed', async function () {
    const oldLink = signer({ keys: [{ id: '2025', secret: OLD_SECRET }] }, clock).url(`/media/${NAME}`);
    const rotated = signer({ keys: [{ id: '2026', secret: SECRET }, { id: '2025', secret: OLD_SECRET }] }, clock);
    const removed = signer({ keys: [{ id: '2026', secret: SECRET }] }, clock);
    expect((await request(routed('/media/*path', rotated.verify(), storageDownload({ storage }))).get(oldLink)).status).to.equal(200);
    const refused = await request(routed('/media/*path', removed.verify(), storageDownload({ storage }))).get(oldLink);
    expect([refused.status, refused.text]).to.deep.equal([403, 'This download link was signed with a key that is no longer accepted.']);
  });

  it('binds a link to the client address, as Koa sees it (X-Forwarded-For only with app.proxy)', async function () {
    const bound = links.url(`/media/${NAME}`, { ip: '127.0.0.1' });
    expect((await request(media({ storage })).get(bound)).status).to.equal(200);
    expect((await request(media({ storage })).get(links.url(`/media/${NAME}`, { ip: '192.0.2.1' }))).status).to.equal(403);

    const router = new Router();
    router.get('/media/*path', links.verify(), storageDownload({ storage }));
    const proxied = appWith(router.routes());
    proxied.proxy = true;
    const forwarded = links.url(`/media/${NAME}`, { ip: '192.0.2.1' });
    expect((await request(proxied.callback()).get(forwarded).set('X-Forwarded-For', '192.0.2.1')).status).to.equal(200);
    expect((await request(proxied.callback()).get(forwarded).set('X-Forwarded-For', '192.0.2.9')).status).to.equal(403);
  });

  describe('on local files', function () {
    let root: string;
    let counting: CountingStorage;
    before(async function () {
      root = await mkdtemp(join(tmpdir(), 'kdv-signed-'));
      await writeFile(join(root, 'report.pdf'), '%PDF-1.7 tiny');
      counting = new CountingStorage(new FileSystemStorage({ location: root }));
    });
    after(() => rm(root, { recursive: true, force: true }));

    it('serves pathDownload', async function () {
      const res = await request(routed('/files/*path', links.verify(), pathDownload({ root }))).get(links.url('/files/report.pdf', { attachment: false }));
      expect(res.status).to.equal(200);
      expect(res.headers['content-disposition']).to.equal('inline; filename=report.pdf');
    });

    it('hands a valid link to the proxy with the signed disposition and private caching, and a refused one opens nothing', async function () {
      const app = routed('/files/*path', links.verify(), xSendfile({ sourceDir: root, destinationUrl: '/_protected/' }, { backend: 'nginx' }), storageDownload({ storage: counting }));
      const link = links.url('/files/report.pdf', { basename: 'Invoice 2026.pdf', expiresIn: 120 });
      const res = await request(app).get(link);
      expect(res.headers['x-accel-redirect']).to.equal('/_protected/report.pdf');
      // nginx gets the name under its own header, which the generated location turns into Content-Disposition (docs/nginx.md).
      expect(res.headers['x-accel-content-disposition']).to.equal('attachment; filename="Invoice 2026.pdf"');
      expect(res.headers['cache-control']).to.equal('private, max-age=120');

      counting.calls.length = 0;
      const refused = await request(app).get(withParam(link, 'filename', 'other.pdf'));
      expect(refused.status).to.equal(403);
      expect(refused.headers).not.to.have.property('x-accel-redirect');
      expect(counting.calls).to.deep.equal([]);
    });
  });
});
