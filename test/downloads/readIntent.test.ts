import { expect } from 'chai';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { FileSystemStorage, ImproperlyConfiguredError, VirtualFile, download, storageDownload, virtualDownload } from '../../src/index.js';
import type { DownloadFile } from '../../src/downloadFile.js';
import { appWith } from '../support/app.js';

describe('What a download tells its file before the answer', function () {
  it('announces a read to stat for a plain GET only: never for a HEAD, a Range or a conditional GET', async function () {
    const intents: boolean[] = [];
    const content = new VirtualFile({ name: 'a.txt', content: 'abcdef' });
    const file: DownloadFile = {
      name: 'a.txt',
      stat: (intent) => (intents.push(intent?.willRead ?? false), content.stat()),
      open: (range) => content.open(range),
    };
    const app = appWith(download(() => file)).callback();
    await request(app).get('/');
    await request(app).head('/');
    await request(app).get('/').set('Range', 'bytes=0-1');
    await request(app).get('/').set('If-None-Match', '"x"');
    await request(app).get('/').set('If-Modified-Since', 'Sun, 06 Nov 1994 08:49:37 GMT');
    expect(intents).to.deep.equal([true, false, false, false, false]);
  });

  it('marks every file Node streams, on local disk or virtual, for `koa-downloadview check`', async function () {
    const location = await mkdtemp(join(tmpdir(), 'kdv-mark-'));
    try {
      await writeFile(join(location, 'a.txt'), 'a');
      const local = await request(appWith(storageDownload({ storage: new FileSystemStorage({ location }), name: 'a.txt' })).callback()).get('/');
      expect(local.headers['x-downloadview']).to.equal('streamed');
      const virtual = await request(appWith(virtualDownload(() => new VirtualFile({ name: 'a.txt', content: 'a' }))).callback()).get('/');
      expect(virtual.headers['x-downloadview']).to.equal('streamed');
    } finally {
      await rm(location, { recursive: true, force: true });
    }
  });
});

describe('VirtualFile options', function () {
  it('accepts a stream of size 0, and names in its refusal a size JSON cannot print', function () {
    const empty = new VirtualFile({ name: 'empty.txt', stream: () => [], size: 0 });
    expect(empty.name).to.equal('empty.txt');
    const size = () => 1;
    expect(() => new VirtualFile({ name: 'a.txt', stream: () => [], size: size as never })).to.throw(ImproperlyConfiguredError, `; got ${String(size)}.`);
  });

  it('is served with its own contentType', async function () {
    const res = await request(appWith(virtualDownload(() => new VirtualFile({ name: 'a.dat', content: 'x,y', contentType: 'text/csv' }))).callback()).get('/');
    expect(res.headers['content-type']).to.equal('text/csv; charset=utf-8');
  });
});
