/**
 * Issue 11: an interrupted download resumes. Browsers and download managers
 * resume with `Range` plus `If-Range: <ETag>`, and If-Range compares
 * strongly (RFC 9110 §13.1.5): a weak ETag restarts the download from zero.
 * FileSystemStorage gives a strong one, which must change whenever the bytes
 * can have changed.
 */
import { expect } from 'chai';
import { mkdtemp, rename, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import request from 'supertest';
import { FileSystemStorage, storageDownload } from '../../src/index.js';
import { appWith } from '../support/app.js';

const STRONG_ETAG = /^"[^"]+"$/;

describe('Hardening: resuming a download from FileSystemStorage', function () {
  let location: string;
  let app: ReturnType<typeof appWith>;

  beforeEach(async function () {
    location = await mkdtemp(join(tmpdir(), 'kdv-resume-'));
    await writeFile(join(location, 'report.txt'), '0123456789');
    app = appWith(storageDownload({ storage: new FileSystemStorage({ location }), name: 'report.txt' }));
  });
  afterEach(() => rm(location, { recursive: true, force: true }));

  const resume = (etag: string) => request(app.callback()).get('/').set('Range', 'bytes=5-').set('If-Range', etag);

  it('sends a strong ETag, the same whether the file is stat-ed or opened, and honours it in If-Range', async function () {
    const get = await request(app.callback()).get('/');
    const etag = get.headers['etag']!;
    expect(etag).to.match(STRONG_ETAG);
    expect((await request(app.callback()).head('/')).headers['etag']).to.equal(etag);
    const resumed = await resume(etag);
    expect([resumed.status, resumed.headers['content-range'], resumed.text]).to.deep.equal([206, 'bytes 5-9/10', '56789']);
    expect((await request(app.callback()).get('/').set('If-None-Match', etag)).status).to.equal(304);
  });

  it('changes the ETag when the file is rewritten in place at the same size, so a stale If-Range gets the whole file', async function () {
    const etag = (await request(app.callback()).get('/')).headers['etag']!;
    // Past the coarsest timestamp tick of a Linux kernel (10 ms at HZ=100): the rewrite gets a later mtime.
    await sleep(20);
    await writeFile(join(location, 'report.txt'), 'abcdefghij');
    const stale = await resume(etag);
    expect(stale.headers['etag']).to.match(STRONG_ETAG).and.not.equal(etag);
    expect([stale.status, stale.text]).to.deep.equal([200, 'abcdefghij']);
  });

  it('changes the ETag for a same-size write within the same millisecond, as filesystems with fine timestamps record it', async function () {
    // 100 µs apart: utimes takes fractional seconds down to the nanosecond.
    const second = Date.parse('2024-01-02T03:04:05Z') / 1000;
    await utimes(join(location, 'report.txt'), second + 0.0001, second + 0.0001);
    const etag = (await request(app.callback()).get('/')).headers['etag']!;
    await writeFile(join(location, 'report.txt'), 'abcdefghij');
    await utimes(join(location, 'report.txt'), second + 0.0002, second + 0.0002);
    const stale = await resume(etag);
    expect(stale.headers['etag']).to.match(STRONG_ETAG).and.not.equal(etag);
    expect([stale.status, stale.text]).to.deep.equal([200, 'abcdefghij']);
  });

  it('changes the ETag when the file is replaced by another of the same size and mtime', async function () {
    // As a copy that keeps times (cp -p, rsync -t) would leave it: only the inode tells the files apart.
    const sameTime = new Date('2024-01-02T03:04:05Z');
    await utimes(join(location, 'report.txt'), sameTime, sameTime);
    const etag = (await request(app.callback()).get('/')).headers['etag']!;
    await writeFile(join(location, 'report.new.txt'), 'abcdefghij');
    await utimes(join(location, 'report.new.txt'), sameTime, sameTime);
    await rename(join(location, 'report.new.txt'), join(location, 'report.txt'));
    const stale = await resume(etag);
    expect(stale.headers['etag']).to.match(STRONG_ETAG).and.not.equal(etag);
    expect([stale.status, stale.text]).to.deep.equal([200, 'abcdefghij']);
  });
});
