import { expect } from 'chai';
import request from 'supertest';
import { sendFile } from '../../src/sendFile.js';
import { assertDownloadResponse } from '../../src/testing.js';
import { VirtualFile } from '../../src/virtualFile.js';
import { appWith } from '../support/app.js';
import { assertionFailure } from './failures.js';
import { withFetch } from './responses.js';

const text = appWith((ctx) => sendFile(ctx, new VirtualFile({ name: 'héllo wörld.txt', content: 'Hello world!\n' })));
const binary = appWith((ctx) => sendFile(ctx, new VirtualFile({ name: 'data.bin', content: new Uint8Array([0, 1, 2, 255]) }), { attachment: false }));

describe('assertDownloadResponse', function () {
  it('passes on a supertest response when every option matches, the basename read from filename*', async function () {
    await assertDownloadResponse(await request(text.callback()).get('/'), {
      basename: 'héllo wörld.txt',
      contentType: 'text/plain; charset=utf-8',
      mimeType: 'text/plain',
      content: 'Hello world!\n',
      attachment: true,
    });
  });

  it('passes on a fetch Response, reading its body', async function () {
    await withFetch(binary, '/', (res) => assertDownloadResponse(res, { basename: 'data.bin', mimeType: 'application/octet-stream', content: new Uint8Array([0, 1, 2, 255]), attachment: false }));
  });

  it('reads a binary supertest body asked for with responseType("blob")', async function () {
    await assertDownloadResponse(await request(binary.callback()).get('/').responseType('blob'), { content: new Uint8Array([0, 1, 2, 255]) });
  });

  it('says how to get a binary body when supertest did not keep it', async function () {
    // superagent decodes a zip as UTF-8 text: its bytes would be lost.
    const zip = appWith((ctx) => sendFile(ctx, new VirtualFile({ name: 'archive.zip', content: new Uint8Array([0x50, 0x4b, 0xff]) })));
    const res = await request(zip.callback()).get('/');
    const error = await assertDownloadResponse(res, { content: 'x' }).then(() => undefined, (caught: unknown) => caught);
    expect(error).to.be.instanceOf(TypeError).with.property('message').that.matches(/responseType\('blob'\)/);
  });

  it('fails on the ASCII fallback name: django-downloadview looked for a substring, this reads filename*', async function () {
    const error = await assertionFailure(async () => assertDownloadResponse(await request(text.callback()).get('/'), { basename: 'hello world.txt' }));
    expect(error.message).to.match(/^Content-Disposition file name: expected "hello world.txt", got "héllo wörld.txt" \(header: attachment;/);
    expect(error.actual).to.equal('héllo wörld.txt');
    expect(error.expected).to.equal('hello world.txt');
  });

  it('fails on a MIME type that is only a prefix of the real one', async function () {
    const error = await assertionFailure(async () => assertDownloadResponse(await request(text.callback()).get('/'), { mimeType: 'text/plai' }));
    expect(error.message).to.equal('MIME type: expected text/plai, got text/plain.');
  });

  it('fails on a different Content-Type, showing both', async function () {
    const error = await assertionFailure(async () => assertDownloadResponse(await request(text.callback()).get('/'), { contentType: 'text/plain' }));
    expect(error.message).to.equal('Content-Type: expected text/plain, got text/plain; charset=utf-8.');
    expect([error.actual, error.expected]).to.deep.equal(['text/plain; charset=utf-8', 'text/plain']);
  });

  it('fails on inline when attachment was expected', async function () {
    const error = await assertionFailure(async () => assertDownloadResponse(await request(binary.callback()).get('/'), { attachment: true }));
    expect(error.message).to.equal('Content-Disposition type: expected attachment, got inline.');
  });

  it('fails on different content, with both bodies readable in the message', async function () {
    const error = await assertionFailure(async () => assertDownloadResponse(await request(text.callback()).get('/'), { content: 'Hello you!\n' }));
    expect(error.message).to.equal('Content: expected 11 bytes "Hello you!\\n", got 13 bytes "Hello world!\\n".');
    expect([error.actual, error.expected]).to.deep.equal(['Hello world!\n', 'Hello you!\n']);
  });

  it('shows binary content in hex', async function () {
    const error = await assertionFailure(() => withFetch(binary, '/', (res) => assertDownloadResponse(res, { content: new Uint8Array([0, 1, 2]) })));
    expect(error.message).to.equal('Content: expected 3 bytes "0x000102", got 4 bytes "0x000102ff".');
  });

  it('fails on a response that is not a download: no Content-Disposition', async function () {
    const error = await assertionFailure(async () => assertDownloadResponse(await request(appWith((ctx) => void (ctx.body = 'page')).callback()).get('/')));
    expect(error.message).to.equal('Expected a Content-Disposition header, found none.');
  });

  it('fails on an error status, naming it', async function () {
    const error = await assertionFailure(async () => assertDownloadResponse(await request(appWith(() => undefined).callback()).get('/')));
    expect(error.message).to.equal('Expected a download response with status 200, got 404.');
    expect([error.actual, error.expected]).to.deep.equal([404, 200]);
  });

  it('fails on a partial, a not-modified and a redirect answer: a download is a 200', async function () {
    const answers: [string, Record<string, string>, number][] = [
      ['a 206', { Range: 'bytes=0-1' }, 206],
      ['a 304', { 'If-None-Match': '*' }, 304],
    ];
    for (const [kind, headers, status] of answers) {
      const error = await assertionFailure(async () => assertDownloadResponse(await request(text.callback()).get('/').set(headers)));
      expect(error.message, kind).to.equal(`Expected a download response with status 200, got ${status}.`);
    }
    const redirect = appWith((ctx) => {
      ctx.set('Content-Disposition', 'attachment; filename="a.txt"');
      ctx.redirect('https://files.example/a.txt');
    });
    const error = await assertionFailure(async () => assertDownloadResponse(await request(redirect.callback()).get('/')));
    expect(error.message).to.equal('Expected a download response with status 200, got 302.');
  });

  it('fails on a response handed to the proxy, naming the helper to use instead', async function () {
    const offloaded = appWith((ctx) => {
      ctx.set({ 'Content-Disposition': 'attachment; filename="a.txt"', 'X-Accel-Redirect': '/protected/a.txt' });
      ctx.body = '';
    });
    const error = await assertionFailure(async () => assertDownloadResponse(await request(offloaded.callback()).get('/')));
    expect(error.message).to.equal('Expected a download streamed by the app, but it was handed to the proxy (X-Accel-Redirect: /protected/a.txt); use assertXAccelRedirect.');
  });
});
