/**
 * The differences that remain between the library and the two oracles, in
 * classes of request + file. The library must answer every request as RFC
 * 9110 does (model.ts); nginx and Apache depart from that answer only in
 * these classes. The fuzz asserts exactly this table: a departure outside
 * it, or a class in which a server no longer departs, fails it.
 * docs/http-differences.md is the same table in prose.
 */
import type { Fixture } from '../harness/fixtures.js';
import type { Answer } from './answers.js';
import type { FuzzRequest } from './generate.js';
import { httpDate, MAX_RANGES, rangeForm } from './model.js';
import type { ServerName } from './servers.js';

/** One request to one server, as the classes see it. */
export interface Case {
  request: FuzzRequest;
  file: Fixture;
  /** The headers sent to that server, its validators filled in. */
  sent: Record<string, string>;
  /** What RFC 9110 asks of that server. */
  expected: Answer;
}

export interface Difference {
  id: string;
  servers: ServerName[];
  /** Whether the request falls in this class; the first class that holds is the request's. */
  applies(c: Case): boolean;
}

const has = (c: Case, name: string) => c.request.headers[name] !== undefined;
const notADate = (c: Case, name: string) => has(c, name) && httpDate(c.sent[name]) === undefined;
const range = (c: Case) => (has(c, 'Range') ? rangeForm(c.request.headers['Range']!) : undefined);

export const differences: Difference[] = [
  { id: 'HEAD with Range', servers: ['nginx', 'apache'], applies: (c) => c.request.method === 'HEAD' && has(c, 'Range') },
  { id: 'HEAD of an empty file', servers: ['apache'], applies: (c) => c.request.method === 'HEAD' && c.file.content.length === 0 },
  { id: 'If-Match listing a weak entity-tag', servers: ['apache'], applies: (c) => /W\//.test(c.sent['If-Match'] ?? '') },
  { id: 'If-Unmodified-Since beside If-Match', servers: ['nginx', 'apache'], applies: (c) => has(c, 'If-Match') && has(c, 'If-Unmodified-Since') },
  { id: 'a date that is not an HTTP-date', servers: ['nginx'], applies: (c) => notADate(c, 'If-Modified-Since') || notADate(c, 'If-Unmodified-Since') },
  { id: 'If-Unmodified-Since beside If-None-Match or If-Modified-Since', servers: ['apache'], applies: (c) => has(c, 'If-Unmodified-Since') && (has(c, 'If-None-Match') || has(c, 'If-Modified-Since')) },
  { id: 'If-Range beside If-None-Match or If-Modified-Since', servers: ['apache'], applies: (c) => has(c, 'If-Range') && has(c, 'Range') && (has(c, 'If-None-Match') || has(c, 'If-Modified-Since')) },
  { id: 'If-None-Match listing a weak entity-tag, beside Range', servers: ['apache'], applies: (c) => has(c, 'Range') && /W\//.test(c.sent['If-None-Match'] ?? '') },
  { id: 'If-Modified-Since beside If-None-Match', servers: ['nginx', 'apache'], applies: (c) => has(c, 'If-Modified-Since') && has(c, 'If-None-Match') },
  { id: 'If-Modified-Since later than Last-Modified', servers: ['nginx'], applies: (c) => /^\{date\+/.test(c.request.headers['If-Modified-Since'] ?? '') },
  { id: '** for *', servers: ['apache'], applies: (c) => /^\*./.test(c.sent['If-None-Match'] ?? '') || /^\*./.test(c.sent['If-Match'] ?? '') },
  { id: 'Range on an empty file', servers: ['nginx', 'apache'], applies: (c) => has(c, 'Range') && c.file.content.length === 0 },
  { id: '416 Range Not Satisfiable', servers: ['apache'], applies: (c) => c.expected.status === 416 },
  { id: `more than ${MAX_RANGES} ranges`, servers: ['nginx', 'apache'], applies: (c) => (range(c)?.specs.length ?? 0) > MAX_RANGES },
  { id: 'an empty first element in the range list', servers: ['apache'], applies: (c) => /^[^=]*=[ \t]*,/.test(c.request.headers['Range'] ?? '') },
  { id: 'empty elements in the range list', servers: ['nginx'], applies: (c) => range(c)?.emptyElements === true },
  { id: 'spaces in Range', servers: ['apache'], applies: (c) => range(c)?.whitespace === true },
  { id: 'a range-spec whose last byte comes before its first', servers: ['nginx', 'apache'], applies: (c) => range(c)?.reversed === true },
  { id: 'an invalid range-spec', servers: ['nginx'], applies: (c) => range(c)?.valid === false },
  { id: 'several ranges', servers: ['nginx', 'apache'], applies: (c) => (range(c)?.specs.length ?? 0) > 1 },
];

/** The class of `c` for `server`: the first difference that holds for it, if any. */
export function classify(server: ServerName, c: Case): Difference | undefined {
  return differences.find((difference) => difference.servers.includes(server) && difference.applies(c));
}
