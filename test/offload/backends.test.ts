import { expect } from 'chai';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import request from 'supertest';
import type { Rule } from '../../src/rules.js';
import { xSendfile } from '../../src/xSendfile.js';
import { mediaApp, mediaFolder } from './fixtures.js';

// Storage name → its path percent-encoded per segment, written out by hand.
const NAMES: Record<string, string> = {
  'plain.txt': 'plain.txt',
  'with space.txt': 'with%20space.txt',
  'héllo wörld.txt': 'h%C3%A9llo%20w%C3%B6rld.txt',
  '日本語.pdf': '%E6%97%A5%E6%9C%AC%E8%AA%9E.pdf',
  '100%.txt': '100%25.txt',
  'a+b.txt': 'a%2Bb.txt',
  'c#1.txt': 'c%231.txt',
  'what?.txt': 'what%3F.txt',
  'semi;colon.txt': 'semi%3Bcolon.txt',
  'quote"s.txt': 'quote%22s.txt',
  "it's.txt": "it's.txt",
  'nested/déjà vu/file.txt': 'nested/d%C3%A9j%C3%A0%20vu/file.txt',
};

/** The URL path the route serves `name` at (the router decodes it back). */
const route = (name: string) => `/media/${name.split('/').map(encodeURIComponent).join('/')}`;

describe('xSendfile backends', function () {
  let media: Awaited<ReturnType<typeof mediaFolder>>;
  before(async function () {
    media = await mediaFolder();
    for (const name of Object.keys(NAMES)) {
      await mkdir(dirname(join(media.location, name)), { recursive: true });
      await writeFile(join(media.location, name), name);
    }
  });
  after(() => media.cleanup());

  async function handOff(rule: Rule, name: string, headers: Record<string, string> = {}) {
    const res = await request(mediaApp(media.storage, xSendfile({ sourceDir: media.location, ...rule })).callback())
      .get(route(name))
      .set(headers)
      .responseType('blob');
    expect(res.status, name).to.equal(200);
    expect((res.body as Buffer).length, name).to.equal(0);
    return res.headers as Record<string, string>;
  }

  describe('nginx', function () {
    it('X-Accel-Redirect is destinationUrl + the name percent-encoded per segment', async function () {
      for (const [name, encoded] of Object.entries(NAMES)) {
        expect((await handOff({ backend: 'nginx', destinationUrl: '/protected/' }, name))['x-accel-redirect'], name).to.equal(`/protected/${encoded}`);
      }
    });

    it('re-encodes the decoded storage name when the rule matches by URL', async function () {
      for (const [name, encoded] of Object.entries(NAMES)) {
        const res = await request(mediaApp(media.storage, xSendfile({ sourceUrl: '/media/', destinationUrl: '/internal' }, { backend: 'nginx' })).callback()).get(route(name));
        expect(res.headers['x-accel-redirect'], name).to.equal(`/internal/${encoded}`);
      }
    });

    it('sends the Content-Disposition as X-Accel-Content-Disposition, which nginx does not copy into its 404 and 416 pages', async function () {
      const headers = await handOff({ backend: 'nginx', destinationUrl: '/p/' }, 'plain.txt');
      expect(headers['x-accel-content-disposition']).to.equal('attachment; filename=plain.txt');
      expect(headers).not.to.have.property('content-disposition');
    });

    it("sends Content-Disposition itself with dispositionHeader: 'Content-Disposition', for a hand-written location", async function () {
      const headers = await handOff({ backend: 'nginx', destinationUrl: '/p/', dispositionHeader: 'Content-Disposition' }, 'plain.txt');
      expect(headers['content-disposition']).to.equal('attachment; filename=plain.txt');
      expect(headers).not.to.have.property('x-accel-content-disposition');
    });

    it('sends no X-Accel-Charset: the Content-Type carries the charset, and nginx would log an error for a charset it has no map for', async function () {
      const headers = await handOff({ backend: 'nginx', destinationUrl: '/p/' }, 'plain.txt');
      expect(headers['content-type']).to.equal('text/plain; charset=utf-8');
      expect(headers).not.to.have.property('x-accel-charset');
    });

    it('sends no X-Accel-Expires, -Buffering or -Limit-Rate unless the rule asks', async function () {
      const headers = await handOff({ backend: 'nginx', destinationUrl: '/p/' }, 'plain.txt');
      expect(Object.keys(headers).filter((name) => name.startsWith('x-accel-')).sort()).to.deep.equal(['x-accel-content-disposition', 'x-accel-redirect']);
    });

    const options: [string, Rule, string, string][] = [
      ['expires in seconds', { expires: 3600 }, 'x-accel-expires', '3600'],
      ['expires 0', { expires: 0 }, 'x-accel-expires', '0'],
      ['expires at a Date, as @unix-seconds', { expires: new Date('2030-01-02T03:04:05.678Z') }, 'x-accel-expires', '@1893553445'],
      ['expires false, as off', { expires: false }, 'x-accel-expires', 'off'],
      ['buffering true', { buffering: true }, 'x-accel-buffering', 'yes'],
      ['buffering false', { buffering: false }, 'x-accel-buffering', 'no'],
      ['limitRate in bytes per second', { limitRate: 1048576 }, 'x-accel-limit-rate', '1048576'],
      ['limitRate false, as off', { limitRate: false }, 'x-accel-limit-rate', 'off'],
    ];
    for (const [title, option, header, value] of options) {
      it(`${title} → ${header}: ${value}`, async function () {
        expect((await handOff({ backend: 'nginx', destinationUrl: '/p/', ...option }, 'plain.txt'))[header]).to.equal(value);
      });
    }
  });

  describe('caddy', function () {
    // Debian's Caddy 2.6 rewrite takes X-Accel-Redirect literally (proved through the real server in test/proxies).
    it('X-Accel-Redirect leaves Node as the UTF-8 bytes of destinationUrl + name, and nothing nginx-only', async function () {
      for (const name of Object.keys(NAMES).filter((name) => !name.includes('?'))) {
        const headers = await handOff({ backend: 'caddy', destinationUrl: '/caddy-internal/' }, name);
        expect(Buffer.from(headers['x-accel-redirect']!, 'latin1').equals(Buffer.from(`/caddy-internal/${name}`, 'utf8')), `${name}: ${headers['x-accel-redirect']}`).to.equal(true);
        expect(Object.keys(headers).filter((header) => header.startsWith('x-accel-') || header === 'x-sendfile')).to.deep.equal(['x-accel-redirect']);
      }
    });

    it("streams a name with '?', which ends the path in Caddy and cannot be escaped, or hands it to a later rule", async function () {
      const streamed = await request(mediaApp(media.storage, xSendfile({ sourceDir: media.location, destinationUrl: '/c/', backend: 'caddy' })).callback()).get(route('what?.txt'));
      expect(streamed.headers).not.to.have.property('x-accel-redirect');
      expect(streamed.text).to.equal('what?.txt');
      const rules: Rule[] = [
        { sourceDir: media.location, destinationUrl: '/c/', backend: 'caddy' },
        { sourceDir: media.location, destinationUrl: '/n/', backend: 'nginx' },
      ];
      const next = await request(mediaApp(media.storage, xSendfile(rules)).callback()).get(route('what?.txt'));
      expect(next.headers['x-accel-redirect']).to.equal('/n/what%3F.txt');
    });
  });

  describe('lighttpd', function () {
    it('X-Sendfile is the whole path percent-encoded, as lighttpd url-decodes it', async function () {
      for (const [name, encoded] of Object.entries(NAMES)) {
        expect((await handOff({ backend: 'lighttpd', destinationDir: '/var/www/files' }, name))['x-sendfile'], name).to.equal(`/var/www/files/${encoded}`);
      }
    });

    it('encodes the destination folder too, since lighttpd decodes the whole value', async function () {
      expect((await handOff({ backend: 'lighttpd', destinationDir: '/srv/100% files/' }, 'plain.txt'))['x-sendfile']).to.equal('/srv/100%25%20files/plain.txt');
    });
  });

  describe('apache', function () {
    it('X-Sendfile leaves Node as the UTF-8 bytes of the absolute path (mod_xsendfile 0.12 reads it raw)', async function () {
      for (const name of Object.keys(NAMES)) {
        const value = (await handOff({ backend: 'apache', destinationDir: '/var/www/dé files/' }, name))['x-sendfile']!;
        // The HTTP client reads header bytes as latin1, one character per byte.
        expect(Buffer.from(value, 'latin1').equals(Buffer.from(`/var/www/dé files/${name}`, 'utf8')), `${name}: ${value}`).to.equal(true);
      }
    });

    it('percentEncode sends the whole path percent-encoded, for mod_xsendfile 1.0 with XSendFileUnescape', async function () {
      for (const [name, encoded] of Object.entries(NAMES)) {
        expect((await handOff({ backend: 'apache', destinationDir: '/var/www/dé files', percentEncode: true }, name))['x-sendfile'], name).to.equal(`/var/www/d%C3%A9%20files/${encoded}`);
      }
    });

    it('sends Accept-Ranges: bytes, which Apache keeps and would not send itself', async function () {
      expect((await handOff({ backend: 'apache', destinationDir: '/var/www' }, 'plain.txt'))['accept-ranges']).to.equal('bytes');
      expect((await handOff({ backend: 'apache', destinationDir: '/var/www', percentEncode: true }, 'plain.txt'))['accept-ranges']).to.equal('bytes');
    });
  });
});
