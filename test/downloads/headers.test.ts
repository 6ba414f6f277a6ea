import { expect } from 'chai';
import { parse } from 'content-disposition';
import request from 'supertest';
import { MemoryStorage, VirtualFile, download, storageDownload, virtualDownload } from '../../src/index.js';
import { appWith } from '../support/app.js';

async function memoryWith(files: Record<string, string>, contentTypes: Record<string, string> = {}): Promise<MemoryStorage> {
  const storage = new MemoryStorage();
  for (const [name, content] of Object.entries(files)) await storage.save(name, content, contentTypes[name] ? { contentType: contentTypes[name] } : {});
  return storage;
}

function get(file: VirtualFile, options = {}) {
  return request(appWith(virtualDownload(() => file, options)).callback()).get('/');
}

describe('Content-Type of a download', function () {
  it('is guessed from the file name, with utf-8 for text types only', async function () {
    expect((await get(new VirtualFile({ name: 'notes.txt', content: 'x' }))).headers['content-type']).to.equal('text/plain; charset=utf-8');
    expect((await get(new VirtualFile({ name: 'report.pdf', content: 'x' }))).headers['content-type']).to.equal('application/pdf');
    expect((await get(new VirtualFile({ name: 'data.json', content: '{}' }))).headers['content-type']).to.equal('application/json; charset=utf-8');
  });

  it('falls back to application/octet-stream for an unknown extension', async function () {
    expect((await get(new VirtualFile({ name: 'blob.zzzz', content: 'x' }))).headers['content-type']).to.equal('application/octet-stream');
  });

  it('uses the type the storage has before guessing', async function () {
    const storage = await memoryWith({ 'report.txt': '%PDF' }, { 'report.txt': 'application/pdf' });
    const res = await request(appWith(storageDownload({ storage, name: 'report.txt' })).callback()).get('/');
    expect(res.headers['content-type']).to.equal('application/pdf');
  });

  it('is overridden by the contentType option, and the charset by the charset option', async function () {
    const file = new VirtualFile({ name: 'notes.txt', content: 'x' });
    expect((await get(file, { contentType: 'text/markdown' })).headers['content-type']).to.equal('text/markdown; charset=utf-8');
    expect((await get(file, { charset: 'iso-8859-1' })).headers['content-type']).to.equal('text/plain; charset=iso-8859-1');
    expect((await get(file, { charset: false })).headers['content-type']).to.equal('text/plain');
    expect((await get(file, { contentType: 'text/csv; charset=windows-1252' })).headers['content-type']).to.equal('text/csv; charset=windows-1252');
  });
});

describe('Content-Disposition of a download', function () {
  it('is attachment with the file name by default', async function () {
    const res = await get(new VirtualFile({ name: 'folder/hello.txt', content: 'x' }));
    expect(parse(res.headers['content-disposition']!)).to.deep.include({ type: 'attachment', parameters: { filename: 'hello.txt' } });
  });

  it('is inline with the file name kept when attachment is false', async function () {
    const res = await get(new VirtualFile({ name: 'hello.txt', content: 'x' }), { attachment: false });
    expect(parse(res.headers['content-disposition']!)).to.deep.include({ type: 'inline', parameters: { filename: 'hello.txt' } });
  });

  it('takes the basename option, fixed or computed from the request', async function () {
    const file = new VirtualFile({ name: 'x.txt', content: 'x' });
    expect(parse((await get(file, { basename: 'fixed.txt' })).headers['content-disposition']!).parameters['filename']).to.equal('fixed.txt');
    const app = appWith(download(() => file, { basename: (ctx) => `${ctx.query['as']}.txt` }));
    const res = await request(app.callback()).get('/?as=chosen');
    expect(parse(res.headers['content-disposition']!).parameters['filename']).to.equal('chosen.txt');
  });

  it('gives an ASCII fallback and filename* in UTF-8 for non-ASCII names', async function () {
    for (const [name, fallback] of [
      ['héllo wörld.txt', 'hello world.txt'],
      ['日本語.pdf', '___.pdf'],
      ['100% sure.txt', '100_ sure.txt'],
    ]) {
      const header = (await get(new VirtualFile({ name: name!, content: 'x' }))).headers['content-disposition']!;
      expect(header).to.match(/^[\x20-\x7e]+$/, 'the header itself is pure ASCII');
      expect(header).to.match(new RegExp(`filename="?${fallback!.replace('.', '\\.')}"?;`));
      expect(parse(header).parameters['filename']).to.equal(name, 'filename* decodes to the original name');
    }
  });

  it('can never be broken by quotes, backslashes, CR/LF, control characters, semicolons or separators in a name', async function () {
    const hostile = [
      'quo"te.txt',
      'back\\slash.txt',
      'semi;colon=1.txt',
      'new\r\nSet-Cookie: a=b.txt',
      'nul\u0000and\u0007bell.txt',
      '../../etc/passwd',
      'dir\\..\\win.ini',
      'rtl\u202etxt.exe',
      `${'long'.repeat(200)}.txt`,
      '"; filename*=UTF-8\'\'evil.exe',
    ];
    for (const name of hostile) {
      const res = await get(new VirtualFile({ name: 'file.bin', content: 'x' }), { basename: name });
      expect(res.headers['set-cookie'], name).to.equal(undefined);
      const header = res.headers['content-disposition']!;
      expect(header, name).to.match(/^[\x20-\x7e]+$/);
      const parsed = parse(header);
      expect(parsed.type).to.equal('attachment');
      expect(Object.keys(parsed.parameters), name).to.satisfy((keys: string[]) => keys.every((k) => k === 'filename' || k === 'filename*'));
      const saved = parsed.parameters['filename']!;
      expect(saved, name).to.not.match(/[\u0000-\u001f\u007f/\\\u202e]/);
      expect(saved.length, name).to.be.at.most(200);
      expect(saved.startsWith('.'), name).to.equal(false);
    }
  });
});

describe('Validators of a download', function () {
  it('sends Last-Modified and a weak ETag from size and mtime for files without their own', async function () {
    const modifiedTime = new Date('2024-01-02T03:04:05Z');
    const res = await get(new VirtualFile({ name: 'a.txt', content: '12345', modifiedTime }));
    expect(res.headers['last-modified']).to.equal('Tue, 02 Jan 2024 03:04:05 GMT');
    expect(res.headers['etag']).to.equal(`W/"5-${modifiedTime.getTime().toString(16)}"`);
  });

  it("sends the storage's own ETag when it has one", async function () {
    const storage = await memoryWith({ 'a.txt': 'abc' });
    const res = await request(appWith(storageDownload({ storage, name: 'a.txt' })).callback()).get('/');
    expect(res.headers['etag']).to.equal((await storage.stat('a.txt')).etag);
  });

  it('sends Cache-Control only when asked', async function () {
    const file = new VirtualFile({ name: 'a.txt', content: 'x' });
    expect((await get(file)).headers['cache-control']).to.equal(undefined);
    expect((await get(file, { cacheControl: 'private, max-age=60' })).headers['cache-control']).to.equal('private, max-age=60');
  });
});
