import { expect } from 'chai';
import { stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import request from 'supertest';
import { xSendfile } from '../../src/xSendfile.js';
import { CountingStorage } from '../support/countingStorage.js';
import { cdnOffload, mediaApp, mediaFolder } from './fixtures.js';

/** What nginx sends as the ETag of the file at `path`: "<mtime seconds, hex>-<size, hex>". */
async function nginxEtag(path: string): Promise<string> {
  const stats = await stat(path, { bigint: true });
  return `"${(stats.mtimeNs / 1_000_000_000n).toString(16)}-${stats.size.toString(16)}"`;
}

describe('xSendfile: what the route answers before a hand-off', function () {
  let media: Awaited<ReturnType<typeof mediaFolder>>;
  let storage: CountingStorage;
  let app: ReturnType<typeof mediaApp>;
  const get = (path: string, headers: Record<string, string> = {}) => request(app.callback()).get(path).set(headers);

  beforeEach(async function () {
    media = await mediaFolder();
    await writeFile(join(media.location, 'report.txt'), 'ten bytes!');
    await writeFile(join(media.location, 'empty.bin'), '');
    storage = new CountingStorage(media.storage);
    app = mediaApp(storage, xSendfile({ sourceDir: media.location, destinationUrl: '/protected/' }, { backend: 'nginx' }));
  });
  afterEach(() => media.cleanup());

  it('looks nothing up for a plain GET or HEAD, nor for If-None-Match or If-Modified-Since (the proxy answers 304 itself)', async function () {
    for (const headers of [{}, { 'If-None-Match': '"x"' }, { 'If-Modified-Since': new Date().toUTCString() }] as Record<string, string>[]) {
      expect((await get('/media/report.txt', headers)).headers['x-accel-redirect']).to.equal('/protected/report.txt');
    }
    expect((await request(app.callback()).head('/media/report.txt')).headers['x-accel-redirect']).to.equal('/protected/report.txt');
    expect(storage.calls).to.deep.equal([]);
  });

  it('answers a failed If-Match or If-Unmodified-Since itself: 412, no Content-Disposition, nothing handed off', async function () {
    for (const headers of [{ 'If-Match': '"nope"' }, { 'If-Unmodified-Since': 'Mon, 01 Jan 2001 00:00:00 GMT' }] as Record<string, string>[]) {
      const res = await get('/media/report.txt', headers);
      expect(res.status, JSON.stringify(headers)).to.equal(412);
      expect(res.headers, JSON.stringify(headers)).not.to.have.property('content-disposition');
      expect(res.headers, JSON.stringify(headers)).not.to.have.property('x-accel-redirect');
    }
    const head = await request(app.callback()).head('/media/report.txt').set('If-Match', '"nope"');
    expect(head.status).to.equal(412);
  });

  it("hands off a request whose If-Match names the proxy's ETag: the client got that one, not the app's", async function () {
    const res = await get('/media/report.txt', { 'If-Match': await nginxEtag(join(media.location, 'report.txt')) });
    expect(res.status).to.equal(200);
    expect(res.headers['x-accel-redirect']).to.equal('/protected/report.txt');
    expect(storage.calls).to.deep.equal(['stat report.txt']);
  });

  it('answers an unsatisfiable Range itself: 416 with Content-Range, no Content-Disposition', async function () {
    const res = await get('/media/report.txt', { Range: 'bytes=100-' });
    expect(res.status).to.equal(416);
    expect(res.headers['content-range']).to.equal('bytes */10');
    expect(res.headers).not.to.have.property('content-disposition');
    expect(res.headers).not.to.have.property('x-accel-redirect');
  });

  it('hands off a satisfiable Range, and a Range whose If-Range no longer matches (the proxy then sends the whole file)', async function () {
    for (const headers of [{ Range: 'bytes=2-5' }, { Range: 'bytes=100-', 'If-Range': '"an old one"' }, { Range: 'bytes=100-', 'If-Range': 'Mon, 01 Jan 2001 00:00:00 GMT' }] as Record<string, string>[]) {
      const res = await get('/media/report.txt', headers);
      expect(res.status, JSON.stringify(headers)).to.equal(200);
      expect(res.headers['x-accel-redirect'], JSON.stringify(headers)).to.equal('/protected/report.txt');
    }
  });

  it('sends a Range of a 0-byte file from Node, as Koa answers it, never from the proxy', async function () {
    for (const [range, status] of [['bytes=0-99', 416], ['bytes=-3', 200]] as const) {
      const res = await get('/media/empty.bin', { Range: range });
      expect(res.status, range).to.equal(status);
      expect(res.headers, range).not.to.have.property('x-accel-redirect');
    }
  });

  it('answers 404 itself for a missing file asked for with a Range, without Content-Disposition', async function () {
    const res = await get('/media/missing.txt', { Range: 'bytes=0-1' });
    expect(res.status).to.equal(404);
    expect(res.headers).not.to.have.property('content-disposition');
  });

  it("knows each Caddy version's spelling of its ETag: 2.6 seconds, 2.8 nanoseconds", async function () {
    app = mediaApp(storage, xSendfile({ sourceDir: media.location, destinationUrl: '/protected/' }, { backend: 'caddy' }));
    const stats = await stat(join(media.location, 'report.txt'), { bigint: true });
    const spellings = [`"${(stats.mtimeNs / 1_000_000_000n).toString(36)}${stats.size.toString(36)}"`, `"${stats.mtimeNs.toString(36)}-${stats.size.toString(36)}"`];
    for (const etag of spellings) {
      expect((await get('/media/report.txt', { 'If-Match': etag })).headers['x-accel-redirect'], etag).to.equal('/protected/report.txt');
      expect((await get('/media/report.txt', { 'If-Range': etag, Range: 'bytes=100-' })).status, etag).to.equal(416);
    }
    expect((await get('/media/report.txt', { 'If-Match': '"s9o4001f"' })).status).to.equal(412);
  });

  it('looks the file up once for a proxy that needs a look-up anyway (Caddy, Apache)', async function () {
    app = mediaApp(storage, xSendfile({ sourceDir: media.location, destinationUrl: '/protected/' }, { backend: 'caddy' }));
    expect((await get('/media/report.txt', { Range: 'bytes=2-5' })).headers['x-accel-redirect']).to.equal('/protected/report.txt');
    expect(storage.calls).to.deep.equal(['stat report.txt']);
  });

  it('leaves alone the plan of another offload middleware, which gives no proxyEtags: its target answers everything', async function () {
    app = mediaApp(storage, cdnOffload({ checkFile: false }));
    const res = await get('/media/report.txt', { Range: 'bytes=100-', 'If-Match': '"nope"' });
    expect([res.status, res.text]).to.deep.equal([200, 'to the CDN']);
    expect(storage.calls).to.deep.equal([]);
  });
});
