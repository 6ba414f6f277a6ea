/**
 * The optional disk cache of nginx for S3 rules (proxyConfig's `s3Cache`):
 * its options, checked once. nginxS3.ts writes the directives.
 */
import type { BackendName } from '../backends/backend.js';
import { ImproperlyConfiguredError } from '../errors.js';

export interface S3CacheOptions {
  /** An absolute folder for the cached objects, e.g. '/var/cache/nginx/s3'; nginx creates it, owned by its worker user. */
  path: string;
  /** Bytes of disk at most; beyond, nginx removes the objects least recently used. Default 1 GiB. */
  maxSize?: number;
  /** Seconds a cached object is sent without asking S3; then nginx asks S3 whether it changed (If-None-Match), and removes what nobody asked for since. Default 600. */
  valid?: number;
  /** Bytes per slice: nginx fetches and keeps each object in pieces of this size, so a range costs S3 only its pieces. Default 1 MiB. */
  slice?: number;
}

export type S3Cache = Required<S3CacheOptions>;

const DEFAULTS = { maxSize: 1024 ** 3, valid: 600, slice: 1024 ** 2 };

export function checkS3Cache(options: S3CacheOptions | undefined, backend: BackendName, s3Rules: number): S3Cache | undefined {
  if (options === undefined) return undefined;
  const fail = (sentence: string): never => {
    throw new ImproperlyConfiguredError(`s3Cache: ${sentence}`);
  };
  if (backend !== 'nginx') fail(`only nginx can keep S3 objects on its disk; ${backend === 'caddy' ? 'Caddy has no cache built in: leave s3Cache out, and Caddy fetches each download from S3' : `${backend} cannot fetch S3 objects at all`}.`);
  if (s3Rules === 0) fail('it keeps the objects of S3 rules (with storage), and no rule for nginx has one: add the S3 rule, or leave s3Cache out.');
  const { path } = options;
  if (typeof path !== 'string' || !path.startsWith('/') || /[\s;{}'"$\u0000-\u001f]/.test(path)) {
    fail(`path must be an absolute folder without spaces, quotes, ';', '{', '}' or '$', e.g. '/var/cache/nginx/s3'; got ${JSON.stringify(path)}.`);
  }
  const cache = { ...DEFAULTS, ...Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined)) } as S3Cache;
  for (const key of ['maxSize', 'valid', 'slice'] as const) {
    if (!Number.isSafeInteger(cache[key]) || cache[key] < 1) fail(`${key} must be a positive whole number (${key === 'valid' ? 'seconds' : 'bytes'}), e.g. ${DEFAULTS[key]}; got ${JSON.stringify(options[key])}.`);
  }
  for (const key of Object.keys(options)) {
    if (!(key in DEFAULTS) && key !== 'path') fail(`unknown option ${JSON.stringify(key)}; its options are path, maxSize, valid and slice.`);
  }
  return cache;
}
