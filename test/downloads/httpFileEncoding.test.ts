/**
 * Issue 11: httpDownload from an upstream that compresses. fetch asks for
 * gzip by default and decodes what it gets, so a length taken from a gzip
 * answer is not the length of the bytes sent on.
 */
import { expect } from 'chai';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { httpDownload } from '../../src/index.js';
import { appWith, listen } from '../support/app.js';

const TEXT = Buffer.from(Array.from({ length: 6000 }, (_, line) => `line ${line}: the quick brown fox jumps over the lazy dog\n`).join(''));
const GZIPPED = gzipSync(TEXT);

/** Whether the request's Accept-Encoding lets the server answer gzip (RFC 9110 §12.5.3). */
function acceptsGzip(req: IncomingMessage): boolean {
  return String(req.headers['accept-encoding'] ?? '')
    .split(',')
    .map((part) => part.trim().split(/\s*;\s*q=/i))
    .some(([coding, q]) => (coding === 'gzip' || coding === '*') && Number(q ?? 1) > 0);
}

describe('httpDownload from an upstream that compresses', function () {
  let upstream: Server;
  let base: string;
  const asked: (string | undefined)[] = [];

  before(async function () {
    // /negotiates.txt gzips whenever the request allows it; /always.txt gzips whatever the request says;
    // /ranges-gzipped.txt gzips its range answers only. All apply Range to the bytes they send, as
    // Apache and nginx do to a gzip file.
    upstream = createServer((req, res) => {
      asked.push(req.headers['accept-encoding']);
      const gzip = req.url === '/always.txt' || (req.url === '/negotiates.txt' && acceptsGzip(req)) || (req.url === '/ranges-gzipped.txt' && !!req.headers.range);
      const bytes = gzip ? GZIPPED : TEXT;
      const headers = { 'Content-Type': 'text/plain', 'Accept-Ranges': 'bytes', Vary: 'Accept-Encoding', ...(gzip && { 'Content-Encoding': 'gzip' }) };
      const range = /^bytes=(\d+)-(\d+)$/.exec(req.headers.range ?? '');
      const [start, end] = range ? [Number(range[1]), Math.min(Number(range[2]), bytes.length - 1)] : [0, bytes.length - 1];
      res.writeHead(range ? 206 : 200, { ...headers, 'Content-Length': end - start + 1, ...(range && { 'Content-Range': `bytes ${start}-${end}/${bytes.length}` }) });
      res.end(req.method === 'HEAD' ? undefined : bytes.subarray(start, end + 1));
    });
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
  });
  after(() => {
    upstream.closeAllConnections();
    upstream.close();
  });
  beforeEach(() => (asked.length = 0));

  async function serve(path: string, headers?: Record<string, string>) {
    const app = appWith(httpDownload({ url: `${base}${path}`, ...(headers && { headers }) }));
    return { app, server: await listen(app) };
  }

  it('asks for the identity coding, even when the user set Accept-Encoding, and sends the file whole with its length', async function () {
    for (const headers of [undefined, { 'accept-encoding': 'gzip, br' }]) {
      const { app, server } = await serve('/negotiates.txt', headers);
      try {
        const res = await fetch(`${server.url}/`);
        expect(res.status).to.equal(200);
        expect(res.headers.get('content-length')).to.equal(String(TEXT.length));
        const body = Buffer.from(await res.arrayBuffer());
        expect(body.equals(TEXT), `${body.length} of ${TEXT.length} bytes`).to.equal(true);
        expect(app.errors.map((error) => error.message)).to.deep.equal([]);
        expect(asked).to.deep.equal(['identity', 'identity']);
      } finally {
        await server.close();
        asked.length = 0;
      }
    }
  });

  it('answers a Range with the bytes of the file and its real total, even when the upstream compresses its range answers', async function () {
    for (const path of ['/negotiates.txt', '/ranges-gzipped.txt']) {
      const { app, server } = await serve(path);
      try {
        const res = await fetch(`${server.url}/`, { headers: { Range: 'bytes=1000-200999' } });
        expect(res.status, path).to.equal(206);
        expect(res.headers.get('content-range'), path).to.equal(`bytes 1000-200999/${TEXT.length}`);
        expect(Buffer.from(await res.arrayBuffer()).equals(TEXT.subarray(1000, 201000)), path).to.equal(true);
        expect(app.errors.map((error) => error.message), path).to.deep.equal([]);
      } finally {
        await server.close();
      }
    }
  });

  it('reports no size when the upstream compresses anyway: the decoded file goes out whole, without ranges', async function () {
    const { app, server } = await serve('/always.txt');
    try {
      const res = await fetch(`${server.url}/`, { headers: { Range: 'bytes=0-99' } });
      expect(res.status).to.equal(200);
      expect(res.headers.get('content-length')).to.equal(null);
      expect(res.headers.get('content-range')).to.equal(null);
      expect(Buffer.from(await res.arrayBuffer()).equals(TEXT)).to.equal(true);
      expect(app.errors.map((error) => error.message)).to.deep.equal([]);
    } finally {
      await server.close();
    }
  });
});
