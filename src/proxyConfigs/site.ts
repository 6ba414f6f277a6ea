/**
 * What every proxy configuration is made of, resolved once from the rules and
 * options: where the proxy listens, where the app is, and which internal URL
 * or folder each rule hands to the proxy.
 */
import { createHash } from 'node:crypto';
import { isAbsolute } from 'node:path';
import { ImproperlyConfiguredError } from '../errors.js';
import type { BackendName } from '../backends/backend.js';
import type { Rule } from '../rules.js';
import { s3Target } from '../s3Rules.js';
import { checkS3Cache, type S3Cache, type S3CacheOptions } from './s3Cache.js';
import { resolveEdgeLinks, type EdgeLinks, type EdgeLinksOptions } from '../signedLinks/nginxLocation.js';

export interface ProxyConfigOptions {
  /**
   * Where the Koa app listens: its http:// origin, e.g. `http://127.0.0.1:3000`,
   * or `unix:` and the absolute path of its Unix socket, e.g. `unix:/run/app.sock`
   * (no TCP handshake per request: lighttpd opens a connection to the app for each).
   */
  appUrl: string;
  /** `port` or `host:port` the proxy listens on; default `80`. */
  listen?: string;
  /** The public host name; default: any name. */
  serverName?: string;
  /**
   * For URL rules (sourceUrl) of nginx and caddy: the folder each
   * destinationUrl serves, e.g. `{ '/_protected/media/': '/srv/media' }`.
   * A folder rule (sourceDir) says it itself.
   */
  folders?: Record<string, string>;
  /** nginx only: public locations where nginx checks signed links itself (secure_link) and serves the file. See docs/signed-links.md. */
  edgeLinks?: EdgeLinksOptions;
  /**
   * nginx only: an absolute file path for an access log that says whether each
   * answer was sent whole ($request_completion) and how many bytes went
   * ($bytes_sent): the completion of offloaded downloads, which the app cannot
   * see. See docs/observability.md.
   */
  accessLog?: string;
  /**
   * nginx only: keep the objects of S3 rules on nginx's disk (proxy_cache, in
   * slices, so that ranges are kept too), keyed on the object, not on the
   * signature: a second download of it asks S3 nothing. See docs/s3.md.
   */
  s3Cache?: S3CacheOptions;
}

/** One folder the proxy may serve: reached by `url` (nginx, caddy) or by the X-Sendfile path (apache, lighttpd). */
export interface Mapping {
  url: string | undefined;
  dir: string;
}

export interface S3Mapping {
  url: string;
  origin: URL;
}

/** Where the app listens: a TCP origin, or the path of a Unix socket. */
export type App = { url: URL; socket: undefined } | { url: undefined; socket: string };

export interface Site {
  host: string | undefined;
  port: number;
  app: App;
  serverName: string | undefined;
  mappings: Mapping[];
  /** S3 rules: the internal URL and the only origin the proxy fetches objects from through it. */
  s3: S3Mapping[];
  edgeLinks: EdgeLinks | undefined;
  accessLog: string | undefined;
  s3Cache: S3Cache | undefined;
}

function checkAccessLog(path: unknown, backend: BackendName): string | undefined {
  if (path === undefined) return undefined;
  if (backend !== 'nginx') {
    throw new ImproperlyConfiguredError(`accessLog is generated for nginx only; for ${backend}, add the log format docs/observability.md gives to your own configuration.`);
  }
  if (typeof path !== 'string' || !isAbsolute(path) || /[\s;{}'"$\u0000-\u001f]/.test(path)) {
    throw new ImproperlyConfiguredError(`accessLog must be an absolute file path without spaces, quotes, ';', '{', '}' or '$', e.g. '/var/log/nginx/downloads.log'; got ${JSON.stringify(path)}.`);
  }
  return path;
}

// Which destination each server reads: nginx and caddy follow an internal URL,
// apache and lighttpd open the path in the X-Sendfile header.
const FOLLOWS_URL: Record<BackendName, boolean> = { nginx: true, caddy: true, apache: false, lighttpd: false };

export function resolveSite(rules: Rule | Rule[], backend: BackendName, options: ProxyConfigOptions): Site {
  if (!(backend in FOLLOWS_URL)) throw new ImproperlyConfiguredError(`Unknown proxy ${JSON.stringify(backend)}: use one of ${Object.keys(FOLLOWS_URL).join(', ')}.`);
  const app = parseAppUrl(options?.appUrl);
  const [host, port] = parseListen(options.listen ?? '80');
  const own = [rules].flat().filter((rule) => (rule.backend ?? backend) === backend);
  if (own.length === 0) throw new ImproperlyConfiguredError(`No rule is for ${backend}: give at least one rule without a backend, or with backend "${backend}".`);
  const mappings = own.filter((rule) => rule.storage === undefined).map((rule) => toMapping(rule, backend, options.folders ?? {}));
  const s3 = own.filter((rule) => rule.storage !== undefined).map((rule) => toS3Mapping(rule));
  const edgeLinks = resolveEdgeLinks(options.edgeLinks, backend, [...mappings, ...s3].map((mapping) => mapping.url));
  return { host, port, app, serverName: options.serverName, mappings, s3, edgeLinks, accessLog: checkAccessLog(options.accessLog, backend), s3Cache: checkS3Cache(options.s3Cache, backend, s3.length) };
}

// The rule has passed compileRules (proxyConfig checks it first): apache and
// lighttpd rules have an absolute destinationDir, nginx and caddy rules a
// destinationUrl, and a sourceDir is absolute.
function toMapping(rule: Rule, backend: BackendName, folders: Record<string, string>): Mapping {
  // The X-Sendfile path is under destinationDir: that is what the proxy may open.
  if (!FOLLOWS_URL[backend]) return { url: undefined, dir: trimSlash(rule.destinationDir!) };
  const url = `${trimSlash(rule.destinationUrl!)}/`;
  const dir = rule.sourceDir ?? folders[url] ?? folders[trimSlash(rule.destinationUrl!)];
  if (!dir || !isAbsolute(dir)) {
    throw new ImproperlyConfiguredError(
      `The rule for ${rule.sourceUrl} matches by URL, so ${backend} cannot know which folder ${url} serves: pass it, e.g. proxyConfig(rules, "${backend}", { appUrl, folders: { "${url}": "/srv/media" } }) or --folder ${url}=/srv/media.`,
    );
  }
  return { url, dir: trimSlash(dir) };
}

// compileRules has checked the rule: its endpoint resolves, its destinationUrl is a path.
function toS3Mapping(rule: Rule): S3Mapping {
  const fail = (sentence: string): never => {
    throw new ImproperlyConfiguredError(sentence);
  };
  return { url: `${trimSlash(rule.destinationUrl!)}/`, origin: s3Target(rule, fail).origin };
}

// sun_path holds 108 bytes with the final NUL: a longer path cannot be connected to.
const SOCKET_PATH_BYTES = 107;

function parseAppUrl(appUrl: string | undefined): App {
  if (typeof appUrl === 'string' && appUrl.startsWith('unix:')) return { url: undefined, socket: parseSocketPath(appUrl) };
  const url = URL.canParse(appUrl ?? '') ? new URL(appUrl!) : undefined;
  if (url?.protocol !== 'http:' || url.pathname !== '/' || url.search) {
    throw new ImproperlyConfiguredError(`appUrl must be the http:// origin of the Koa app, e.g. "http://127.0.0.1:3000", or unix: and the absolute path of its Unix socket, e.g. "unix:/run/koa-app.sock" (got ${JSON.stringify(appUrl)}).`);
  }
  return { url, socket: undefined };
}

// The path is written unquoted in nginx's upstream and Caddy's reverse_proxy, and before "|" in Apache's ProxyPass.
function parseSocketPath(appUrl: string): string {
  const path = appUrl.slice('unix:'.length);
  if (!path.startsWith('/') || path.endsWith('/') || /[\s'"`;{}$|#\\\u0000-\u001f\u007f]/.test(path)) {
    throw new ImproperlyConfiguredError(`appUrl "unix:…" must be followed by the absolute path of the app's Unix socket (a file: no trailing "/"), without spaces, quotes, ';', '{', '}', '$', '|', '#' or backslashes, e.g. "unix:/run/koa-app.sock" (got ${JSON.stringify(appUrl)}).`);
  }
  if (Buffer.byteLength(path) > SOCKET_PATH_BYTES) {
    throw new ImproperlyConfiguredError(`appUrl's socket path is ${Buffer.byteLength(path)} bytes long: a Unix socket path has at most ${SOCKET_PATH_BYTES}, so no proxy could connect to it; use a shorter one, e.g. "unix:/run/koa-app.sock" (got ${JSON.stringify(appUrl)}).`);
  }
  return path;
}

function parseListen(listen: string): [string | undefined, number] {
  const match = /^(?:(\[[0-9a-f:.]+\]|[\w.-]+):)?(\d{1,5})$/i.exec(listen);
  const port = Number(match?.[2]);
  if (!match || port < 1 || port > 65535) throw new ImproperlyConfiguredError(`listen must be "PORT" or "HOST:PORT", e.g. "127.0.0.1:8080" (got ${JSON.stringify(listen)}).`);
  return [match[1], port];
}

/**
 * What names derived from the app end with (nginx's upstream and maps), so
 * that two apps in one nginx do not share them: its port, explicit even when
 * the URL leaves the default out, or for a socket a hash of its path.
 */
export function appSuffix(app: App): string {
  if (app.socket !== undefined) return `sock_${createHash('sha256').update(app.socket).digest('hex').slice(0, 10)}`;
  return String(appPort(app.url));
}

/** `host:port` of a TCP app, else the socket's path after `socketScheme` (nginx writes `unix:`, Caddy `unix/`). */
export function appAddress(app: App, socketScheme: string): string {
  return app.socket === undefined ? `${app.url.hostname}:${appPort(app.url)}` : `${socketScheme}${app.socket}`;
}

/** A TCP app's port, explicit even when the URL leaves the default out. */
export function appPort(url: URL): number {
  return Number(url.port || 80);
}

function trimSlash(path: string): string {
  return path.replace(/\/+$/, '') || '/';
}

/** A double-quoted string for nginx, Apache, lighttpd and Caddy alike: they all read `\"` and `\\`. */
export function quote(value: string): string {
  return `"${value.replace(/[\\"]/g, '\\$&')}"`;
}
