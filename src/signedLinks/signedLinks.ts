/**
 * signedLinks: links to a download route that anyone holding them may use
 * until they expire, with no login: for an e-mail, a CDN, a mobile app. The
 * counterpart of django-downloadview's `signature_required`, Laravel's
 * `temporaryUrl` and Rails' signed blob URLs. See docs/signed-links.md.
 *
 *   const links = signedLinks({ keys: [{ id: '2025-06', secret }] });
 *   router.get('/media/*path', links.verify(), storageDownload({ storage }));
 *   links.url('/media/report.pdf', { expiresIn: 3600 })
 */
import type { Middleware } from 'koa';
import { debuglog } from 'node:util';
import { ImproperlyConfiguredError } from '../errors.js';
import { overrideDownload } from '../overrides.js';
import { hmacMatches, hmacSignature, isHmacSignature } from './hmacLinks.js';
import { checkEdgeSecret, checkKeys, type SigningKey } from './keys.js';
import { canonicalIp, canonicalPath, encodePath, unsignablePath } from './linkPath.js';
import { linkQuery, readExpires, readParams, type Params, type SignedFields } from './linkQuery.js';
import { isMd5Signature, md5Matches, md5Signature } from './md5Links.js';
import { SignedLinkError } from './refusal.js';

export type { SigningKey } from './keys.js';

const debug = debuglog('koa-downloadview');

export interface SignedLinksOptions {
  /** The HMAC keys: the first signs new links, every one is accepted. Rotate by putting a new key first; remove the old one once its links have expired. */
  keys: SigningKey[];
  /** Seconds a link lives when url() is given no expiry; default 3600. */
  expiresIn?: number;
  /** Seconds a link is still accepted after its expiry, for servers whose clocks differ; default 30. nginx allows none. */
  clockSkew?: number;
  /** Put in front of every link, and not signed: the origin, e.g. `https://files.example.com`, for links that leave the site (e-mail). */
  baseUrl?: string;
  /** Links checked by nginx alone (secure_link, MD5): the secret of the location `proxyConfig(…, { edgeLinks })` generates. */
  edge?: { secret: string };
  /** The clock, in milliseconds since 1970 (default Date.now): for tests. */
  now?: () => number;
}

export interface LinkOptions {
  /** Seconds from now; default: the signer's expiresIn. */
  expiresIn?: number;
  /** An absolute expiry, instead of expiresIn. */
  expires?: Date;
  /** Signed: true downloads (attachment), false shows in the browser (inline); default: the route's choice. */
  attachment?: boolean;
  /** Signed: the name the file is saved under; default: the route's choice. Not for edge links. */
  basename?: string;
  /** Signed: only a client from this address may use the link (Koa's ctx.ip, nginx's $remote_addr). */
  ip?: string;
  /** Make the link nginx checks (secure_link), with the edge secret. */
  edge?: boolean;
}

/** What a valid link grants. */
export interface LinkGrant {
  /** The path the link names, decoded. */
  path: string;
  expires: Date;
  /** Undefined: the route decides. */
  attachment: boolean | undefined;
  /** Undefined: the route decides. */
  basename: string | undefined;
  /** Whether the link is bound to the client's address. */
  boundToIp: boolean;
  /** The id of the key that signed it, or `'edge'`. */
  key: string;
}

export interface SignedLinks {
  /** A link to `path`, the path of a download route as the route sees it, decoded (`/media/état 2024.pdf`). */
  url(path: string, options?: LinkOptions): string;
  /** What the link `url` (path and query, or absolute) grants to a client at `ip`; throws SignedLinkError (403 or 410) when it grants nothing. */
  check(url: string, options?: { ip?: string }): LinkGrant;
  /** The middleware, mounted before a download route: refuses any request without a valid link, strips the query, and has the route answer as the link says. */
  verify(): Middleware;
}

export function signedLinks(options: SignedLinksOptions): SignedLinks {
  const keys = checkKeys(options?.keys);
  const edgeSecret = options.edge === undefined ? undefined : checkEdgeSecret(options.edge?.secret, keys);
  const expiresIn = checkSeconds('expiresIn', options.expiresIn ?? 3600, 1);
  const clockSkew = checkSeconds('clockSkew', options.clockSkew ?? 30, 0);
  const baseUrl = checkBaseUrl(options.baseUrl);
  const now = options.now ?? Date.now;
  if (typeof now !== 'function') throw new ImproperlyConfiguredError('signedLinks now must be a function returning milliseconds, like Date.now.');
  const seconds = () => Math.floor(now() / 1000);

  function url(path: string, link: LinkOptions = {}): string {
    const fields = grantedFields(path, link, seconds(), expiresIn);
    if (!link.edge) return `${baseUrl}${encodePath(path)}?${linkQuery(fields, { key: keys[0]!.id, signature: hmacSignature(keys[0]!, fields) })}`;
    if (edgeSecret === undefined) throw new ImproperlyConfiguredError('signedLinks has no edge secret for edge links: signedLinks({ keys, edge: { secret } }), the secret of the nginx location.');
    if (link.basename !== undefined) throw new TypeError('An edge link cannot carry a basename: nginx sends the file under the last segment of its path. Name the file so, or use an app link.');
    // nginx sends attachment unless the link says inline.
    const edgeFields = { ...fields, disposition: fields.disposition === 'inline' ? 'inline' : '' } as const;
    return `${baseUrl}${encodePath(path)}?${linkQuery(edgeFields, { md5: md5Signature(edgeSecret, edgeFields) })}`;
  }

  function check(target: string, client: { ip?: string } = {}): LinkGrant {
    const { pathname, search } = splitUrl(target);
    const params = readParams(search);
    const path = canonicalPath(pathname);
    if (path === undefined) throw new SignedLinkError('malformed', { why: 'its path is not valid percent-encoding' });
    if (params.md5 !== undefined) return checkEdge(path, params, client.ip);
    if (params.signature === undefined) throw new SignedLinkError('unsigned');
    const expires = readExpires(params);
    const key = keys.find((candidate) => candidate.id === params.key);
    if (!key) throw new SignedLinkError(params.key === undefined ? 'malformed' : 'unknown-key', { why: 'it names no key', detail: `key ${JSON.stringify(params.key)}` });
    if (!isHmacSignature(params.signature)) throw new SignedLinkError('malformed', { why: 'its signature is not 43 base64url characters' });
    const disposition = params.disposition ?? '';
    if (disposition !== '' && disposition !== 'attachment' && disposition !== 'inline') throw new SignedLinkError('malformed', { why: 'its disposition is neither "attachment" nor "inline"' });
    if (params.ip !== undefined && params.ip !== '1') throw new SignedLinkError('malformed', { why: 'its ip parameter is not "1"' });
    const fields: SignedFields = { path, expires, disposition, basename: params.filename ?? '', ip: params.ip ? boundIp(client.ip) : '' };
    if (!hmacMatches(key, fields, params.signature)) {
      throw new SignedLinkError(params.ip ? 'tampered-or-address' : 'tampered', { detail: `key ${key.id}, client ${client.ip}` });
    }
    return grant(fields, expires + clockSkew, key.id);
  }

  /** The edge form, checked as nginx checks it (no clock skew: nginx allows none), for an app that runs without nginx in front. */
  function checkEdge(path: string, params: Params, ip: string | undefined): LinkGrant {
    if (edgeSecret === undefined) throw new SignedLinkError('edge-only');
    if (params.signature !== undefined || params.key !== undefined || params.filename !== undefined) throw new SignedLinkError('malformed', { why: 'it mixes the app and the edge forms' });
    const expires = readExpires(params);
    if (!isMd5Signature(params.md5!)) throw new SignedLinkError('malformed', { why: 'its md5 is not 22 base64url characters' });
    // As nginx's maps read them: "inline" or nothing, "1" or nothing.
    const fields: SignedFields = { path, expires, disposition: params.disposition === 'inline' ? 'inline' : '', basename: '', ip: params.ip === '1' ? boundIp(ip) : '' };
    if (!md5Matches(edgeSecret, fields, params.md5!)) throw new SignedLinkError(params.ip === '1' ? 'tampered-or-address' : 'tampered', { detail: `edge link, client ${ip}` });
    return grant({ ...fields, disposition: fields.disposition || 'attachment' }, expires, 'edge');
  }

  function grant(fields: SignedFields, acceptedUntil: number, key: string): LinkGrant {
    if (seconds() > acceptedUntil) throw new SignedLinkError('expired', { detail: `expired at ${new Date(fields.expires * 1000).toISOString()}` });
    return {
      path: fields.path,
      expires: new Date(fields.expires * 1000),
      attachment: fields.disposition === '' ? undefined : fields.disposition === 'attachment',
      basename: fields.basename || undefined,
      boundToIp: fields.ip !== '',
      key,
    };
  }

  function verify(): Middleware {
    return function verifySignedLink(ctx, next) {
      let granted: LinkGrant;
      try {
        granted = check(ctx.originalUrl, { ip: ctx.ip });
      } catch (error) {
        if (debug.enabled && error instanceof SignedLinkError) debug('%s %s: %d %s (%s)', ctx.method, ctx.path, error.status, error.reason, error.detail ?? '');
        return Promise.reject(error);
      }
      // The route sees the URL without the link's query, nor any other parameter, none of which is signed.
      ctx.querystring = '';
      overrideDownload(ctx, {
        ...(granted.attachment !== undefined && { attachment: granted.attachment }),
        ...(granted.basename !== undefined && { basename: granted.basename }),
        maxAge: Math.max(0, Math.floor(granted.expires.getTime() / 1000) - seconds()),
      });
      return next();
    };
  }

  return { url, check, verify };
}

/** The signed fields of a new link, or a TypeError / RangeError saying which argument is wrong. */
function grantedFields(path: string, link: LinkOptions, now: number, expiresIn: number): SignedFields {
  const why = unsignablePath(path);
  if (why) throw new TypeError(`signedLinks url(${JSON.stringify(path)}): ${why}.`);
  if (link.expires !== undefined && link.expiresIn !== undefined) throw new TypeError('Give url() expires or expiresIn, not both.');
  const expires = link.expires !== undefined ? Math.floor(link.expires.getTime() / 1000) : now + (link.expiresIn ?? expiresIn);
  if (!Number.isSafeInteger(expires) || expires <= now) throw new RangeError(`A link must expire in the future, in whole seconds: expiresIn > 0 or expires after now; got ${link.expires?.toISOString?.() ?? link.expiresIn}.`);
  if (link.attachment !== undefined && typeof link.attachment !== 'boolean') throw new TypeError(`attachment must be true or false; got ${JSON.stringify(link.attachment)}.`);
  if (link.basename !== undefined && (typeof link.basename !== 'string' || !link.basename || link.basename.includes('/') || unsignablePath(`/${link.basename}`) !== undefined)) throw new TypeError(`basename must be a file name, without "/", control characters or backslashes; got ${JSON.stringify(link.basename)}.`);
  const ip = link.ip === undefined ? '' : canonicalIp(link.ip);
  if (ip === undefined) throw new TypeError(`ip must be an IPv4 or IPv6 address, like ctx.ip; got ${JSON.stringify(link.ip)}.`);
  return { path, expires, disposition: link.attachment === undefined ? '' : link.attachment ? 'attachment' : 'inline', basename: link.basename ?? '', ip };
}

/** The client address a bound link is checked against; without one, it matches no link. */
function boundIp(ip: string | undefined): string {
  const canonical = canonicalIp(ip);
  if (canonical === undefined) throw new SignedLinkError('tampered-or-address', { detail: `client address ${JSON.stringify(ip)}` });
  return canonical;
}

function checkSeconds(name: string, value: unknown, least: number): number {
  if (!Number.isSafeInteger(value) || (value as number) < least) throw new ImproperlyConfiguredError(`signedLinks ${name} is in whole seconds, ${least} or more, e.g. ${name}: ${name === 'clockSkew' ? 30 : 3600}; got ${JSON.stringify(value)}.`);
  return value as number;
}

/** The origin (and any prefix a proxy strips) put in front of links, without its trailing slash; '' for links relative to the site. */
function checkBaseUrl(baseUrl: unknown): string {
  if (baseUrl === undefined) return '';
  const url = typeof baseUrl === 'string' && URL.canParse(baseUrl) ? new URL(baseUrl) : undefined;
  if (!url || !/^https?:$/.test(url.protocol) || url.search || url.hash || url.username || url.password) {
    throw new ImproperlyConfiguredError(`signedLinks baseUrl must be an http(s) origin for links that leave the site, e.g. "https://files.example.com"; got ${JSON.stringify(baseUrl)}.`);
  }
  return url.href.replace(/\/+$/, '');
}

/** The raw path and query of a request URL (`/a?b`) or of an absolute link. */
function splitUrl(target: string): { pathname: string; search: string } {
  if (typeof target !== 'string') throw new SignedLinkError('malformed', { why: 'it is not a URL' });
  if (!target.startsWith('/') && URL.canParse(target)) {
    const { pathname, search } = new URL(target);
    return { pathname, search };
  }
  const [pathAndQuery = ''] = target.split('#', 1);
  const question = pathAndQuery.indexOf('?');
  return question < 0 ? { pathname: pathAndQuery, search: '' } : { pathname: pathAndQuery.slice(0, question), search: pathAndQuery.slice(question + 1) };
}
