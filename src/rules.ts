/**
 * Offload rules: checked and compiled once, when xSendfile is built, into
 * matchers that cost a prefix test and one regular expression per request.
 */
import { stat } from 'node:fs/promises';
import { isAbsolute, posix } from 'node:path';
import type { Backend, BackendName, BackendOption, HandOff } from './backends/backend.js';
import { backends, isBackendName } from './backends/registry.js';
import type { DownloadFile } from './downloadFile.js';
import { ImproperlyConfiguredError } from './errors.js';
import { compileS3Rule, type S3RuleOptions } from './s3Rules.js';

/**
 * One offload rule: which files (by path or URL) go to which proxy location.
 * A rule with `storage` (an S3Storage) hands that storage's files to nginx
 * or Caddy, which fetches them from S3 itself (src/s3Rules.ts, docs/s3.md).
 */
export interface Rule extends S3RuleOptions {
  /** The proxy for this rule; else the middleware's `backend`. */
  backend?: BackendName;
  /** Matches `file.path` below this absolute folder, on path-segment boundaries. */
  sourceDir?: string;
  /** Matches `file.url` below this URL prefix (the storage's baseUrl), on path-segment boundaries; only files on local disk (with a `path`). */
  sourceUrl?: string;
  /** apache, lighttpd: the folder where the proxy opens the files. */
  destinationDir?: string;
  /** nginx, caddy: the internal location that serves the files, e.g. `/protected/`. */
  destinationUrl?: string;
  /** nginx X-Accel-Expires: seconds, an absolute Date, or false (off). */
  expires?: number | Date | false;
  /** nginx X-Accel-Buffering. */
  buffering?: boolean;
  /** nginx X-Accel-Limit-Rate in bytes per second; false → off. */
  limitRate?: number | false;
  /** apache: percent-encode X-Sendfile, for mod_xsendfile 1.0 with XSendFileUnescape on (its default). Debian's 0.12 wants it off. */
  percentEncode?: boolean;
  /**
   * nginx: the header that carries the Content-Disposition to nginx.
   * 'X-Accel-Content-Disposition' (default) needs the generated location's
   * `add_header Content-Disposition …`; 'Content-Disposition' suits a
   * hand-written location without it, but nginx then copies the file's name
   * into its 404 and 416 pages too (docs/nginx.md).
   */
  dispositionHeader?: 'X-Accel-Content-Disposition' | 'Content-Disposition';
}

export interface XSendfileOptions {
  /** The backend of every rule that names none. */
  backend?: BackendName;
}

export interface CompiledRule {
  readonly backend: BackendName;
  /** Whether the route must ask the storage for the file before handing it to this proxy. */
  readonly checkFile: boolean;
  /** The path of `file` below the rule's source, decoded and checked; undefined when the rule does not apply. */
  match(file: DownloadFile): string | undefined;
  readonly handOff: HandOff | ((name: string, method: string) => Promise<Record<string, string>>);
  /** The header the Content-Disposition moves to in the hand-off; undefined: it stays Content-Disposition. */
  readonly dispositionHeader: string | undefined;
  /** The ETag the proxy sends for `file` (it stats `file.path` as the proxy does), in each spelling; none when it sends none, or the file is gone. */
  readonly proxyEtags: ((file: DownloadFile) => Promise<string[]>) | undefined;
}

const RULE_KEYS = new Set<string>(['backend', 'sourceDir', 'sourceUrl', 'destinationDir', 'destinationUrl', 'expires', 'buffering', 'limitRate', 'percentEncode', 'dispositionHeader', 'storage', 'endpoint', 'expiresIn']);
const BACKEND_NAMES = Object.keys(backends).map((name) => `'${name}'`).join(', ');
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
// An empty, `.` or `..` segment, or a control character: such a name could
// climb out of the destination, or break the header.
const UNSAFE_NAME = /(?:^|\/)\.{0,2}(?:\/|$)|[\u0000-\u001f\u007f-\u009f]/;
const URI_PATH = /^\/[A-Za-z0-9\-._~!$&'()*+,;=:@%/]*$/;

/** `configOnly`: for proxyConfig, where an S3 rule from a JSON file says `storage: "s3"`. */
export function compileRules(rules: Rule | Rule[], options: XSendfileOptions = {}, configOnly = false): CompiledRule[] {
  const list = Array.isArray(rules) ? rules : rules == null ? [] : [rules];
  if (list.length === 0) {
    throw new ImproperlyConfiguredError("xSendfile needs at least one rule, e.g. xSendfile({ sourceDir: '/srv/media', destinationUrl: '/protected/' }, { backend: 'nginx' }).");
  }
  if (options.backend !== undefined && !isBackendName(options.backend)) {
    throw new ImproperlyConfiguredError(`xSendfile: unknown backend ${JSON.stringify(options.backend)}; use one of ${BACKEND_NAMES}.`);
  }
  return list.map((rule, index) => compileRule(rule, index + 1, options.backend, configOnly));
}

function compileRule(rule: Rule, number: number, defaultBackend: BackendName | undefined, configOnly: boolean): CompiledRule {
  const fail = (sentence: string): never => {
    throw new ImproperlyConfiguredError(`xSendfile rule ${number}${isBackendName(rule?.backend ?? defaultBackend) ? ` (${rule?.backend ?? defaultBackend})` : ''}: ${sentence}`);
  };
  if (typeof rule !== 'object' || rule === null) return fail(`a rule is an object such as { sourceDir: '/srv/media', destinationUrl: '/protected/' }; got ${JSON.stringify(rule)}.`);
  for (const key of Object.keys(rule)) {
    if (!RULE_KEYS.has(key)) fail(`unknown option ${JSON.stringify(key)}${didYouMean(key)}. Rule options: ${[...RULE_KEYS].join(', ')}.`);
  }

  const backendName = rule.backend ?? defaultBackend;
  if (backendName === undefined) fail(`no backend: set backend on the rule or pass xSendfile(rules, { backend }), one of ${BACKEND_NAMES}.`);
  if (!isBackendName(backendName)) return fail(`unknown backend ${JSON.stringify(backendName)}; use one of ${BACKEND_NAMES}.`);
  const backend = backends[backendName];
  if (rule.storage !== undefined) return compileS3Rule(rule as Rule & Record<string, unknown>, backendName, () => destination(rule, backendName, 'destinationUrl', fail), fail, configOnly);
  for (const option of ['endpoint', 'expiresIn'] as const) {
    if (rule[option] !== undefined) fail(`${option} belongs to S3 rules, which have storage: an S3Storage; remove it, or add the storage.`);
  }

  for (const option of ['expires', 'buffering', 'limitRate', 'percentEncode', 'dispositionHeader'] as const satisfies readonly BackendOption[]) {
    if (rule[option] !== undefined && !backend.options.includes(option)) {
      const owners = Object.entries(backends).filter(([, other]) => other.options.includes(option)).map(([name]) => name);
      fail(`${option} is understood by ${owners.join(', ')} only, not ${backendName}: remove it, or give this rule backend: '${owners[0]}'.`);
    }
  }

  const handOff = backend.prepare(destination(rule, backendName, backend.destination, fail), rule, fail);
  const matchSource = matcher(rule, fail);
  const { accepts } = backend;
  const match: CompiledRule['match'] = accepts
    ? (file) => {
        const name = matchSource(file);
        return name !== undefined && accepts(name) ? name : undefined;
      }
    : matchSource;
  const proxyEtags: CompiledRule['proxyEtags'] = async (file) => {
    const stats = file.path === undefined ? undefined : await stat(file.path, { bigint: true }).catch(() => undefined);
    return stats ? backend.etags(stats) : [];
  };
  return { backend: backendName, checkFile: !backend.refusesSymlinks, match, handOff, proxyEtags, dispositionHeader: dispositionHeader(rule, backend, fail) };
}

function dispositionHeader(rule: Rule, backend: Backend, fail: (sentence: string) => never): string | undefined {
  const moved = backend.dispositionHeader;
  if (rule.dispositionHeader !== undefined && rule.dispositionHeader !== moved && rule.dispositionHeader !== 'Content-Disposition') {
    fail(
      `dispositionHeader must be '${moved}' (the default: the generated configuration turns it back into Content-Disposition on the answers that carry the file) or 'Content-Disposition' (for a hand-written configuration without that add_header line; nginx then copies it into its 404 and 416 pages too); got ${JSON.stringify(rule.dispositionHeader)}.`,
    );
  }
  const header = rule.dispositionHeader ?? moved;
  return header === 'Content-Disposition' ? undefined : header;
}

function matcher(rule: Rule, fail: (sentence: string) => never): CompiledRule['match'] {
  const { sourceDir, sourceUrl } = rule;
  if (sourceDir !== undefined && sourceUrl !== undefined) fail('it has both sourceDir and sourceUrl: keep one, or write two rules.');
  if (sourceDir !== undefined) {
    const prefix = folderPrefix(sourceDir, 'sourceDir', fail);
    return (file) => (file.path?.startsWith(prefix) ? checkedName(file.path.slice(prefix.length)) : undefined);
  }
  if (sourceUrl !== undefined) {
    if (typeof sourceUrl !== 'string' || sourceUrl === '' || /[?#\s]/.test(sourceUrl)) {
      fail(`sourceUrl must be the URL prefix of the files (the storage's baseUrl), without query or fragment, e.g. '/media/' or 'https://cdn.example/media/'; got ${JSON.stringify(sourceUrl)}.`);
    }
    const prefix = sourceUrl.endsWith('/') ? sourceUrl : `${sourceUrl}/`;
    // A file without a path (memory, S3) has a URL too, but the proxy cannot open it: it streams.
    return (file) => (file.path !== undefined && file.url?.startsWith(prefix) ? decodedName(file.url.slice(prefix.length)) : undefined);
  }
  return fail("it matches nothing: give sourceDir (the folder of the files on disk, e.g. the storage's location) or sourceUrl (the storage's baseUrl).");
}

function destination(rule: Rule, backendName: BackendName, kind: 'destinationDir' | 'destinationUrl', fail: (sentence: string) => never): string {
  const other = kind === 'destinationDir' ? 'destinationUrl' : 'destinationDir';
  const example = kind === 'destinationDir' ? "'/srv/media/'" : "'/protected/'";
  const reads = kind === 'destinationDir' ? 'opens files by path' : 'serves files from an internal location';
  if (rule[other] !== undefined && rule[kind] === undefined) fail(`${backendName} ${reads}: replace ${other} with ${kind}, e.g. ${kind}: ${example}.`);
  if (rule[other] !== undefined) fail(`${backendName} ${reads}: remove ${other}; it uses ${kind} only.`);
  const value = rule[kind];
  if (value === undefined) return fail(`no ${kind}: set it to where ${backendName} ${reads}, e.g. ${kind}: ${example}.`);
  if (kind === 'destinationDir') return folderPrefix(value, kind, fail);
  const segments = typeof value === 'string' ? value.replace(/^\/|\/$/g, '') : '';
  if (typeof value !== 'string' || !URI_PATH.test(value) || (segments !== '' && UNSAFE_NAME.test(segments))) {
    fail(`destinationUrl must be a URI path starting with '/', percent-encoded, without '..', query or fragment, e.g. '/protected/'; got ${JSON.stringify(value)}.`);
  }
  return value.endsWith('/') ? value : `${value}/`;
}

/** An absolute folder, normalised, ending with `/`. */
function folderPrefix(value: unknown, option: string, fail: (sentence: string) => never): string {
  if (typeof value !== 'string' || !isAbsolute(value) || CONTROL.test(value)) {
    fail(`${option} must be an absolute folder without control characters, e.g. path.resolve('media') rather than 'media'; got ${JSON.stringify(value)}.`);
  }
  const folder = posix.normalize(value as string);
  return folder.endsWith('/') ? folder : `${folder}/`;
}

/** `rest` if it names a file below the folder: no climbing out, nothing that breaks a header. */
function checkedName(rest: string): string | undefined {
  return UNSAFE_NAME.test(rest) || !rest.isWellFormed() ? undefined : rest;
}

/** The storage name behind the rest of a URL (encoded per segment), checked; `%2F` would merge segments, so it is refused. */
function decodedName(rest: string): string | undefined {
  if (/[?#]|%2f/i.test(rest)) return undefined;
  try {
    return checkedName(decodeURIComponent(rest));
  } catch {
    return undefined; // malformed percent-encoding
  }
}

/** django-downloadview's option names are snake_case, and its `with_buffering` is our `buffering`. */
function didYouMean(key: string): string {
  const camel = key === 'with_buffering' ? 'buffering' : key.replace(/_([a-z])/g, (_, letter: string) => letter.toUpperCase());
  return camel !== key && RULE_KEYS.has(camel) ? `; did you mean ${camel}?` : '';
}
