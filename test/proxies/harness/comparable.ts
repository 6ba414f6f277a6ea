/** The fields of an answer that the parity runs compare between Koa and a proxy. */
import type { Field } from './differences.js';
import { multipartParts, type Exchange } from './exchange.js';

/** What the issue asks to be equal; ETag, Last-Modified and Server are the proxy's own. */
export function comparable(response: Exchange): Record<Field, unknown> {
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
