/**
 * Offload rules for S3 objects: the proxy fetches the object itself, from
 * the S3 endpoint fixed in its configuration, with a presigned request that
 * lives seconds. Node sends no byte of the file and makes no S3 request
 * (presigning is a local computation).
 *
 * nginx and Caddy: `X-Accel-Redirect: <destinationUrl><bucket path>?<presigned query>`.
 * nginx percent-decodes the path of an X-Accel-Redirect once, so the S3
 * path (already percent-encoded the way SigV4 signed it) is encoded once
 * more: the internal location sees it exactly as signed, and passes it to
 * the endpoint unchanged. Caddy's rewrite takes the path literally, so its
 * hand-off carries the path as signed (src/proxyConfigs/caddyS3.ts). The URI, not an extra header, carries it, so that
 * nginx's slice subrequests (the cache option) carry it too. The endpoint is
 * never in the hand-off: a forged hand-off can reach only that endpoint, and
 * only with a valid signature.
 */
import type { BackendName } from './backends/backend.js';
import type { DownloadFile } from './downloadFile.js';
import { ImproperlyConfiguredError } from './errors.js';
import type { CompiledRule } from './rules.js';
import { StorageFile } from './storageFile.js';

/** What an S3 rule needs of its storage: S3Storage has it. */
export interface PresigningStorage {
  /** A presigned request for the object behind `name`. */
  signedUrl(name: string, options: { expiresIn?: number; method?: 'GET' | 'HEAD' }): Promise<string>;
  /** The endpoint's origin, when the storage's client settings name one. */
  readonly endpoint?: string | undefined;
}

export interface S3RuleOptions {
  /** The S3Storage whose files this rule offloads; in a JSON rules file for `proxy-config`, the string "s3". */
  storage?: PresigningStorage | 's3';
  /** The origin the proxy fetches objects from, as the app signs them, e.g. 'https://my-bucket.s3.eu-west-1.amazonaws.com'. Default: the storage's endpoint. */
  endpoint?: string;
  /** Seconds each presigned request stays valid. Default 60. */
  expiresIn?: number;
}

/** The backends that can fetch an object by URL themselves. */
const FETCHING: readonly BackendName[] = ['nginx', 'caddy'];
const DEFAULT_EXPIRES_IN = 60;
const MAX_EXPIRES_IN = 7 * 24 * 3600; // SigV4's limit

export interface S3Target {
  /** `https://host[:port]`: the only place the proxy connects to for this rule. */
  origin: URL;
}

/**
 * The origin of an S3 rule, checked: proxyConfig writes it into the
 * configuration, the hand-off checks each presigned URL against it.
 */
export function s3Target(rule: S3RuleOptions, fail: (sentence: string) => never): S3Target {
  const storage = rule.storage;
  const endpoint = rule.endpoint ?? (typeof storage === 'object' ? storage.endpoint : undefined);
  if (endpoint === undefined) {
    fail("no endpoint: the proxy must know where to fetch objects. Give the storage a clientConfig.endpoint, or the rule endpoint: 'https://<bucket>.s3.<region>.amazonaws.com' (the origin of storage.signedUrl()'s URLs).");
  }
  const origin = URL.canParse(String(endpoint)) ? new URL(String(endpoint)) : undefined;
  if (!origin || !/^https?:$/.test(origin.protocol) || origin.username || origin.password || origin.search || origin.hash || !/^\/?$/.test(origin.pathname)) {
    return fail(`endpoint must be the http(s) origin of the S3 endpoint, without path, query or credentials, e.g. 'https://s3.eu-west-1.amazonaws.com'; got ${JSON.stringify(endpoint)}.`);
  }
  return { origin };
}

/** Compiles a rule that has `storage`: the caller has checked its keys and backend. */
export function compileS3Rule(rule: S3RuleOptions & Record<string, unknown>, backend: BackendName, destinationUrl: () => string, fail: (sentence: string) => never, configOnly: boolean): CompiledRule {
  if (!FETCHING.includes(backend)) {
    fail(
      `${backend} cannot fetch S3 objects: it sends only files on its own disk. For ${backend}, let Node stream S3 files (remove this rule), or answer with a redirect to a presigned URL (signedUrlRedirect() from 'koa-downloadview/s3'); or put nginx or Caddy in front.`,
    );
  }
  for (const key of ['sourceDir', 'sourceUrl', 'destinationDir', 'expires', 'buffering', 'limitRate', 'dispositionHeader'] as const) {
    if (rule[key] !== undefined) fail(`${key} does not apply to an S3 rule (storage, destinationUrl, endpoint, expiresIn): remove it.`);
  }
  const { storage } = rule;
  if (storage === 's3' ? !configOnly : typeof storage?.signedUrl !== 'function') {
    fail(`storage must be an S3Storage (from 'koa-downloadview/s3'); the string "s3" stands for it in a proxy-config rules file only. Got ${typeof storage === 'object' ? 'an object without signedUrl()' : JSON.stringify(storage)}.`);
  }
  const expiresIn = rule.expiresIn ?? DEFAULT_EXPIRES_IN;
  if (!Number.isSafeInteger(expiresIn) || expiresIn < 1 || expiresIn > MAX_EXPIRES_IN) {
    fail(`expiresIn must be whole seconds from 1 to ${MAX_EXPIRES_IN}, e.g. 60; got ${JSON.stringify(rule.expiresIn)}.`);
  }
  const { origin } = s3Target(rule, fail);
  const location = destinationUrl();
  const presigner = storage as PresigningStorage;

  return {
    backend,
    checkFile: false,
    // Only this storage's files: S3 answers a missing key itself.
    match: (file: DownloadFile) => (file instanceof StorageFile && (file.storage as unknown) === storage && !file.name.endsWith('/') ? file.name : undefined),
    async handOff(name, method) {
      const signed = await presigner.signedUrl(name, { expiresIn, method: method === 'HEAD' ? 'HEAD' : 'GET' });
      const target = pathAndQuery(signed, origin);
      const queryStart = target.indexOf('?');
      const [path, query] = queryStart === -1 ? [target, ''] : [target.slice(0, queryStart), target.slice(queryStart)];
      // nginx decodes the path once, Caddy's rewrite does not (src/proxyConfigs/caddyS3.ts).
      return { 'X-Accel-Redirect': `${location}${backend === 'nginx' ? path.replaceAll('%', '%25') : path}${query}` };
    },
    // Caddy keeps only the app's headers it copies, and its error pages drop Content-Disposition.
    dispositionHeader: backend === 'nginx' ? 'X-Accel-Content-Disposition' : undefined,
    proxyEtags: undefined,
  };
}

/**
 * What follows the origin's slash in `signed`, exactly as signed: no URL
 * parser's normalisation (of dot segments, say) between the signature and
 * the proxy. The URL is parsed only when it does not start with the origin
 * as written (a default port spelled out, say).
 */
function pathAndQuery(signed: string, origin: URL): string {
  if (signed.startsWith(`${origin.origin}/`)) return signed.slice(origin.origin.length + 1);
  const signedOrigin = URL.canParse(signed) ? new URL(signed).origin : undefined;
  if (signedOrigin !== origin.origin) {
    // A server fault, said in the log only: the URL is a credential.
    throw new ImproperlyConfiguredError(`xSendfile S3 rule: the storage signs URLs for ${signedOrigin ?? 'no http(s) origin'}, but the proxy fetches from ${origin.origin}: set the rule's endpoint to ${signedOrigin ?? "the storage's endpoint"}.`);
  }
  return signed.slice(signed.indexOf('/', signed.indexOf('//') + 2) + 1);
}
