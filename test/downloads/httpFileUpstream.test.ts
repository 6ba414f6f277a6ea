import { expect } from 'chai';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { HTTPFile, StorageError } from '../../src/index.js';
import { readAll } from '../support/streams.js';
import { outcome } from '../support/outcome.js';


describe('HTTPFile and its upstream', function () {
  let upstream: Server;
  let base: string;
  let handle: (req: IncomingMessage, res: ServerResponse) => void;
  const requests: IncomingMessage[] = [];

  before(async function () {
    upstream = createServer((req, res) => {
      requests.push(req);
      handle(req, res);
    });
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
  });
  beforeEach(() => (requests.length = 0));
  afterEach(() => upstream.closeAllConnections());
  after(() => new Promise((resolve) => upstream.close(resolve)));

  it('sends the headers it was given, except Accept-Encoding, which is always identity', async function () {
    handle = (_req, res) => res.end('x');
    await readAll(await new HTTPFile(`${base}/a.txt`, { headers: { Authorization: 'Bearer t', 'accept-encoding': 'gzip' } }).open());
    expect(requests[0]!.headers).to.include({ authorization: 'Bearer t', 'accept-encoding': 'identity' });
  });

  it('takes size, modification time, ETag and type from HEAD, and nothing it was not given', async function () {
    handle = (req, res) => {
      res.writeHead(200, req.url === '/full.txt'
        ? { 'Content-Length': '0', 'Last-Modified': 'Sun, 06 Nov 1994 08:49:37 GMT', ETag: '"e"', 'Content-Type': 'text/plain', 'Content-Encoding': 'Identity' }
        : {}).end();
    };
    expect(await new HTTPFile(`${base}/full.txt`).stat()).to.deep.equal({ size: 0, modifiedTime: new Date(Date.UTC(1994, 10, 6, 8, 49, 37)), etag: '"e"', contentType: 'text/plain' });
    expect(await new HTTPFile(`${base}/bare.txt`).stat()).to.deep.equal({});
  });

  it('knows no size when HEAD says the body is encoded, whatever the order of the codings', async function () {
    handle = (_req, res) => res.writeHead(200, { 'Content-Length': '10', 'Content-Encoding': 'identity, gzip' }).end();
    expect(await new HTTPFile(`${base}/a.txt`).stat()).to.not.have.property('size');
  });

  it('keeps the size when every coding is identity, the header repeated included', async function () {
    handle = (_req, res) => res.writeHead(200, [['Content-Length', '10'], ['Content-Encoding', 'identity'], ['Content-Encoding', 'identity']]).end();
    expect(await new HTTPFile(`${base}/a.txt`).stat()).to.include({ size: 10 });
  });

  it('knows nothing of a file whose upstream refuses HEAD with 405 or 501, and still serves it', async function () {
    for (const refusal of [405, 501]) {
      // The refusal's own headers describe its error page, not the file.
      handle = (req, res) => (req.method === 'HEAD' ? res.writeHead(refusal, { 'Content-Length': '150', 'Last-Modified': 'Sun, 06 Nov 1994 08:49:37 GMT' }).end() : res.end('body'));
      const file = new HTTPFile(`${base}/a.txt`);
      expect(await file.stat(), String(refusal)).to.deep.equal({});
      expect((await readAll(await file.open())).toString()).to.equal('body');
    }
  });

  it('asks the upstream once for a whole file and for a range it honours', async function () {
    handle = (req, res) => (req.headers.range ? res.writeHead(206, { 'Content-Range': 'bytes 1-2/4' }).end('bc') : res.end('abcd'));
    const file = new HTTPFile(`${base}/a.txt`);
    expect((await readAll(await file.open())).toString()).to.equal('abcd');
    expect((await readAll(await file.open({ start: 1, end: 2 }))).toString()).to.equal('bc');
    expect(requests.map((req) => req.headers.range)).to.deep.equal([undefined, 'bytes=1-2']);
  });

  it('cuts a 206 that holds more than the range asked, with no second request', async function () {
    handle = (req, res) => (req.headers.range ? res.writeHead(206, { 'Content-Range': 'bytes 1-3/4' }).end('bcd') : res.end('abcd'));
    expect((await readAll(await new HTTPFile(`${base}/a.txt`).open({ start: 1, end: 2 }))).toString()).to.equal('bc');
    expect(requests.map((req) => req.headers.range)).to.deep.equal(['bytes=1-2']);
  });

  it('takes the whole file and cuts it when a 206 is not the range asked: another start, a multipart body, no Content-Range', async function () {
    const answers: Record<string, [Record<string, string>, string]> = {
      '/elsewhere.txt': [{ 'Content-Range': 'bytes 0-3/4' }, 'abcd'],
      '/multipart.txt': [{ 'Content-Type': 'multipart/byteranges; boundary=B' }, '--B\r\nContent-Range: bytes 1-2/4\r\n\r\nbc\r\n--B--'],
      '/bare.txt': [{}, 'bc'],
    };
    handle = (req, res) => (req.headers.range ? res.writeHead(206, answers[req.url!]![0]).end(answers[req.url!]![1]) : res.end('abcd'));
    for (const path of Object.keys(answers)) {
      requests.length = 0;
      expect((await readAll(await new HTTPFile(`${base}${path}`).open({ start: 1, end: 2 }))).toString(), path).to.equal('bc');
      expect(requests.map((req) => req.headers.range), path).to.deep.equal(['bytes=1-2', undefined]);
    }
  });

  it('says which request failed and how, without hiding a missing file', async function () {
    handle = (req, res) => res.writeHead(Number(req.url!.slice(1, 4))).end();
    expect(await outcome(new HTTPFile(`${base}/404.txt`).open())).to.equal(`FileNotFoundError: ${base}/404.txt answered 404`);
    expect(await outcome(new HTTPFile(`${base}/410.txt`).stat())).to.equal(`FileNotFoundError: ${base}/410.txt answered 410`);
    expect(await outcome(new HTTPFile(`${base}/503.txt`).stat())).to.equal(`StorageError: HEAD ${base}/503.txt: upstream answered 503`);
    const closed = new HTTPFile('http://127.0.0.1:1/a.txt');
    expect(await outcome(closed.open())).to.match(/^StorageError: GET http:\/\/127\.0\.0\.1:1\/a\.txt failed: /);
  });

  it('gives up on headers that do not come within the timeout, saying so', async function () {
    handle = () => {};
    const error = await new HTTPFile(`${base}/slow.txt`, { timeout: 100 }).stat().then(() => undefined, (e: unknown) => e);
    expect(error).to.be.instanceOf(StorageError);
    expect((error as StorageError).message).to.equal(`HEAD ${base}/slow.txt: no answer within 100 ms`);
    expect((error as StorageError).status).to.equal(502);
  });

  it('fails a body that stalls for longer than the timeout after its headers', async function () {
    handle = (_req, res) => {
      res.writeHead(200, { 'Content-Length': '10' });
      res.write('abc');
    };
    const body = await new HTTPFile(`${base}/stall.txt`, { timeout: 150 }).open();
    expect(await outcome(readAll(body))).to.equal(`StorageError: GET ${base}/stall.txt: no answer within 150 ms`);
  });

  it('keeps the name of a URL whose last segment is no valid percent-encoding', function () {
    expect(new HTTPFile('http://127.0.0.1/a%E0%A4%A.txt').name).to.equal('a%E0%A4%A.txt');
    expect(new HTTPFile('http://127.0.0.1/r%C3%A9sum%C3%A9.pdf').name).to.equal('résumé.pdf');
  });
});
