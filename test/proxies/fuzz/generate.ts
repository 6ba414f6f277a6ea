/**
 * Seeded requests. A request is a template: its validator values are
 * placeholders ({etag}, {date+1d}, ...) that each server's own ETag and
 * Last-Modified fill in, since each server has its own ETag format.
 */
import { files } from './files.js';

export interface FuzzRequest {
  /** Its place in the run: with the seed, enough to replay it. */
  index: number;
  file: string;
  method: 'GET' | 'HEAD';
  /** Header name → template value. */
  headers: Record<string, string>;
}

/** mulberry32: small, fast and the same on every platform. */
export function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Rng = () => number;
const int = (rng: Rng, low: number, high: number) => low + Math.floor(rng() * (high - low + 1));
const pick = <T>(rng: Rng, items: readonly T[]): T => items[Math.floor(rng() * items.length)]!;
const chance = (rng: Rng, probability: number) => rng() < probability;

/** A position around the file's end, now and then one far beyond it. */
function position(rng: Rng, size: number): number {
  if (chance(rng, 0.05)) return pick(rng, [2 ** 31, 2 ** 53, 10 ** 20]);
  return chance(rng, 0.7) ? int(rng, 0, Math.max(0, size - 1)) : int(rng, Math.max(0, size - 2), size + 3);
}

function rangeSpec(rng: Rng, size: number): string {
  const kind = rng();
  if (kind < 0.5) {
    const first = position(rng, size);
    // Mostly first ≤ last; sometimes reversed, which makes the spec invalid.
    const last = chance(rng, 0.9) ? first + int(rng, 0, Math.max(1, size >> 1)) : Math.max(0, first - int(rng, 1, 3));
    return `${first}-${last}`;
  }
  if (kind < 0.75) return `${position(rng, size)}-`;
  return `-${pick(rng, [0, 1, int(rng, 0, size + 3), size, size + 1])}`;
}

/** Specs too many to serve one by one: disjoint single bytes (for small files they overlap and coalesce). */
function manySpecs(rng: Rng, size: number): string[] {
  const count = int(rng, 15, 24);
  const step = Math.max(2, Math.floor(size / count));
  const specs = Array.from({ length: count }, (_, index) => `${index * step}-${index * step}`);
  if (chance(rng, 0.5)) specs.reverse();
  return specs;
}

const MALFORMED_RANGES = [
  'bytes=', 'bytes', 'bytes=-', 'bytes=--1', 'bytes=1-2-3', 'bytes=a-b', 'bytes=0x1-2', 'bytes=+1-2', 'bytes=1.0-2',
  'items=0-1', 'bytes=0-1,,2-3', 'bytes=,0-1', 'bytes=0-1,', '=0-1', 'bytes=0-1;2-3', 'bytes=0-1 2-3', 'bytes 0-1', 'none', 'bytes=*',
];

export function rangeHeader(rng: Rng, size: number): string {
  const form = rng();
  if (form < 0.35) return `bytes=${rangeSpec(rng, size)}`;
  if (form < 0.6) {
    const specs = Array.from({ length: int(rng, 2, 5) }, () => rangeSpec(rng, size));
    // Empty list elements, which a recipient must accept (RFC 9110 §5.6.1.2).
    if (chance(rng, 0.25)) specs.splice(chance(rng, 0.4) ? 0 : int(rng, 1, specs.length), 0, '');
    return `bytes=${specs.join(pick(rng, [',', ', ', ' , ', ',\t']))}`;
  }
  if (form < 0.68) return `bytes=${manySpecs(rng, size).join(',')}`;
  if (form < 0.78) return `${pick(rng, ['Bytes', 'BYTES', 'bYtEs'])}=${rangeSpec(rng, size)}`;
  if (form < 0.88) {
    const first = int(rng, 0, Math.max(0, size - 1));
    return pick(rng, [`bytes= ${first}-`, `bytes=${first} -${first + 2}`, `bytes=${first}- ${first + 2}`, `bytes =${first}-`, `bytes=${first}-${first + 1} ,-2`]);
  }
  return pick(rng, MALFORMED_RANGES);
}

// Entity-tag members: the server's current one (strong and weakened), stale ones, another file's.
const TAG_MEMBERS = ['{etag}', '{weak-etag}', '"stale"', 'W/"stale"', '{other-etag}'];
const MALFORMED_TAGS = ['unquoted', '"unterminated', '{bare-etag}', '**'];

function tagList(rng: Rng): string {
  const form = rng();
  if (form < 0.2) return '*';
  if (form < 0.85) return Array.from({ length: int(rng, 1, 3) }, () => pick(rng, TAG_MEMBERS)).join(pick(rng, [', ', ',']));
  return pick(rng, MALFORMED_TAGS);
}

// Dates: the server's Last-Modified in the three HTTP-date formats, around it, and not dates at all.
const DATES = ['{date}', '{date}', '{date-rfc850}', '{date-asctime}', '{date-1s}', '{date+1s}', '{date-1d}', '{date+1d}'];
const MALFORMED_DATES = ['yesterday', '{date-iso}', '{date-no-zone}', '0'];

const date = (rng: Rng) => (chance(rng, 0.85) ? pick(rng, DATES) : pick(rng, MALFORMED_DATES));

const IF_RANGE = ['{etag}', '{etag}', '{weak-etag}', '"stale"', '{other-etag}', '{date}', '{date}', '{date-1d}', '{date+1d}', '{date+1s}', 'yesterday', '*'];

export function generate(seed: number, iterations: number): FuzzRequest[] {
  const rng = random(seed);
  return Array.from({ length: iterations }, (_, index) => {
    const file = pick(rng, files);
    const headers: Record<string, string> = {};
    if (chance(rng, 0.6)) headers['Range'] = rangeHeader(rng, file.content.length);
    if (chance(rng, headers['Range'] ? 0.3 : 0.05)) headers['If-Range'] = pick(rng, IF_RANGE);
    if (chance(rng, 0.15)) headers['If-Match'] = tagList(rng);
    if (chance(rng, 0.2)) headers['If-None-Match'] = tagList(rng);
    if (chance(rng, 0.2)) headers['If-Modified-Since'] = date(rng);
    if (chance(rng, 0.15)) headers['If-Unmodified-Since'] = date(rng);
    return { index, file: file.name, method: chance(rng, 0.8) ? 'GET' : 'HEAD', headers };
  });
}

/** What a placeholder is filled with, from one server's answer for the file. */
export interface Validators {
  etag: string | undefined;
  lastModified: string | undefined;
  /** Another file's ETag at the same server. */
  otherEtag: string | undefined;
}

const DAY = 86_400_000;
const WEEKDAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const pad = (value: number, width = 2) => String(value).padStart(width, '0');

function rfc850(time: Date): string {
  const [, day, month, year] = time.toUTCString().split(' ');
  return `${WEEKDAYS[time.getUTCDay()]}, ${day}-${month}-${year!.slice(2)} ${pad(time.getUTCHours())}:${pad(time.getUTCMinutes())}:${pad(time.getUTCSeconds())} GMT`;
}

function asctime(time: Date): string {
  const [weekday, , month, year, clock] = time.toUTCString().replace(',', '').split(' ');
  return `${weekday} ${month} ${String(time.getUTCDate()).padStart(2, ' ')} ${clock} ${year}`;
}

/** The template's headers with `validators` filled in. */
export function resolve(request: FuzzRequest, validators: Validators): Record<string, string> {
  const modified = validators.lastModified ? new Date(validators.lastModified) : new Date(0);
  const shifted = (milliseconds: number) => new Date(modified.getTime() + milliseconds).toUTCString();
  const etag = validators.etag ?? '"none"';
  const values: Record<string, string> = {
    etag,
    'weak-etag': etag.startsWith('W/') ? etag : `W/${etag}`,
    'bare-etag': etag.replace(/^(W\/)?"|"$/g, ''),
    'other-etag': validators.otherEtag ?? '"none"',
    date: modified.toUTCString(),
    'date-rfc850': rfc850(modified),
    'date-asctime': asctime(modified),
    'date-iso': modified.toISOString(),
    'date-no-zone': modified.toUTCString().replace(' GMT', ''),
    'date-1s': shifted(-1000),
    'date+1s': shifted(1000),
    'date-1d': shifted(-DAY),
    'date+1d': shifted(DAY),
  };
  return Object.fromEntries(Object.entries(request.headers).map(([name, template]) => [name, template.replace(/\{([^}]+)\}/g, (_, key: string) => values[key]!)]));
}
