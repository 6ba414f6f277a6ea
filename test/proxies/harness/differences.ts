/**
 * The differences a proxy forces on the response, compared with Koa serving
 * the same file itself. The parity test asserts exactly these fields differ,
 * so a difference that appears or goes away fails it; docs/proxy-differences.md
 * shows this list, and what each proxy answered, as the test measured them.
 */
import { files, noFiles, type FileGroup } from './cases.js';
import type { ProxyName } from './servers.js';

export type Field = 'status' | 'content-type' | 'content-disposition' | 'content-length' | 'content-range' | 'accept-ranges' | 'body';

export interface ForcedDifference {
  proxies: ProxyName[];
  /** Labels of test/proxies/harness/requests.ts. */
  requests: string[];
  files: FileGroup;
  fields: Field[];
  why: string;
}

const RANGES_206 = ['one Range', 'several Ranges', 'a Range from the start', 'far-apart Ranges', 'If-Range with the received ETag', 'If-Range with the received Last-Modified'];
const REVALIDATIONS = ['If-None-Match with the received ETag', 'If-Modified-Since the received Last-Modified'];
// For a name that carries no file the client received no validator, so these go as plain GETs; the app looks nothing up for them.
const PLAIN_GETS = ['GET', 'If-None-Match with the received ETag', 'If-Modified-Since the received Last-Modified', 'If-Match with the received ETag', 'If-Unmodified-Since the received Last-Modified'];
const missing: FileGroup = { label: noFiles[0]!.what, has: (name) => name === noFiles[0]!.name };
const folderOrLink: FileGroup = { label: `${noFiles[1]!.what}, ${noFiles[2]!.what}`, has: (name) => name === noFiles[1]!.name || name === noFiles[2]!.name };

const OWN_404 = "The proxy answers its own 404 page (the app looks nothing up for a plain GET to nginx and lighttpd); it carries no Content-Disposition, so nothing is saved under the file's name.";
const LIGHTTPD_403 = 'lighttpd answers 403 for a folder, and for a symlink (server.follow-symlink "disable"), with its own page and no Content-Disposition.';
const DISPOSITION_ON_304 = 'Koa drops Content-Disposition from a 304 (it is no file to save); the proxy keeps the header the app sent with the hand-off (harmless: a 304 has no body to save).';
const TYPE_ON_304 = 'Koa drops Content-Type from a 304; the proxy keeps the header the app sent (allowed by RFC 9110).';
const NO_ETAG =
  'The generated Apache config sends no ETag (FileETag None: mod_xsendfile 0.12 behind mod_proxy sends ETag "0" for every file, which would answer 304 for a changed file), so the client has no ETag to send back: If-None-Match is not sent (200, not 304). Last-Modified still gives 304s.';

export const forcedDifferences: ForcedDifference[] = [
  { proxies: ['nginx'], requests: PLAIN_GETS, files: files.noFile, fields: ['content-type', 'content-length', 'body'], why: OWN_404 },
  { proxies: ['nginx'], requests: ['HEAD'], files: files.noFile, fields: ['content-type', 'content-length'], why: OWN_404 },
  { proxies: ['lighttpd'], requests: PLAIN_GETS, files: missing, fields: ['content-type', 'content-length', 'body'], why: OWN_404 },
  { proxies: ['lighttpd'], requests: ['HEAD'], files: missing, fields: ['content-type', 'content-length'], why: OWN_404 },
  { proxies: ['lighttpd'], requests: PLAIN_GETS, files: folderOrLink, fields: ['status', 'content-type', 'content-length', 'body'], why: LIGHTTPD_403 },
  { proxies: ['lighttpd'], requests: ['HEAD'], files: folderOrLink, fields: ['status', 'content-type', 'content-length'], why: LIGHTTPD_403 },
  { proxies: ['caddy'], requests: REVALIDATIONS, files: files.handedToCaddy, fields: ['content-disposition'], why: DISPOSITION_ON_304 },
  { proxies: ['lighttpd'], requests: REVALIDATIONS, files: files.existing, fields: ['content-type', 'content-disposition'], why: `${TYPE_ON_304} ${DISPOSITION_ON_304}` },
  {
    proxies: ['apache'],
    requests: ['If-Modified-Since the received Last-Modified'],
    files: files.existing,
    fields: ['content-type', 'content-disposition', 'accept-ranges'],
    why: `${TYPE_ON_304} ${DISPOSITION_ON_304} The same for Accept-Ranges.`,
  },
  // Apache's 200 names the file to save; Koa's 304 does not.
  { proxies: ['apache'], requests: ['If-None-Match with the received ETag'], files: files.nonEmpty, fields: ['status', 'content-type', 'content-disposition', 'content-length', 'accept-ranges', 'body'], why: NO_ETAG },
  { proxies: ['apache'], requests: ['If-None-Match with the received ETag'], files: files.empty, fields: ['status', 'content-type', 'content-disposition', 'content-length', 'accept-ranges'], why: NO_ETAG },
  { proxies: ['apache'], requests: ['HEAD'], files: files.empty, fields: ['content-length'], why: 'Apache sends no Content-Length for a HEAD of a 0-byte file (allowed: a HEAD may leave it out).' },
  {
    proxies: ['lighttpd'],
    requests: ['several Ranges'],
    files: files.small,
    fields: ['content-type', 'content-length', 'content-range', 'body'],
    why: 'lighttpd 1.4 merges ranges less than 80 bytes apart: these come as one range that spans them all, not multipart/byteranges. Far-apart ranges come as multipart/byteranges, as from Koa.',
  },
  { proxies: ['nginx'], requests: RANGES_206, files: files.nonEmpty, fields: ['accept-ranges'], why: 'nginx sends no Accept-Ranges with a 206 (the 206 itself says that ranges work); Koa sends it with every answer that carries the file.' },
];

/** The fields that `proxy` is documented to answer differently for this request and file. */
export function expectedDifferences(proxy: ProxyName, request: string, name: string): Field[] {
  const fields = new Set(forcedDifferences.filter((entry) => entry.proxies.includes(proxy) && entry.requests.includes(request) && entry.files.has(name)).flatMap((entry) => entry.fields));
  return [...fields].sort();
}
