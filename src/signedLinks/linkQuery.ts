/**
 * The query of a signed link: what it grants, in the clear, and its
 * signature. Both forms share it; the app form adds `key` and `signature`
 * (HMAC-SHA256), the edge form `md5` (nginx secure_link).
 *
 *   /media/report.pdf?expires=1767225600&disposition=inline&filename=Q1.pdf&ip=1&key=2025-06&signature=…
 *   /signed/report.pdf?expires=1767225600&disposition=inline&ip=1&md5=…
 */
import { SignedLinkError } from './refusal.js';

/** What a link grants, as signed: the path decoded, '' where the route decides. */
export interface SignedFields {
  path: string;
  /** Unix time, in seconds. */
  expires: number;
  disposition: '' | 'attachment' | 'inline';
  basename: string;
  /** The client address the link is bound to, in canonical form; '' for any. */
  ip: string;
}

export const PARAMS = ['expires', 'disposition', 'filename', 'ip', 'key', 'signature', 'md5'] as const;
export type Params = Partial<Record<(typeof PARAMS)[number], string>>;

/** A query value, percent-encoded; RFC 3986 sub-delimiters too, which some mail clients rewrite. */
function encode(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** The query string (without `?`) of a link granting `fields`, then `signature` (name → value) last. */
export function linkQuery(fields: SignedFields, signature: Record<string, string>): string {
  const pairs: [string, string][] = [['expires', String(fields.expires)]];
  if (fields.disposition) pairs.push(['disposition', fields.disposition]);
  if (fields.basename) pairs.push(['filename', fields.basename]);
  if (fields.ip) pairs.push(['ip', '1']);
  pairs.push(...Object.entries(signature));
  return pairs.map(([name, value]) => `${name}=${encode(value)}`).join('&');
}

/**
 * Our parameters from a query string. Others (a mail client's utm_source…)
 * are not signed: they are ignored here, and stripped before the route runs.
 * `+` is a space, as in every form-encoded query.
 */
export function readParams(search: string): Params {
  const query = new URLSearchParams(search);
  const params: Params = {};
  for (const name of PARAMS) {
    const values = query.getAll(name);
    if (values.length > 1) throw new SignedLinkError('malformed', { why: `the parameter "${name}" appears more than once` });
    if (values.length === 1) params[name] = values[0];
  }
  return params;
}

/** Unix seconds from the `expires` parameter. */
export function readExpires(params: Params): number {
  const text = params.expires;
  if (text === undefined) throw new SignedLinkError('malformed', { why: 'it has no expiry' });
  if (!/^[1-9]\d{0,11}$/.test(text)) throw new SignedLinkError('malformed', { why: 'its expiry is not a time in whole seconds' });
  return Number(text);
}
