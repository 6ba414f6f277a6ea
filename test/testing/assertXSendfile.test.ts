import { expect } from 'chai';
import request from 'supertest';
import { sendFile } from '../../src/sendFile.js';
import { assertXSendfile } from '../../src/testing.js';
import { VirtualFile } from '../../src/virtualFile.js';
import { xSendfile } from '../../src/xSendfile.js';
import { appWith } from '../support/app.js';
import { assertionFailure } from './failures.js';
import { offloadedApp } from './offloaded.js';
import { withFetch } from './responses.js';

const apache = offloadedApp({ backend: 'apache', destinationDir: '/var/www/files' }, 'héllo wörld.txt');
const lighttpd = offloadedApp({ backend: 'lighttpd', destinationDir: '/var/www/files' }, '100% sure.txt');

describe('assertXSendfile', function () {
  it('passes on an Apache response whose X-Sendfile carries raw UTF-8 bytes', async function () {
    assertXSendfile(await request(apache.callback()).get('/'), { basename: 'héllo wörld.txt', contentType: 'text/plain; charset=utf-8', filePath: '/var/www/files/héllo wörld.txt' });
  });

  it('passes on a fetch Response too', async function () {
    await withFetch(apache, '/', (res) => assertXSendfile(res, { basename: 'héllo wörld.txt', filePath: '/var/www/files/héllo wörld.txt' }));
  });

  it('passes on a percent-encoded X-Sendfile (lighttpd), given the path decoded or as sent', async function () {
    const res = await request(lighttpd.callback()).get('/');
    assertXSendfile(res, { filePath: '/var/www/files/100% sure.txt' });
    assertXSendfile(res, { filePath: '/var/www/files/100%25%20sure.txt' });
  });

  it('fails on another path, showing the path the proxy would open', async function () {
    const error = await assertionFailure(async () => assertXSendfile(await request(apache.callback()).get('/'), { filePath: '/var/www/files/hello world.txt' }));
    expect(error.message).to.equal('X-Sendfile: expected /var/www/files/hello world.txt, got /var/www/files/héllo wörld.txt.');
    expect([error.actual, error.expected]).to.deep.equal(['/var/www/files/héllo wörld.txt', '/var/www/files/hello world.txt']);
  });

  it('fails on a wrong basename, read from filename*', async function () {
    const error = await assertionFailure(async () => assertXSendfile(await request(apache.callback()).get('/'), { basename: 'hello world.txt' }));
    expect(error.message).to.match(/^Content-Disposition file name: expected "hello world.txt", got "héllo wörld.txt"/);
  });

  it('fails on a wrong Content-Type', async function () {
    const error = await assertionFailure(async () => assertXSendfile(await request(apache.callback()).get('/'), { contentType: 'application/pdf' }));
    expect(error.message).to.equal('Content-Type: expected application/pdf, got text/plain; charset=utf-8.');
  });

  it('fails on an X-Accel-Redirect response, pointing at assertXAccelRedirect', async function () {
    const nginx = offloadedApp({ backend: 'nginx', destinationUrl: '/protected/' }, 'a.txt');
    const error = await assertionFailure(async () => assertXSendfile(await request(nginx.callback()).get('/')));
    expect(error.message).to.equal('Expected an X-Sendfile header, found none. It has X-Accel-Redirect: use assertXAccelRedirect.');
  });

  it('fails on a download the app streamed itself, asking whether a rule matches it', async function () {
    const streamed = appWith(xSendfile({ sourceDir: '/srv/media', destinationDir: '/var/www', backend: 'apache' }), (ctx) => sendFile(ctx, new VirtualFile({ name: 'a.txt', content: 'a' })));
    const error = await assertionFailure(async () => assertXSendfile(await request(streamed.callback()).get('/')));
    expect(error.message).to.equal('Expected an X-Sendfile header, found none. Is the download matched by an xSendfile rule?');
  });
});
