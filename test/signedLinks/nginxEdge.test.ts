/**
 * Edge mode on real nginx: the configuration proxyConfig generates checks the
 * links itself and serves the files, with the app stopped. Valid links are
 * served; expired, changed and unsigned ones are refused by nginx, saying
 * why, with no Content-Disposition.
 */
import Router from '@koa/router';
import { expect } from 'chai';
import { storageDownload } from '../../src/routes.js';
import { signedLinks } from '../../src/signedLinks/signedLinks.js';
import { FileSystemStorage } from '../../storages/filesystem.js';
import { exchange } from '../proxies/harness/exchange.js';
import { EDGE_SECRET, SECRET, param, withParam } from './fixtures.js';
import { AWKWARD, startNginxSite, type NginxSite } from './nginxSite.js';

const REFUSED = 'This download link is not valid: it is not signed, or it was changed after it was signed, or it is used from another address than the one it was made for.';

describe('signedLinks: edge mode on real nginx, the app stopped', function () {
  this.timeout(60_000);
  const links = signedLinks({ keys: [{ id: 'current', secret: SECRET }], edge: { secret: EDGE_SECRET } });
  // Links made an hour ago that lived a minute.
  const past = signedLinks({ keys: [{ id: 'current', secret: SECRET }], edge: { secret: EDGE_SECRET }, now: () => Date.now() - 3600_000 });
  let site: NginxSite | undefined;
  let port: number;

  before(async function () {
    // The app the configuration forwards to: started to learn its address, then stopped before nginx starts.
    site = await startNginxSite(this, (media) => new Router().get('/files/*path', storageDownload({ storage: new FileSystemStorage({ location: media }) })), { stopApp: true });
    port = site.port;
  });
  after(() => site?.stop());

  const get = (path: string, headers: Record<string, string> = {}) => exchange(port, path, { headers });

  it('has no app behind it: what nginx forwards fails', async function () {
    expect((await get('/files/report.txt')).status).to.equal(502);
  });

  it('serves a valid link itself, as an attachment, private and checked again before reuse', async function () {
    const res = await get(links.url('/signed/report.txt', { edge: true, expiresIn: 60 }));
    expect(res.status, site!.output()).to.equal(200);
    expect(res.body.toString()).to.equal('the quarterly report');
    expect(res.headers['content-disposition']).to.equal('attachment');
    expect(res.headers['cache-control']).to.equal('private, no-cache');
    expect(res.headers['content-type']).to.equal('text/plain');
  });

  it('serves inline when the link says so', async function () {
    const res = await get(links.url('/signed/report.txt', { edge: true, attachment: false }));
    expect(res.status).to.equal(200);
    expect(res.headers['content-disposition']).to.equal('inline');
  });

  it('serves Unicode and awkward names, however the link is re-encoded', async function () {
    const link = links.url(`/signed/${AWKWARD}`, { edge: true });
    const [path, query] = link.split('?') as [string, string];
    for (const spelling of [link, `${path.replace(/%[0-9A-F]{2}/g, (e) => e.toLowerCase())}?${query}`, `${path.replace('%2B', '+').replace('%28', '(')}?${query}`]) {
      const res = await get(spelling);
      expect(res.status, spelling).to.equal(200);
      expect(res.body.toString()).to.equal('awkward, but served');
    }
  });

  it('answers Range with 206 and the disposition, a conditional request with 304 and none', async function () {
    const link = links.url('/signed/report.txt', { edge: true });
    const partial = await get(link, { Range: 'bytes=4-12' });
    expect([partial.status, partial.body.toString(), partial.headers['content-disposition']]).to.deep.equal([206, 'quarterly', 'attachment']);
    const first = await get(link);
    const cached = await get(link, { 'If-None-Match': first.headers['etag']! });
    expect(cached.status).to.equal(304);
    expect(cached.headers).not.to.have.property('content-disposition');
  });

  it('binds a link to the client address', async function () {
    expect((await get(links.url('/signed/report.txt', { edge: true, ip: '127.0.0.1' }))).status).to.equal(200);
    expect((await get(links.url('/signed/report.txt', { edge: true, ip: '192.0.2.1' }))).status).to.equal(403);
  });

  /** A refusal by nginx: the status, the sentence, as text, never cached, and no Content-Disposition. */
  async function expectRefused(path: string, status: number, sentence: string): Promise<void> {
    const res = await get(path);
    expect(res.status, path).to.equal(status);
    expect(res.body.toString(), path).to.equal(sentence);
    expect(res.headers['content-type'], path).to.equal('text/plain; charset=utf-8');
    expect(res.headers['cache-control'], path).to.equal('no-store');
    expect(res.headers, path).not.to.have.property('content-disposition');
  }

  it('refuses an expired link with 410', async function () {
    await expectRefused(past.url('/signed/report.txt', { edge: true, expiresIn: 60 }), 410, 'This download link has expired.');
  });

  it('refuses with 403 a link changed in any signed field, or not signed', async function () {
    const link = links.url('/signed/report.txt', { edge: true, expiresIn: 60, attachment: false });
    const md5 = param(link, 'md5')!;
    const changed = [
      link.replace('report.txt', 'escape.txt'),
      withParam(link, 'expires', String(Number(param(link, 'expires')) + 3600)),
      withParam(link, 'disposition', undefined),
      withParam(link, 'ip', '1'),
      withParam(link, 'md5', (md5[0] === 'A' ? 'B' : 'A') + md5.slice(1)),
      withParam(link, 'md5', undefined),
      '/signed/report.txt',
      // The app's form is not the edge's.
      links.url('/signed/report.txt'),
    ];
    for (const path of changed) await expectRefused(path, 403, REFUSED);
    // The expiry is checked after the signature: a changed expired link is refused as changed.
    await expectRefused(withParam(past.url('/signed/report.txt', { edge: true, expiresIn: 60 }), 'disposition', 'inline'), 403, REFUSED);
  });

  it('serves nothing outside the folder with a valid link: a symlink out, a missing file', async function () {
    const escape = await get(links.url('/signed/escape.txt', { edge: true }));
    // try_files finds no file it may open (disable_symlinks): 404, as for a missing one.
    expect(escape.status).to.equal(404);
    expect(escape.body.toString()).not.to.include('beside the media folder');
    expect(escape.headers).not.to.have.property('content-disposition');
    const missing = await get(links.url('/signed/missing.txt', { edge: true }));
    expect(missing.status).to.equal(404);
    expect(missing.headers).not.to.have.property('content-disposition');
  });

  it('accepts, in the app, the very links nginx accepts', function () {
    const link = links.url(`/signed/${AWKWARD}`, { edge: true, attachment: false, ip: '127.0.0.1' });
    expect(links.check(link, { ip: '127.0.0.1' })).to.deep.include({ path: `/signed/${AWKWARD}`, attachment: false, key: 'edge' });
  });
});
