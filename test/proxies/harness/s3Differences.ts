/**
 * What S3 offload answers differently from Koa streaming the same object
 * from S3: the s3Parity test asserts exactly these fields differ, and
 * docs/proxy-differences.md shows them with what each proxy answered.
 */
import type { Field } from './differences.js';
import { requests } from './requests.js';

export interface S3Variant {
  label: string;
  backend: 'nginx' | 'caddy';
  /** With proxyConfig's s3Cache. */
  cache: boolean;
}

export const S3_VARIANTS: S3Variant[] = [
  { label: 'nginx', backend: 'nginx', cache: false },
  { label: 'nginx + s3Cache', backend: 'nginx', cache: true },
  { label: 'Caddy', backend: 'caddy', cache: false },
];

/** The objects of the matrix; a missing key has no size. */
export const S3_OBJECTS: Array<{ name: string; size: number | undefined; label: string }> = [
  { name: 'report.pdf', size: 1000, label: 'an object (1000 bytes)' },
  { name: 'empty.bin', size: 0, label: 'a 0-byte object' },
  { name: 'missing.pdf', size: undefined, label: 'a missing key' },
];

export interface S3Difference {
  variants: string[];
  requests: string[];
  names: string[];
  fields: Field[];
  why: string;
}

const ALL = requests.map((request) => request.label);
const HEADS = ALL.filter((label) => label.startsWith('HEAD'));
const GETS = ALL.filter((label) => !HEADS.includes(label));
const FAILED_PRECONDITIONS = ['If-Match with another ETag', 'If-Unmodified-Since long ago'];
const SINGLE_RANGES = ['one Range', 'If-Range with the received ETag', 'If-Range with the received Last-Modified', 'a Range from the start', 'a Range past the end', 'Ranges past the end', 'far-apart Ranges', 'If-Range with the received ETag, past the end'];
// The 206s nginx makes from its cache: every single range but those past the end (416).
const CACHE_206 = ['one Range', 'If-Range with the received ETag', 'If-Range with the received Last-Modified', 'a Range from the start', 'far-apart Ranges', 'If-Range with the received ETag, past the end'];
const REVALIDATIONS = ['If-None-Match with the received ETag', 'If-Modified-Since the received Last-Modified'];
const PROXIES = ['nginx', 'nginx + s3Cache', 'Caddy'];
const NGINX = ['nginx', 'nginx + s3Cache'];
const OBJECT = ['report.pdf'];
const EMPTY = ['empty.bin'];
const OBJECTS = [...OBJECT, ...EMPTY];
const MISSING = ['missing.pdf'];

const OWN_PAGE = "S3's error answer is replaced by the proxy's own page (nginx's HTML, Caddy's text/plain), without Content-Disposition as Koa's; its length and type are the proxy's, and it carries no Accept-Ranges or Content-Range.";
const WHOLE = 'S3 answers several ranges with the whole object (200), as AWS does; the cache slices are single ranges too. Koa sends multipart/byteranges.';
const APP_TYPE_304 = "The 304 carries the app's Content-Type, which Koa drops (allowed by RFC 9110).";
const EMPTY_RANGE = 'S3 refuses any Range on a 0-byte object (416); Koa sends the empty file (200) for `bytes=0-1,5-6,-3`.';

export const S3_DIFFERENCES: S3Difference[] = [
  { variants: NGINX, requests: GETS, names: MISSING, fields: ['body', 'content-length', 'content-type'], why: OWN_PAGE },
  { variants: NGINX, requests: HEADS, names: MISSING, fields: ['content-length', 'content-type'], why: OWN_PAGE },
  { variants: ['Caddy'], requests: GETS, names: MISSING, fields: ['body', 'content-length'], why: OWN_PAGE },
  { variants: ['Caddy'], requests: HEADS, names: MISSING, fields: ['content-length'], why: OWN_PAGE },
  { variants: NGINX, requests: FAILED_PRECONDITIONS, names: OBJECT, fields: ['accept-ranges', 'body', 'content-length', 'content-type'], why: OWN_PAGE },
  { variants: NGINX, requests: FAILED_PRECONDITIONS, names: EMPTY, fields: ['accept-ranges', 'body', 'content-length', 'content-type'], why: OWN_PAGE },
  { variants: ['Caddy'], requests: FAILED_PRECONDITIONS, names: OBJECTS, fields: ['accept-ranges', 'body', 'content-length'], why: OWN_PAGE },
  { variants: PROXIES, requests: ['HEAD with If-Match with another ETag'], names: OBJECT, fields: ['accept-ranges', 'content-length', 'content-type'], why: OWN_PAGE },
  { variants: PROXIES, requests: ['HEAD with If-Match with another ETag'], names: EMPTY, fields: ['accept-ranges', 'content-length', 'content-type'], why: OWN_PAGE },
  { variants: NGINX, requests: ['a Range past the end'], names: OBJECT, fields: ['accept-ranges', 'body', 'content-length', 'content-range', 'content-type'], why: OWN_PAGE },
  { variants: ['Caddy'], requests: ['a Range past the end'], names: OBJECT, fields: ['accept-ranges', 'body', 'content-length', 'content-range'], why: OWN_PAGE },
  { variants: NGINX, requests: SINGLE_RANGES, names: EMPTY, fields: ['accept-ranges', 'body', 'content-length', 'content-range', 'content-type'], why: OWN_PAGE },
  { variants: ['Caddy'], requests: SINGLE_RANGES, names: EMPTY, fields: ['accept-ranges', 'body', 'content-length', 'content-range'], why: OWN_PAGE },
  { variants: PROXIES, requests: ['several Ranges', 'Ranges past the end'], names: OBJECT, fields: ['body', 'content-length', 'content-type', 'status'], why: WHOLE },
  { variants: PROXIES, requests: ['several Ranges'], names: EMPTY, fields: ['accept-ranges', 'body', 'content-disposition', 'content-length', 'content-type', 'status'], why: EMPTY_RANGE },
  { variants: ['nginx'], requests: REVALIDATIONS, names: OBJECTS, fields: ['content-type'], why: APP_TYPE_304 },
  // Not cached (S3 refuses the slice's Range of an empty object): fetched again as without s3Cache.
  { variants: ['nginx + s3Cache'], requests: REVALIDATIONS, names: EMPTY, fields: ['content-type'], why: APP_TYPE_304 },
  { variants: ['nginx + s3Cache'], requests: CACHE_206, names: OBJECT, fields: ['accept-ranges'], why: 'nginx makes the 206 from its cache and sends no Accept-Ranges with it (the 206 itself says that ranges work), as for files on disk.' },
];

export interface S3Observation {
  variant: string;
  request: string;
  name: string;
  koaStatus: number;
  proxiedStatus: number;
  differing: Field[];
}

export function expectedS3Differences(variant: string, request: string, name: string): Field[] {
  const fields = new Set(S3_DIFFERENCES.filter((entry) => entry.variants.includes(variant) && entry.requests.includes(request) && entry.names.includes(name)).flatMap((entry) => entry.fields));
  return [...fields].sort();
}

/** One row per request and object (Koa's status, then each variant's answer), then one per documented difference. */
export function renderS3Tables(observations: S3Observation[], differences: S3Difference[]): string {
  const requestsSeen = [...new Set(observations.map((observation) => observation.request))];
  const answers = [`| request | object | Koa | ${S3_VARIANTS.map((variant) => variant.label).join(' | ')} |`, `| --- | --- | --- |${' --- |'.repeat(S3_VARIANTS.length)}`];
  for (const request of requestsSeen) {
    for (const object of S3_OBJECTS) {
      const seen = observations.filter((observation) => observation.request === request && observation.name === object.name);
      const cells = S3_VARIANTS.map((variant) => {
        const observation = seen.find((candidate) => candidate.variant === variant.label);
        if (!observation) return 'not run';
        const others = observation.differing.filter((field) => field !== 'status');
        return observation.differing.length === 0 ? 'same' : `${observation.proxiedStatus}${others.length ? `; differs: ${others.join(', ')}` : ''}`;
      });
      answers.push(`| ${request} | ${object.label} | ${seen[0]?.koaStatus ?? '?'} | ${cells.join(' | ')} |`);
    }
  }
  const listed = ['| with | requests | objects | what differs | why |', '| --- | --- | --- | --- | --- |'];
  for (const entry of differences) {
    const objects = entry.names.map((name) => S3_OBJECTS.find((object) => object.name === name)!.label).join('; ');
    listed.push(`| ${entry.variants.join(', ')} | ${entry.requests.join('; ')} | ${objects} | ${entry.fields.join(', ')} | ${entry.why} |`);
  }
  return `${answers.join('\n')}\n\n${listed.join('\n')}\n`;
}
