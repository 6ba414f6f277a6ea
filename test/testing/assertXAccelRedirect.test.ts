import { expect } from 'chai';
import request from 'supertest';
import { assertXAccelRedirect } from '../../src/testing.js';
import { assertionFailure } from './failures.js';
import { offloadedApp } from './offloaded.js';
import { withFetch } from './responses.js';

const nginx = offloadedApp({ backend: 'nginx', destinationUrl: '/protected/', expires: 3600, buffering: false, limitRate: 1024 }, 'héllo wörld.txt');

describe('assertXAccelRedirect', function () {
  it('passes when every option matches, the redirect URL given decoded', async function () {
    assertXAccelRedirect(await request(nginx.callback()).get('/'), {
      basename: 'héllo wörld.txt',
      contentType: 'text/plain; charset=utf-8',
      redirectUrl: '/protected/héllo wörld.txt',
      expires: 3600,
      buffering: false,
      limitRate: 1024,
    });
  });

  it('passes on a fetch Response, the redirect URL given as sent', async function () {
    await withFetch(nginx, '/', (res) => assertXAccelRedirect(res, { redirectUrl: '/protected/h%C3%A9llo%20w%C3%B6rld.txt' }));
  });

  it("reads the file name from X-Accel-Content-Disposition, as nginx gets it, or from Content-Disposition when the rule keeps that", async function () {
    const res = await request(nginx.callback()).get('/');
    expect(res.headers).not.to.have.property('content-disposition');
    assertXAccelRedirect(res, { basename: 'héllo wörld.txt' });
    const kept = offloadedApp({ backend: 'nginx', destinationUrl: '/p/', dispositionHeader: 'Content-Disposition' }, 'héllo wörld.txt');
    assertXAccelRedirect(await request(kept.callback()).get('/'), { basename: 'héllo wörld.txt' });
  });

  it('passes on a Caddy response whose X-Accel-Redirect carries raw UTF-8 bytes', async function () {
    const caddy = offloadedApp({ backend: 'caddy', destinationUrl: '/c/' }, 'héllo wörld.txt');
    assertXAccelRedirect(await request(caddy.callback()).get('/'), { redirectUrl: '/c/héllo wörld.txt' });
    await withFetch(caddy, '/', (res) => assertXAccelRedirect(res, { redirectUrl: '/c/héllo wörld.txt' }));
  });

  it('compares expires given as a Date or false, and limitRate false, in nginx spelling', async function () {
    const at = new Date('2030-01-02T03:04:05Z');
    const res = await request(offloadedApp({ backend: 'nginx', destinationUrl: '/p/', expires: at, limitRate: false }, 'a.txt').callback()).get('/');
    assertXAccelRedirect(res, { expires: at, limitRate: false });
    const off = await request(offloadedApp({ backend: 'nginx', destinationUrl: '/p/', expires: false }, 'a.txt').callback()).get('/');
    assertXAccelRedirect(off, { expires: false });
  });

  it('fails on another redirect URL, showing the header as sent', async function () {
    const error = await assertionFailure(async () => assertXAccelRedirect(await request(nginx.callback()).get('/'), { redirectUrl: '/private/héllo wörld.txt' }));
    expect(error.message).to.equal('X-Accel-Redirect: expected /private/héllo wörld.txt, got /protected/h%C3%A9llo%20w%C3%B6rld.txt.');
  });

  const wrong: [string, object, string][] = [
    ['expires', { expires: 60 }, 'X-Accel-Expires: expected 60, got 3600.'],
    ['buffering', { buffering: true }, 'X-Accel-Buffering: expected yes, got no.'],
    ['limitRate', { limitRate: false }, 'X-Accel-Limit-Rate: expected off, got 1024.'],
    ['basename', { basename: 'hello.txt' }, 'X-Accel-Content-Disposition file name: expected "hello.txt", got "héllo wörld.txt"'],
  ];
  for (const [option, expected, message] of wrong) {
    it(`fails on a different ${option}, naming the header and both values`, async function () {
      const error = await assertionFailure(async () => assertXAccelRedirect(await request(nginx.callback()).get('/'), expected));
      expect(error.message.startsWith(message), error.message).to.equal(true);
    });
  }

  it('fails on a header the rule did not set, saying it is missing', async function () {
    const plain = offloadedApp({ backend: 'caddy', destinationUrl: '/p/' }, 'a.txt');
    const error = await assertionFailure(async () => assertXAccelRedirect(await request(plain.callback()).get('/'), { expires: 0 }));
    expect(error.message).to.equal('X-Accel-Expires: expected 0, got (no header).');
  });

  it('fails on an X-Sendfile response, pointing at assertXSendfile', async function () {
    const apache = offloadedApp({ backend: 'apache', destinationDir: '/var/www' }, 'a.txt');
    const error = await assertionFailure(async () => assertXAccelRedirect(await request(apache.callback()).get('/')));
    expect(error.message).to.equal('Expected an X-Accel-Redirect header, found none. It has X-Sendfile: use assertXSendfile.');
  });
});
