import { expect } from 'chai';
import request from 'supertest';
import type { Response } from 'supertest';
import { MemoryStorage, VirtualFile, storageDownload, virtualDownload } from '../../src/index.js';
import { MAX_RANGES } from '../../src/ranges.js';
import { appWith } from '../support/app.js';
import { CountingStorage } from '../support/countingStorage.js';

const DIGITS = '0123456789abcdefghij'; // 20 bytes
const MODIFIED = new Date('2024-05-06T07:08:09Z');

function binary(res: Response): Buffer {
  return res.body as Buffer;
}

function fetchAs(req: request.Test): request.Test {
  return req.buffer(true).parse((res, done) => {
    const chunks: Buffer[] = [];
    res.on('data', (chunk: Buffer) => chunks.push(chunk));
    res.on('end', () => done(null, Buffer.concat(chunks)));
  });
}

describe('Conditional and range requests', function () {
  let storage: CountingStorage;
  let agent: ReturnType<typeof request.agent>;
  let etag: string;

  beforeEach(async function () {
    const memory = new MemoryStorage();
    await memory.save('digits.txt', DIGITS);
    storage = new CountingStorage(memory);
    etag = (await memory.stat('digits.txt')).etag!;
    agent = request.agent(appWith(storageDownload({ storage, name: 'digits.txt' })).callback());
  });

  const get = (headers: Record<string, string> = {}) => fetchAs(agent.get('/').set(headers));

  it('answers 200 with Content-Length and the whole file', async function () {
    const res = await get();
    expect(res.status).to.equal(200);
    expect(res.headers['content-length']).to.equal('20');
    expect(res.headers['accept-ranges']).to.equal('bytes');
    expect(binary(res).toString()).to.equal(DIGITS);
  });

  it('answers 304 with the validators and no body to a matching If-None-Match, without opening the file', async function () {
    const res = await get({ 'If-None-Match': etag });
    expect(res.status).to.equal(304);
    expect(res.headers['etag']).to.equal(etag);
    expect(res.headers['last-modified']).to.be.a('string');
    expect(binary(res).length).to.equal(0);
    expect(storage.opens).to.deep.equal([]);
  });

  it('answers 304 to an If-Modified-Since at or after Last-Modified, and 200 before it', async function () {
    const lastModified = (await get()).headers['last-modified']!;
    expect((await get({ 'If-Modified-Since': lastModified })).status).to.equal(304);
    expect((await get({ 'If-Modified-Since': new Date(Date.parse(lastModified) - 60_000).toUTCString() })).status).to.equal(200);
  });

  it('answers 200 to an If-None-Match that does not match', async function () {
    expect((await get({ 'If-None-Match': '"other"' })).status).to.equal(200);
  });

  it('answers 412 to an If-Match that does not match, and 200 to one that does', async function () {
    const failed = await get({ 'If-Match': '"other"' });
    expect(failed.status).to.equal(412);
    expect(failed.headers['content-disposition']).to.equal(undefined);
    expect((await get({ 'If-Match': etag })).status).to.equal(200);
    expect((await get({ 'If-Match': '*' })).status).to.equal(200);
  });

  it('answers 412 to an If-Unmodified-Since before Last-Modified', async function () {
    expect((await get({ 'If-Unmodified-Since': new Date(Date.now() - 3_600_000).toUTCString() })).status).to.equal(412);
    expect((await get({ 'If-Unmodified-Since': new Date(Date.now() + 3_600_000).toUTCString() })).status).to.equal(200);
  });

  it('ignores an If-Modified-Since or If-Unmodified-Since that is not an HTTP-date', async function () {
    const lastModified = (await get()).headers['last-modified']!;
    for (const value of [new Date(Date.parse(lastModified)).toISOString(), lastModified.replace(' GMT', ''), '0', 'yesterday']) {
      expect((await get({ 'If-Modified-Since': value })).status, value).to.equal(200);
      expect((await get({ 'If-Unmodified-Since': value })).status, value).to.equal(200);
    }
  });

  it('reads If-Modified-Since and If-Range dates in all three HTTP-date formats, asctime as GMT', async function () {
    const app = appWith(virtualDownload(() => new VirtualFile({ name: 'dated.txt', content: DIGITS, modifiedTime: MODIFIED })));
    for (const date of ['Mon, 06 May 2024 07:08:09 GMT', 'Monday, 06-May-24 07:08:09 GMT', 'Mon May  6 07:08:09 2024']) {
      expect((await fetchAs(request(app.callback()).get('/').set('If-Modified-Since', date))).status, date).to.equal(304);
      expect((await fetchAs(request(app.callback()).get('/').set({ Range: 'bytes=0-1', 'If-Range': date }))).status, date).to.equal(206);
    }
  });

  it('ignores empty elements of a Range list', async function () {
    for (const range of ['bytes=2-5,', 'bytes=,2-5', 'bytes=2-3,,4-5', 'bytes=2-3, ,4-5']) {
      const res = await get({ Range: range });
      expect(res.status, range).to.equal(206);
      expect(res.headers['content-range'], range).to.equal('bytes 2-5/20');
    }
  });

  it('answers one range with 206, Content-Range and only those bytes, read alone from the storage', async function () {
    const res = await get({ Range: 'bytes=2-5' });
    expect(res.status).to.equal(206);
    expect(res.headers['content-range']).to.equal('bytes 2-5/20');
    expect(res.headers['content-length']).to.equal('4');
    expect(binary(res).toString()).to.equal('2345');
    expect(storage.opens).to.deep.equal([{ name: 'digits.txt', range: { start: 2, end: 5 } }]);
  });

  it('answers suffix and open-ended ranges', async function () {
    expect(binary(await get({ Range: 'bytes=-3' })).toString()).to.equal('hij');
    expect(binary(await get({ Range: 'bytes=17-' })).toString()).to.equal('hij');
  });

  it('answers several ranges as multipart/byteranges with exact parts and length', async function () {
    const res = await get({ Range: 'bytes=0-1,10-12' });
    expect(res.status).to.equal(206);
    const [, boundary] = /^multipart\/byteranges; boundary=(\S+)$/.exec(res.headers['content-type']!)!;
    const body = binary(res);
    expect(Number(res.headers['content-length'])).to.equal(body.length);
    expect(body.toString()).to.equal(
      `--${boundary}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Range: bytes 0-1/20\r\n\r\n01` +
        `\r\n--${boundary}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Range: bytes 10-12/20\r\n\r\nabc` +
        `\r\n--${boundary}--\r\n`,
    );
    expect(storage.opens.map((o) => o.range)).to.deep.equal([{ start: 0, end: 1 }, { start: 10, end: 12 }]);
  });

  it('coalesces overlapping ranges into one', async function () {
    const res = await get({ Range: 'bytes=0-5,3-8,4-6' });
    expect(res.status).to.equal(206);
    expect(res.headers['content-range']).to.equal('bytes 0-8/20');
  });

  it('answers 416 with bytes */size to an unsatisfiable range', async function () {
    const res = await get({ Range: 'bytes=50-60' });
    expect(res.status).to.equal(416);
    expect(res.headers['content-range']).to.equal('bytes */20');
    expect(res.headers['content-disposition']).to.equal(undefined);
    expect(storage.opens).to.deep.equal([]);
  });

  it('answers the full file to more ranges than it serves, never an amplified response', async function () {
    const wide = 'x'.repeat(4 * (MAX_RANGES + 1));
    const app = appWith(virtualDownload(() => new VirtualFile({ name: 'wide.txt', content: wide })));
    const apart = (count: number) => Array.from({ length: count }, (_, i) => `${4 * i}-${4 * i}`).join(',');
    const bounded = await fetchAs(request(app.callback()).get('/').set('Range', `bytes=${apart(MAX_RANGES)}`));
    expect(bounded.status).to.equal(206);
    const res = await fetchAs(request(app.callback()).get('/').set('Range', `bytes=${apart(MAX_RANGES + 1)}`));
    expect(res.status).to.equal(200);
    expect(binary(res).toString()).to.equal(wide);
    const thousands = Array.from({ length: 2000 }, () => '0-19').join(',');
    const overlapping = await get({ Range: `bytes=${thousands}` });
    expect(overlapping.status).to.equal(206);
    expect(binary(overlapping).length).to.equal(20);
  });

  it('ignores a malformed Range header and a non-bytes unit', async function () {
    expect((await get({ Range: 'bytes=abc' })).status).to.equal(200);
    expect((await get({ Range: 'lines=1-2' })).status).to.equal(200);
  });

  it('honours If-Range only when it matches: a strong ETag or the exact date', async function () {
    expect((await get({ Range: 'bytes=0-1', 'If-Range': etag })).status).to.equal(206);
    expect((await get({ Range: 'bytes=0-1', 'If-Range': '"stale"' })).status).to.equal(200);
    const lastModified = (await get()).headers['last-modified']!;
    expect((await get({ Range: 'bytes=0-1', 'If-Range': lastModified })).status).to.equal(206);
    expect((await get({ Range: 'bytes=0-1', 'If-Range': new Date(Date.parse(lastModified) - 1000).toUTCString() })).status).to.equal(200);
  });

  it('serves the whole file to an If-Range date later than Last-Modified: only the exact date matches', async function () {
    const lastModified = (await get()).headers['last-modified']!;
    const later = await get({ Range: 'bytes=0-1', 'If-Range': new Date(Date.parse(lastModified) + 1000).toUTCString() });
    expect(later.status).to.equal(200);
    expect(binary(later).toString()).to.equal(DIGITS);
  });

  it('serves the whole file to an If-Range with a weak ETag, even one equal to its own', async function () {
    expect((await get({ Range: 'bytes=0-1', 'If-Range': `W/${etag}` })).status).to.equal(200);
  });

  it('answers 200 to If-Unmodified-Since exactly equal to Last-Modified', async function () {
    const lastModified = (await get()).headers['last-modified']!;
    expect((await get({ 'If-Unmodified-Since': lastModified })).status).to.equal(200);
  });

  it('answers 412 to an If-Match with a weak ETag: If-Match compares strongly', async function () {
    expect((await get({ 'If-Match': `W/${etag}` })).status).to.equal(412);
  });

  it('takes the range unit in any case: Bytes=0-4 is a range', async function () {
    const res = await get({ Range: 'Bytes=0-4' });
    expect(res.status).to.equal(206);
    expect(binary(res).toString()).to.equal('01234');
    expect((await get({ Range: 'BYTES=-2' })).headers['content-range']).to.equal('bytes 18-19/20');
  });

  it('answers 304 without Content-Disposition or Accept-Ranges: it is no file to save', async function () {
    const res = await get({ 'If-None-Match': etag });
    expect(res.status).to.equal(304);
    expect(res.headers['content-disposition']).to.equal(undefined);
    expect(res.headers['accept-ranges']).to.equal(undefined);
  });

  it('answers HEAD with a Range like a HEAD without one: 200 and the whole length, since Range is for GET only', async function () {
    const head = await agent.head('/').set('Range', 'bytes=0-4');
    expect(head.status).to.equal(200);
    expect(head.headers['content-length']).to.equal('20');
    expect(head.headers['content-range']).to.equal(undefined);
    expect(head.headers['accept-ranges']).to.equal('bytes');
  });

  it('answers HEAD with the GET headers, no body, and opens nothing', async function () {
    const head = await agent.head('/');
    const full = await get();
    expect(head.status).to.equal(200);
    for (const name of ['content-type', 'content-disposition', 'content-length', 'etag', 'last-modified', 'accept-ranges']) {
      expect(head.headers[name], name).to.equal(full.headers[name]);
    }
    expect(head.text ?? '').to.equal('');
    expect(storage.opens).to.have.length(1); // the GET's only
  });
});

describe('Conditional and range requests on files without an ETag, and empty files', function () {
  const noEtag = appWith(virtualDownload(() => new VirtualFile({ name: 'gen.txt', size: 6, stream: () => ['abc', 'def'] })));
  const empty = appWith(virtualDownload(() => new VirtualFile({ name: 'empty.txt', content: '' })));

  it('answers 200 to If-Match: * on an existing file that has no ETag', async function () {
    const res = await fetchAs(request(noEtag.callback()).get('/').set('If-Match', '*'));
    expect(res.headers['etag']).to.equal(undefined);
    expect(res.status).to.equal(200);
    expect(binary(res).toString()).to.equal('abcdef');
  });

  it('answers 416 to a range of an empty file, and 200 to a non-zero suffix, which is satisfiable but has no bytes to describe', async function () {
    for (const range of ['bytes=0-', 'bytes=0-0', 'bytes=-0']) {
      const res = await fetchAs(request(empty.callback()).get('/').set('Range', range));
      expect(res.status, range).to.equal(416);
      expect(res.headers['content-range'], range).to.equal('bytes */0');
    }
    for (const range of ['bytes=-5', 'bytes=0-0,-1']) {
      const res = await fetchAs(request(empty.callback()).get('/').set('Range', range));
      expect(res.status, range).to.equal(200);
      expect(res.headers['content-range'], range).to.equal(undefined);
      expect(res.headers['content-length'], range).to.equal('0');
    }
  });

  it('ignores a Range of another unit on an empty file rather than answering 416', async function () {
    for (const range of ['bytes =0-', 'items=0-']) {
      const res = await fetchAs(request(empty.callback()).get('/').set('Range', range));
      expect(res.status, range).to.equal(200);
      expect(res.headers['content-range'], range).to.equal(undefined);
    }
  });
});

describe('Length of a download', function () {
  it('is chunked when the size is unknown, and Range then gets the whole body', async function () {
    const file = () => new VirtualFile({ name: 'gen.txt', stream: async function* () { yield 'a'; yield 'bc'; } });
    const app = appWith(virtualDownload(file));
    const res = await fetchAs(request(app.callback()).get('/').set('Range', 'bytes=0-0'));
    expect(res.status).to.equal(200);
    expect(res.headers['content-length']).to.equal(undefined);
    expect(res.headers['transfer-encoding']).to.equal('chunked');
    expect(res.headers['accept-ranges']).to.equal(undefined);
    expect(binary(res).toString()).to.equal('abc');
  });

  it('is announced and ranges work when a generated stream declares its size', async function () {
    const app = appWith(virtualDownload(() => new VirtualFile({ name: 'gen.txt', size: 6, modifiedTime: MODIFIED, stream: () => ['abc', 'def'] })));
    const res = await fetchAs(request(app.callback()).get('/').set('Range', 'bytes=2-4'));
    expect(res.status).to.equal(206);
    expect(binary(res).toString()).to.equal('cde');
  });
});
