/**
 * Conditional requests (RFC 9110 §13), evaluated in the RFC's order:
 * If-Match, If-Unmodified-Since → 412; If-None-Match, If-Modified-Since → 304;
 * If-Range decides whether a Range is honoured.
 */
import fresh from 'fresh';
import type { IncomingHttpHeaders } from 'node:http';

export interface Validators {
  etag?: string | undefined;
  lastModified?: string | undefined;
}

export type Condition = 'proceed' | 'not-modified' | 'precondition-failed';

export function evaluateConditions(method: string, headers: IncomingHttpHeaders, validators: Validators): Condition {
  const ifMatch = headers['if-match'];
  if (ifMatch !== undefined) {
    if (!matchesStrongly(ifMatch, validators.etag)) return 'precondition-failed';
  } else {
    const since = parseDate(headers['if-unmodified-since']);
    const modified = parseDate(validators.lastModified);
    if (since !== undefined && modified !== undefined && modified > since) return 'precondition-failed';
  }
  if ((method === 'GET' || method === 'HEAD') && (headers['if-none-match'] || headers['if-modified-since'])) {
    if (fresh(headers, { etag: validators.etag, 'last-modified': validators.lastModified })) return 'not-modified';
  }
  return 'proceed';
}

/** If-Range (RFC 9110 §13.1.5): one ETag that must match strongly, or a date that must equal Last-Modified exactly. */
export function rangeIsFresh(ifRange: string | undefined, validators: Validators): boolean {
  if (!ifRange) return true;
  if (ifRange.includes('"')) return isStrong(validators.etag) && ifRange.trim() === validators.etag;
  const date = parseDate(ifRange);
  const modified = parseDate(validators.lastModified);
  return date !== undefined && date === modified;
}

/** `*` matches any file that exists (every file that gets here); a list matches only a strong ETag of its own. */
function matchesStrongly(header: string, etag: string | undefined): boolean {
  if (header.trim() === '*') return true;
  return isStrong(etag) && header.split(',').some((tag) => tag.trim() === etag);
}

function isStrong(etag: string | undefined): etag is string {
  return etag !== undefined && !etag.startsWith('W/');
}

function parseDate(value: string | undefined): number | undefined {
  if (!value) return undefined;
  const time = Date.parse(value);
  return Number.isNaN(time) ? undefined : time;
}
