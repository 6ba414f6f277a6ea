/**
 * Answers S3 may give that s3rver never does: InvalidRange for a range past
 * the end, a 200 or a wider 206 where a range was asked, a listing page
 * without Contents. A stand-in on 127.0.0.1 gives exactly those, byte for
 * byte as S3 documents them; everything else stays on s3rver (s3Edges.test.ts).
 */
import { expect } from 'chai';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { StorageError } from '../../storages/errors.js';
import { S3Storage } from '../../storages/s3.js';
import { readAll } from '../support/streams.js';

const OBJECT = 'ABCDEFGHIJKLMNOPQRST';
const XML = '<?xml version="1.0" encoding="UTF-8"?>\n';

/** How the stand-in answers a GET with a Range. */
type RangeAnswer = 'invalid range' | 'whole object' | 'wider range' | 'later range';

function answer(mode: RangeAnswer, req: IncomingMessage, res: ServerResponse): void {
  if (req.url!.includes('list-type=2')) {
    // A page with no key under the prefix: S3 leaves Contents out altogether.
    res.writeHead(200, { 'Content-Type': 'application/xml' });
    res.end(`${XML}<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>bucket</Name><Prefix>none/</Prefix><KeyCount>0</KeyCount><MaxKeys>1000</MaxKeys><IsTruncated>false</IsTruncated></ListBucketResult>`);
    return;
  }
  const [, start, end] = /^bytes=(\d+)-(\d+)$/.exec(req.headers.range ?? '')!.map(Number);
  const headers = { 'Content-Type': 'text/plain', ETag: '"standin"', 'Last-Modified': new Date(0).toUTCString() };
  if (mode === 'invalid range') {
    res.writeHead(416, { 'Content-Type': 'application/xml' });
    res.end(`${XML}<Error><Code>InvalidRange</Code><Message>The requested range is not satisfiable</Message><RangeRequested>bytes=${start}-${end}</RangeRequested><ActualObjectSize>0</ActualObjectSize></Error>`);
  } else if (mode === 'whole object') {
    res.writeHead(200, { ...headers, 'Content-Length': OBJECT.length });
    res.end(OBJECT);
  } else if (mode === 'later range') {
    const from = start! + 2;
    res.writeHead(206, { ...headers, 'Content-Length': end! - from + 1, 'Content-Range': `bytes ${from}-${end}/${OBJECT.length}` });
    res.end(OBJECT.slice(from, end! + 1));
  } else {
    // A few bytes more on each side, as a server that rounds ranges out to its blocks might.
    const [from, to] = [Math.max(0, start! - 3), Math.min(OBJECT.length - 1, end! + 2)];
    res.writeHead(206, { ...headers, 'Content-Length': to - from + 1, 'Content-Range': `bytes ${from}-${to}/${OBJECT.length}` });
    res.end(OBJECT.slice(from, to + 1));
  }
}

describe('S3Storage, given the answers of S3 that s3rver never gives', function () {
  let mode: RangeAnswer;
  let server: Server;
  let storage: S3Storage;

  before(async function () {
    server = createServer((req, res) => answer(mode, req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    storage = new S3Storage({
      bucket: 'bucket',
      clientConfig: { endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: 'id', secretAccessKey: 'secret' } },
    });
  });
  after(function () {
    storage.client.destroy();
    server.closeAllConnections();
    return new Promise((resolve) => server.close(resolve));
  });

  it('reads no byte, and throws nothing, where S3 answers InvalidRange (a range past the end of an empty object)', async function () {
    mode = 'invalid range';
    expect(await readAll(await storage.open('empty.txt', { start: 0, end: 9 }))).to.have.length(0);
  });

  it('sends only the range asked for when S3 answers the whole object', async function () {
    mode = 'whole object';
    expect((await readAll(await storage.open('letters.txt', { start: 5, end: 9 }))).toString()).to.equal('FGHIJ');
    expect((await readAll(await storage.open('letters.txt', { start: 0, end: 3 }))).toString()).to.equal('ABCD');
  });

  it('sends only the range asked for when S3 answers a wider range', async function () {
    mode = 'wider range';
    expect((await readAll(await storage.open('letters.txt', { start: 5, end: 9 }))).toString()).to.equal('FGHIJ');
    expect((await readAll(await storage.open('letters.txt', { start: 1, end: 3 }))).toString()).to.equal('BCD');
    // Wider at the start only: the range runs to the object's last byte.
    expect((await readAll(await storage.open('letters.txt', { start: 15, end: 19 }))).toString()).to.equal('PQRST');
  });

  it('fails with a StorageError, sending no byte, when S3 answers a range that starts after the one asked', async function () {
    mode = 'later range';
    const failure = await storage.open('letters.txt', { start: 5, end: 9 }).then(readAll).then(String, (error: Error) => error);
    expect(failure).to.be.instanceOf(StorageError);
    expect((failure as StorageError).message).to.equal('S3 error on "letters.txt" in bucket "bucket": S3 answered bytes 7-9 for bytes 5-9');
  });

  it('lists nothing from a page that has no Contents', async function () {
    const names: string[] = [];
    for await (const name of storage.list('none/')) names.push(name);
    expect(names).to.deep.equal([]);
  });
});
