/**
 * Test helpers (`koa-downloadview/testing`), the counterparts of
 * django-downloadview's assert_download_response, assert_x_sendfile and
 * assert_x_accel_redirect, without their bugs: the file name is read from a
 * parsed Content-Disposition (filename* included), the MIME type is compared
 * whole, not as a prefix, and every failure is an AssertionError that names
 * the header and carries `expected` and `actual`.
 *
 * `res` is a supertest (superagent) response or a fetch Response.
 *
 * startProxy goes further: a real proxy in front of the app, started from
 * what proxyConfig generates, proves what the proxy then sends.
 */
import { AssertionError } from 'node:assert';
import { parse as parseDisposition } from 'content-disposition';

export { startProxy, type ProxyLogs, type RunningProxy, type StartProxyOptions } from './testing/startProxy.js';
export { missingProxy } from './testing/servers.js';

/** A supertest response, or anything with its shape. */
export interface SupertestLikeResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body?: unknown;
  text?: string;
}

export type TestResponse = SupertestLikeResponse | Response;

export interface DownloadAssertions {
  /** The file name the browser saves, from `filename*` when present, else `filename`. */
  basename?: string;
  /** The whole Content-Type header, e.g. `text/plain; charset=utf-8`. */
  contentType?: string;
  /** The type without parameters, e.g. `text/plain`. */
  mimeType?: string;
  /** The body, compared byte for byte (a string as its UTF-8 bytes). */
  content?: string | Uint8Array;
  /** true: `attachment`; false: `inline`. */
  attachment?: boolean;
}

export interface XSendfileAssertions {
  basename?: string;
  contentType?: string;
  /** The file the proxy opens. X-Sendfile may carry it as raw UTF-8 bytes (Apache mod_xsendfile 0.12) or percent-encoded (lighttpd, mod_xsendfile 1.0): both match. */
  filePath?: string;
}

export interface XAccelRedirectAssertions {
  basename?: string;
  contentType?: string;
  /** The internal URI, percent-encoded (nginx) or raw UTF-8 (Caddy): `/protected/h%C3%A9llo.txt` and `/protected/héllo.txt` both match. */
  redirectUrl?: string;
  /** X-Accel-Expires: seconds, an absolute Date (`@unix-seconds`), or false (`off`). */
  expires?: number | Date | false;
  /** X-Accel-Buffering: yes / no. */
  buffering?: boolean;
  /** X-Accel-Limit-Rate in bytes per second, or false (`off`). */
  limitRate?: number | false;
}

/**
 * Asserts that `res` is a download that Node streamed itself (status 200, a
 * Content-Disposition, no hand-off to a proxy), and checks what is given.
 * Async because a fetch Response's body can only be read asynchronously:
 * always `await` it. A supertest response must have a readable body for
 * `content`: text types are, binary ones need `.responseType('blob')`.
 */
export async function assertDownloadResponse(res: TestResponse, expected: DownloadAssertions = {}): Promise<void> {
  assertStatus(res, 'a download response');
  for (const handOff of ['X-Sendfile', 'X-Accel-Redirect']) {
    const value = header(res, handOff);
    if (value !== undefined) fail(`Expected a download streamed by the app, but it was handed to the proxy (${handOff}: ${value}); use ${handOff === 'X-Sendfile' ? 'assertXSendfile' : 'assertXAccelRedirect'}.`, value, undefined);
  }
  const disposition = assertRepresentation(res, expected);
  if (expected.attachment !== undefined) {
    const type = expected.attachment ? 'attachment' : 'inline';
    if (disposition.type !== type) fail(`Content-Disposition type: expected ${type}, got ${disposition.type}.`, disposition.type, type);
  }
  if (expected.mimeType !== undefined) {
    const essence = (header(res, 'Content-Type') ?? '').split(';', 1)[0]!.trim().toLowerCase();
    if (essence !== expected.mimeType.toLowerCase()) fail(`MIME type: expected ${expected.mimeType}, got ${essence || '(no Content-Type)'}.`, essence, expected.mimeType);
  }
  if (expected.content !== undefined) {
    const actual = await bodyOf(res);
    const wanted = typeof expected.content === 'string' ? Buffer.from(expected.content) : Buffer.from(expected.content);
    if (!actual.equals(wanted)) fail(`Content: expected ${describeBytes(wanted)}, got ${describeBytes(actual)}.`, printable(actual), printable(wanted));
  }
}

/** Asserts that `res` hands the file to Apache or lighttpd with X-Sendfile. Synchronous: headers only. */
export function assertXSendfile(res: TestResponse, expected: XSendfileAssertions = {}): void {
  assertStatus(res, 'an X-Sendfile response');
  const value = handOffHeader(res, 'X-Sendfile', 'assertXAccelRedirect');
  assertRepresentation(res, expected);
  if (expected.filePath === undefined) return;
  const path = asReadByProxy(value);
  if (!sameUri(path, expected.filePath)) fail(`X-Sendfile: expected ${expected.filePath}, got ${path}.`, path, expected.filePath);
}

/**
 * Asserts that `res` hands the file to nginx or Caddy with X-Accel-Redirect.
 * Synchronous: headers only. `basename` is read from X-Accel-Content-Disposition
 * (what the nginx backend sends, see docs/nginx.md) when present, else from
 * Content-Disposition (Caddy, or nginx with dispositionHeader: 'Content-Disposition').
 */
export function assertXAccelRedirect(res: TestResponse, expected: XAccelRedirectAssertions = {}): void {
  assertStatus(res, 'an X-Accel-Redirect response');
  const value = asReadByProxy(handOffHeader(res, 'X-Accel-Redirect', 'assertXSendfile'));
  assertRepresentation(res, expected, header(res, NGINX_DISPOSITION) === undefined ? 'Content-Disposition' : NGINX_DISPOSITION);
  if (expected.redirectUrl !== undefined && !sameUri(value, expected.redirectUrl)) fail(`X-Accel-Redirect: expected ${expected.redirectUrl}, got ${value}.`, value, expected.redirectUrl);
  const { expires, buffering, limitRate } = expected;
  if (expires !== undefined) assertHeader(res, 'X-Accel-Expires', expires === false ? 'off' : expires instanceof Date ? `@${Math.floor(expires.getTime() / 1000)}` : String(expires));
  if (buffering !== undefined) assertHeader(res, 'X-Accel-Buffering', buffering ? 'yes' : 'no');
  if (limitRate !== undefined) assertHeader(res, 'X-Accel-Limit-Rate', limitRate === false ? 'off' : String(limitRate));
}

function isFetchResponse(res: TestResponse): res is Response {
  return typeof (res as Response).headers?.get === 'function';
}

function header(res: TestResponse, name: string): string | undefined {
  if (isFetchResponse(res)) return res.headers.get(name) ?? undefined;
  const value = res.headers[name.toLowerCase()];
  return Array.isArray(value) ? value.join(', ') : value;
}

function fail(message: string, actual: unknown, expected: unknown): never {
  // No operator: Node would append its own diff to a message that already shows both values.
  throw new AssertionError({ message, actual, expected });
}

function assertStatus(res: TestResponse, what: string): void {
  if (res.status !== 200) fail(`Expected ${what} with status 200, got ${res.status}.`, res.status, 200);
}

function assertHeader(res: TestResponse, name: string, expected: string): void {
  const actual = header(res, name);
  if (actual !== expected) fail(`${name}: expected ${expected}, got ${actual ?? '(no header)'}.`, actual, expected);
}

/** The hand-off header, which must be there; a hint when the other backend family answered. */
function handOffHeader(res: TestResponse, name: string, otherHelper: string): string {
  const value = header(res, name);
  if (value !== undefined) return value;
  const other = name === 'X-Sendfile' ? 'X-Accel-Redirect' : 'X-Sendfile';
  const hint = header(res, other) !== undefined ? ` It has ${other}: use ${otherHelper}.` : ' Is the download matched by an xSendfile rule?';
  return fail(`Expected an ${name} header, found none.${hint}`, undefined, name);
}

const NGINX_DISPOSITION = 'X-Accel-Content-Disposition';

/** Checks basename and contentType, which every helper takes; returns the parsed Content-Disposition (read from `dispositionHeader`). */
function assertRepresentation(res: TestResponse, expected: { basename?: string; contentType?: string }, dispositionHeader = 'Content-Disposition'): ReturnType<typeof parseDisposition> {
  if (expected.contentType !== undefined) assertHeader(res, 'Content-Type', expected.contentType);
  const value = header(res, dispositionHeader);
  if (value === undefined) return fail(`Expected a ${dispositionHeader} header, found none.`, undefined, dispositionHeader);
  let disposition: ReturnType<typeof parseDisposition>;
  try {
    disposition = parseDisposition(value);
  } catch (error) {
    return fail(`${dispositionHeader} is not valid (${(error as Error).message}): ${value}`, value, 'a valid Content-Disposition');
  }
  // parse() prefers the decoded filename* over the ASCII fallback.
  const basename = disposition.parameters['filename'];
  if (expected.basename !== undefined && basename !== expected.basename) fail(`${dispositionHeader} file name: expected ${JSON.stringify(expected.basename)}, got ${basename === undefined ? 'none' : JSON.stringify(basename)} (header: ${value}).`, basename, expected.basename);
  return disposition;
}

async function bodyOf(res: TestResponse): Promise<Buffer> {
  if (isFetchResponse(res)) return Buffer.from(await res.arrayBuffer());
  if (Buffer.isBuffer(res.body)) return res.body;
  // superagent decodes some binary types (zip…) as UTF-8 too, which loses bytes: trust res.text for text only.
  if (typeof res.text === 'string' && /^text\/|;\s*charset=/i.test(header(res, 'Content-Type') ?? '')) return Buffer.from(res.text);
  throw new TypeError("assertDownloadResponse cannot read this response's bytes: supertest keeps binary bodies only when asked, e.g. request(app).get(url).responseType('blob').");
}

/** Header bytes arrive as latin1 characters; Apache and Caddy read raw ones as UTF-8. */
function asReadByProxy(value: string): string {
  return Buffer.from(value, 'latin1').toString('utf8');
}

/** Equal as written, or equal once both are percent-decoded. */
function sameUri(actual: string, expected: string): boolean {
  return actual === expected || percentDecoded(actual) === percentDecoded(expected);
}

function percentDecoded(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text; // a literal % that is not an escape
  }
}

function describeBytes(bytes: Buffer): string {
  return `${bytes.length} bytes ${JSON.stringify(printable(bytes))}`;
}

/** Text when the bytes are UTF-8 text, else hex; long bodies are cut, a message must stay readable. */
function printable(bytes: Buffer): string {
  const text = utf8Text(bytes) ?? `0x${bytes.toString('hex')}`;
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}

function utf8Text(bytes: Buffer): string | undefined {
  try {
    const text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    return /[\u0000-\u0008\u000e-\u001f\u007f]/.test(text) ? undefined : text;
  } catch {
    return undefined;
  }
}
