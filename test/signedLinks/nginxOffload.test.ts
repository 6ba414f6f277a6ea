/**
 * App links behind real nginx, offloaded: the app checks the link, xSendfile
 * hands the file to nginx, and nginx sends it with the disposition, the name
 * and the private caching the link grants. A refused link is the app's 403
 * or 410, passed on by nginx, with no Content-Disposition.
 */
import Router from '@koa/router';
import { expect } from 'chai';
import { storageDownload } from '../../src/routes.js';
import { signedLinks } from '../../src/signedLinks/signedLinks.js';
import { xSendfile } from '../../src/xSendfile.js';
import { FileSystemStorage } from '../../storages/filesystem.js';
import { exchange } from '../proxies/harness/exchange.js';
import { SECRET, withParam } from './fixtures.js';
import { AWKWARD, INTERNAL_URL, startNginxSite, type NginxSite } from './nginxSite.js';

describe('signedLinks: app links offloaded to real nginx', function () {
  this.timeout(60_000);
  const links = signedLinks({ keys: [{ id: 'current', secret: SECRET }] });
  const past = signedLinks({ keys: [{ id: 'current', secret: SECRET }], now: () => Date.now() - 3600_000 });
  let site: NginxSite | undefined;

  before(async function () {
    site = await startNginxSite(
      this,
      (media) => new Router().get('/files/*path', links.verify(), xSendfile({ sourceDir: media, destinationUrl: INTERNAL_URL }, { backend: 'nginx' }), storageDownload({ storage: new FileSystemStorage({ location: media }) })),
      { stopApp: false },
    );
  });
  after(() => site?.stop());

  const get = (path: string) => exchange(site!.port, path);

  it('is sent by nginx with the disposition, the name and the caching the link signs, however the link was re-encoded', async function () {
    const link = links.url(`/files/${AWKWARD}`, { attachment: false, basename: 'Résumé (final).txt', expiresIn: 300 });
    const [path, query] = link.split('?') as [string, string];
    for (const spelling of [link, `${path.replace(/%[0-9A-F]{2}/g, (e) => e.toLowerCase())}?${query}`]) {
      const res = await get(spelling);
      expect(res.status, site!.output()).to.equal(200);
      expect(res.body.toString()).to.equal('awkward, but served');
      expect(res.headers['content-disposition']).to.equal(`inline; filename="Resume (final).txt"; filename*=UTF-8''R%C3%A9sum%C3%A9%20%28final%29.txt`);
      expect(res.headers['cache-control']).to.match(/^private, max-age=(299|300)$/);
      expect(res.headers).not.to.have.property('x-accel-redirect');
    }
  });

  it('binds to the address nginx connects from', async function () {
    expect((await get(links.url('/files/report.txt', { ip: '127.0.0.1' }))).status).to.equal(200);
    expect((await get(links.url('/files/report.txt', { ip: '192.0.2.1' }))).status).to.equal(403);
  });

  it('refuses through nginx what the app refuses: 403 changed, 410 expired, saying why, no Content-Disposition', async function () {
    const cases: [string, number, string][] = [
      [withParam(links.url('/files/report.txt'), 'disposition', 'inline'), 403, 'This download link is not valid: it was changed after it was signed.'],
      [past.url('/files/report.txt', { expiresIn: 60 }), 410, 'This download link has expired.'],
      ['/files/report.txt', 403, 'This download link is not signed.'],
    ];
    for (const [path, status, sentence] of cases) {
      const res = await get(path);
      expect([res.status, res.body.toString()], path).to.deep.equal([status, sentence]);
      expect(res.headers, path).not.to.have.property('content-disposition');
      expect(res.headers['cache-control'], path).to.equal('no-store');
    }
  });
});
