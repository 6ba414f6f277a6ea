/**
 * The differences a proxy forces on the response, compared with Koa serving
 * the same file itself. The parity test asserts exactly these fields differ,
 * so a difference that appears or goes away fails it. docs/proxy-differences.md
 * is the same table in prose.
 */
import type { ProxyName } from './servers.js';

export type Field = 'status' | 'content-type' | 'content-disposition' | 'content-length' | 'content-range' | 'accept-ranges' | 'body';

export interface ForcedDifference {
  proxy: ProxyName;
  request: string;
  file: (name: string) => boolean;
  fields: Field[];
  why: string;
}

const EVERYTHING: Field[] = ['status', 'content-type', 'content-disposition', 'content-length', 'content-range', 'body'];
const isEmpty = (name: string) => name === 'empty.bin';
const nonEmpty = (name: string) => !isEmpty(name);
const any = () => true;

const EMPTY_RANGE = 'A Range on a 0-byte file: Koa answers 416 with an empty text body; the proxy answers in its own way (its error page, or 200 with the empty file).';
const NO_ETAG =
  'The generated Apache config sends no ETag (FileETag None: mod_xsendfile 0.12 behind mod_proxy sends ETag "0" for every file, which would answer 304 for a changed file), so the client has no ETag to send back: If-None-Match is not sent (200, not 304). Last-Modified still gives 304s.';
const NO_ACCEPT_RANGES_ON_206 = 'nginx sends no Accept-Ranges with a 206 (the 206 itself says that ranges work); Koa sends it with every answer that carries the file.';
const ACCEPT_RANGES_ON_304 = 'Koa drops Accept-Ranges from a 304; Apache keeps the one the app sent with the hand-off (harmless).';
const TYPE_ON_304 = 'Koa drops Content-Type from a 304; the proxy keeps the header the app sent (allowed by RFC 9110, harmless).';
const DISPOSITION_ON_304 = 'Koa drops Content-Disposition from a 304 (it is no file to save); the proxy keeps the header the app sent with the hand-off (harmless: a 304 has no body to save).';
// A name with '?' is not handed to Caddy (a '?' would end its path): Koa streams it, and both answers are Koa's.
const handedToCaddy = (name: string) => !name.includes('?');

export const forcedDifferences: ForcedDifference[] = [
  { proxy: 'nginx', request: 'If-None-Match with the received ETag', file: any, fields: ['content-disposition'], why: DISPOSITION_ON_304 },
  { proxy: 'nginx', request: 'If-Modified-Since the received Last-Modified', file: any, fields: ['content-disposition'], why: DISPOSITION_ON_304 },
  { proxy: 'caddy', request: 'If-None-Match with the received ETag', file: handedToCaddy, fields: ['content-disposition'], why: DISPOSITION_ON_304 },
  { proxy: 'caddy', request: 'If-Modified-Since the received Last-Modified', file: handedToCaddy, fields: ['content-disposition'], why: DISPOSITION_ON_304 },
  { proxy: 'lighttpd', request: 'If-None-Match with the received ETag', file: any, fields: ['content-type', 'content-disposition'], why: `${TYPE_ON_304} ${DISPOSITION_ON_304}` },
  { proxy: 'lighttpd', request: 'If-Modified-Since the received Last-Modified', file: any, fields: ['content-type', 'content-disposition'], why: `${TYPE_ON_304} ${DISPOSITION_ON_304}` },
  { proxy: 'apache', request: 'If-Modified-Since the received Last-Modified', file: any, fields: ['content-type', 'content-disposition', 'accept-ranges'], why: `${TYPE_ON_304} ${DISPOSITION_ON_304} ${ACCEPT_RANGES_ON_304}` },
  // Apache's 200 names the file to save; Koa's 304 does not.
  { proxy: 'apache', request: 'If-None-Match with the received ETag', file: nonEmpty, fields: ['status', 'content-type', 'content-disposition', 'content-length', 'accept-ranges', 'body'], why: NO_ETAG },
  { proxy: 'apache', request: 'If-None-Match with the received ETag', file: isEmpty, fields: ['status', 'content-type', 'content-disposition', 'content-length', 'accept-ranges'], why: NO_ETAG },
  {
    proxy: 'lighttpd',
    request: 'several Ranges',
    file: nonEmpty,
    fields: ['content-type', 'content-length', 'content-range', 'body'],
    why: 'lighttpd 1.4 answers several ranges with one range that spans them all, not multipart/byteranges.',
  },
  { proxy: 'nginx', request: 'one Range', file: isEmpty, fields: ['content-type', 'content-disposition', 'content-length', 'accept-ranges', 'body'], why: EMPTY_RANGE },
  { proxy: 'nginx', request: 'several Ranges', file: isEmpty, fields: EVERYTHING, why: EMPTY_RANGE },
  { proxy: 'nginx', request: 'If-Range with the received ETag', file: isEmpty, fields: ['content-type', 'content-disposition', 'content-length', 'accept-ranges', 'body'], why: EMPTY_RANGE },
  { proxy: 'nginx', request: 'If-Range with the received Last-Modified', file: isEmpty, fields: ['content-type', 'content-disposition', 'content-length', 'accept-ranges', 'body'], why: EMPTY_RANGE },
  { proxy: 'apache', request: 'one Range', file: isEmpty, fields: EVERYTHING, why: EMPTY_RANGE },
  { proxy: 'apache', request: 'several Ranges', file: isEmpty, fields: EVERYTHING, why: EMPTY_RANGE },
  { proxy: 'apache', request: 'If-Range with the received Last-Modified', file: isEmpty, fields: EVERYTHING, why: EMPTY_RANGE },
  { proxy: 'apache', request: 'If-Range with the received ETag', file: isEmpty, fields: EVERYTHING, why: EMPTY_RANGE },
  { proxy: 'nginx', request: 'one Range', file: nonEmpty, fields: ['accept-ranges'], why: NO_ACCEPT_RANGES_ON_206 },
  { proxy: 'nginx', request: 'several Ranges', file: nonEmpty, fields: ['accept-ranges'], why: NO_ACCEPT_RANGES_ON_206 },
  { proxy: 'nginx', request: 'If-Range with the received ETag', file: nonEmpty, fields: ['accept-ranges'], why: NO_ACCEPT_RANGES_ON_206 },
  { proxy: 'nginx', request: 'If-Range with the received Last-Modified', file: nonEmpty, fields: ['accept-ranges'], why: NO_ACCEPT_RANGES_ON_206 },
  { proxy: 'apache', request: 'HEAD', file: isEmpty, fields: ['content-length'], why: 'Apache sends no Content-Length for a HEAD of a 0-byte file.' },
  { proxy: 'lighttpd', request: 'one Range', file: isEmpty, fields: EVERYTHING, why: EMPTY_RANGE },
  { proxy: 'lighttpd', request: 'several Ranges', file: isEmpty, fields: EVERYTHING, why: EMPTY_RANGE },
  { proxy: 'lighttpd', request: 'If-Range with the received Last-Modified', file: isEmpty, fields: EVERYTHING, why: EMPTY_RANGE },
  { proxy: 'lighttpd', request: 'If-Range with the received ETag', file: isEmpty, fields: EVERYTHING, why: EMPTY_RANGE },
  { proxy: 'caddy', request: 'one Range', file: isEmpty, fields: ['content-disposition', 'content-length', 'accept-ranges', 'body'], why: EMPTY_RANGE },
  { proxy: 'caddy', request: 'several Ranges', file: isEmpty, fields: EVERYTHING, why: EMPTY_RANGE },
  { proxy: 'caddy', request: 'If-Range with the received ETag', file: isEmpty, fields: ['content-disposition', 'content-length', 'accept-ranges', 'body'], why: EMPTY_RANGE },
  { proxy: 'caddy', request: 'If-Range with the received Last-Modified', file: isEmpty, fields: ['content-disposition', 'content-length', 'accept-ranges', 'body'], why: EMPTY_RANGE },
];

/** The fields that `proxy` is documented to answer differently for this request and file. */
export function expectedDifferences(proxy: ProxyName, request: string, name: string): Field[] {
  const fields = new Set(forcedDifferences.filter((entry) => entry.proxy === proxy && entry.request === request && entry.file(name)).flatMap((entry) => entry.fields));
  return [...fields].sort();
}
