import Router from '@koa/router';
import { expect } from 'chai';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import request from 'supertest';
import { storageDownload } from '../../src/routes.js';
import { FileSystemStorage } from '../../storages/filesystem.js';
import type { LazyBody } from '../../src/lazyBody.js';
import { xSendfile } from '../../src/xSendfile.js';
import { appWith } from '../support/app.js';
import { CountingStorage } from '../support/countingStorage.js';
import { mediaApp, mediaFolder, recordSpy } from './fixtures.js';

describe('xSendfile offloaded response', function () {
  let media: Awaited<ReturnType<typeof mediaFolder>>;
  let storage: CountingStorage;
  let spy: ReturnType<typeof recordSpy>;
  let app: ReturnType<typeof mediaApp>;

  beforeEach(async function () {
    media = await mediaFolder();
    await writeFile(join(media.location, 'report.txt'), 'ten bytes!');
    storage = new CountingStorage(media.storage);
    spy = recordSpy();
    app = mediaApp(storage, spy, xSendfile({ sourceDir: media.location, destinationUrl: '/protected/' }, { backend: 'nginx' }));
  });
  afterEach(() => media.cleanup());

  it("is a 200 with the hand-off header, no body, Content-Length 0 (never the file's length) and no Content-Range", async function () {
    const res = await request(app.callback()).get('/media/report.txt');
    expect(res.status).to.equal(200);
    expect(res.headers['x-accel-redirect']).to.equal('/protected/report.txt');
    expect(res.text).to.equal('');
    expect(res.headers['content-length']).to.equal('0');
    expect(res.headers).not.to.have.property('content-range');
  });

  it("keeps the route's Content-Type, Content-Disposition and Cache-Control", async function () {
    const router = new Router();
    router.get('/cached/*path', storageDownload({ storage, cacheControl: 'private, max-age=60', attachment: false }));
    const cached = appWith(xSendfile({ sourceDir: media.location, destinationUrl: '/protected/' }, { backend: 'nginx' }), router.routes());
    const res = await request(cached.callback()).get('/cached/report.txt');
    expect(res.headers['x-accel-redirect']).to.equal('/protected/report.txt');
    expect(res.headers['content-type']).to.equal('text/plain; charset=utf-8');
    // nginx gets the disposition under another name, which the generated location turns back into Content-Disposition.
    expect(res.headers['x-accel-content-disposition']).to.equal('inline; filename=report.txt');
    expect(res.headers).not.to.have.property('content-disposition');
    expect(res.headers['cache-control']).to.equal('private, max-age=60');
  });

  it('opens no file and makes no storage request: no stat, no open, no lazy body at all', async function () {
    await request(app.callback()).get('/media/report.txt');
    expect(storage.calls).to.deep.equal([]);
    expect(spy.last!.body).to.equal(undefined);
    expect(spy.last!.offload).to.include({ checkFile: false });
    const lighttpd = mediaApp(storage, xSendfile({ sourceDir: media.location, destinationDir: '/srv/x' }, { backend: 'lighttpd' }));
    expect((await request(lighttpd.callback()).get('/media/report.txt')).headers['x-sendfile']).to.equal('/srv/x/report.txt');
    expect(storage.calls, 'lighttpd refuses symlinks itself').to.deep.equal([]);
  });

  it('asks the storage for the file, but opens nothing, before handing it to a proxy that would follow symlinks', async function () {
    for (const rule of [{ backend: 'apache', destinationDir: '/srv/x' }, { backend: 'caddy', destinationUrl: '/protected/' }] as const) {
      storage.calls.length = 0;
      const checked = mediaApp(storage, xSendfile({ sourceDir: media.location, ...rule }));
      const res = await request(checked.callback()).get('/media/report.txt');
      expect(res.status, rule.backend).to.equal(200);
      expect(res.text, rule.backend).to.equal('');
      expect(storage.calls, rule.backend).to.deep.equal(['stat report.txt']);
      expect((await request(checked.callback()).get('/media/missing.txt')).status, rule.backend).to.equal(404);
    }
  });

  it('looks nothing up for such a proxy when the storage follows symlinks out of its folder itself', async function () {
    const looked: string[] = [];
    class Watched extends FileSystemStorage {
      override stat(name: string) {
        looked.push(`stat ${name}`);
        return super.stat(name);
      }
      override lookUp(name: string) {
        looked.push(`lookUp ${name}`);
        return super.lookUp(name);
      }
    }
    // A FileSystemStorage is asked its look-up, which tells no size, and not its stat.
    for (const [followSymlinksOutside, expected] of [[true, []], [false, ['lookUp report.txt']]] as const) {
      looked.length = 0;
      const trusting = mediaApp(new Watched({ location: media.location, followSymlinksOutside }), xSendfile({ sourceDir: media.location, destinationDir: '/srv/x' }, { backend: 'apache' }));
      const res = await request(trusting.callback()).get('/media/report.txt');
      expect(res.headers['x-sendfile']).to.equal('/srv/x/report.txt');
      expect(looked, `followSymlinksOutside: ${followSymlinksOutside}`).to.deep.equal(expected);
    }
  });

  it('still stats and opens a file it does not offload (the counting storage can see it)', async function () {
    const streamed = mediaApp(storage, spy, xSendfile({ sourceDir: '/elsewhere', destinationUrl: '/protected/' }, { backend: 'nginx' }));
    const res = await request(streamed.callback()).get('/media/report.txt');
    expect(res.text).to.equal('ten bytes!');
    expect(storage.calls).to.deep.equal(['stat report.txt', 'open report.txt']);
    expect((spy.last!.body as LazyBody).opened).to.equal(true);
  });

  it('never answers 206: a satisfiable Range gets the same 200 hand-off, the proxy does ranges (a 416 is the app\'s: beforeHandOff.test.ts)', async function () {
    for (const range of ['bytes=0-3', 'bytes=0-1,4-5']) {
      const res = await request(app.callback()).get('/media/report.txt').set('Range', range);
      expect(res.status, range).to.equal(200);
      expect(res.headers['x-accel-redirect']).to.equal('/protected/report.txt');
      expect(res.headers).not.to.have.property('content-range');
      expect(res.headers['content-type']).to.equal('text/plain; charset=utf-8');
    }
    expect(storage.calls, 'looked up to tell a 416 apart').to.deep.equal(['stat report.txt', 'stat report.txt']);
  });

  it('never answers 304 itself: If-None-Match and If-Modified-Since go to the proxy (a 412 is the app\'s: beforeHandOff.test.ts)', async function () {
    const res = await request(app.callback()).get('/media/report.txt').set('If-None-Match', '*').set('If-Modified-Since', new Date().toUTCString());
    expect(res.status).to.equal(200);
    expect(res.headers['x-accel-redirect']).to.equal('/protected/report.txt');
    expect(storage.calls).to.deep.equal([]);
  });

  it("answers HEAD with the same headers, and never the file's length", async function () {
    const res = await request(app.callback()).head('/media/report.txt');
    expect(res.status).to.equal(200);
    expect(res.headers['x-accel-redirect']).to.equal('/protected/report.txt');
    expect(res.headers['content-length']).to.equal('0');
  });

  it('ignores request headers that other stacks trust: X-Sendfile-Type, X-Accel-Mapping (Rack CVE-2025-61780)', async function () {
    const res = await request(app.callback())
      .get('/media/report.txt')
      .set('X-Sendfile-Type', 'X-Sendfile')
      .set('X-Accel-Mapping', `${media.location}/=/evil/`);
    expect(res.headers['x-accel-redirect']).to.equal('/protected/report.txt');
    expect(res.headers).not.to.have.property('x-sendfile');

    const unmatched = mediaApp(storage, xSendfile({ sourceDir: '/elsewhere', destinationUrl: '/protected/' }, { backend: 'nginx' }));
    const streamed = await request(unmatched.callback()).get('/media/report.txt').set('X-Sendfile-Type', 'X-Accel-Redirect').set('X-Accel-Mapping', `${media.location}/=/evil/`);
    expect(streamed.headers).not.to.have.property('x-accel-redirect');
    expect(streamed.text).to.equal('ten bytes!');
  });
});
