import { expect } from 'chai';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { expectedDifferences, type Field } from './harness/differences.js';
import { multipartParts, type Exchange } from './harness/exchange.js';
import { fixtures, urlPath } from './harness/fixtures.js';
import { requests, send } from './harness/requests.js';
import { proxySuite } from './harness/suite.js';

/** What the issue asks to be equal; ETag, Last-Modified and Server are the proxy's own. */
function comparable(response: Exchange): Record<Field, unknown> {
  const multipart = response.headers['content-type']?.startsWith('multipart/byteranges');
  return {
    status: response.status,
    'content-type': multipart ? 'multipart/byteranges' : response.headers['content-type'],
    'content-disposition': response.headers['content-disposition'],
    // A multipart length depends on the random boundary; the parts are compared instead.
    'content-length': multipart ? 'multipart' : response.headers['content-length'],
    'content-range': response.headers['content-range'],
    'accept-ranges': response.headers['accept-ranges'],
    body: multipart ? multipartParts(response).map((part) => ({ ...part.headers, body: part.body.toString('hex') })) : response.body.toString('hex'),
  };
}

proxySuite('parity with Koa', (proxy, stack) => {
  for (const fixture of fixtures) {
    for (const matrixRequest of requests.filter((request) => request.large || !fixture.large)) {
      const documented = expectedDifferences(proxy, matrixRequest.label, fixture.name);
      const title = documented.length ? `differs from Koa only in ${documented.join(', ')} (docs/proxy-differences.md)` : 'answers like Koa';
      it(`${matrixRequest.label} of ${JSON.stringify(fixture.name)} ${title}`, async function () {
        const direct = comparable(await send(stack().appPort, urlPath('/direct/', fixture.name), matrixRequest));
        const proxied = comparable(await send(stack().proxyPort, urlPath('/files/', fixture.name), matrixRequest));
        const differing = (Object.keys(direct) as Field[]).filter((field) => !isDeepStrictEqual(proxied[field], direct[field])).sort();
        const shown = (fields: Field[]) => Object.fromEntries(fields.filter((field) => field !== 'body').map((field) => [field, { proxy: proxied[field], koa: direct[field] }]));
        expect(differing, `fields that differ: ${JSON.stringify(shown(differing))}`).to.deep.equal(documented);
      });
    }
  }

  if (proxy === 'nginx') {
    // Debian's nginx.conf logs at error level; the harness at warn, stricter.
    it('logs nothing in nginx\'s error log for all these downloads', async function () {
      const log = await readFile(join(stack().serverDir, 'error.log'), 'utf8');
      expect(log.split('\n').filter(Boolean)).to.deep.equal([]);
    });
  }
});
