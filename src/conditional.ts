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
    const since = httpDate(headers['if-unmodified-since']);
    const modified = httpDate(validators.lastModified);
    if (since !== undefined && modified !== undefined && modified > since) return 'precondition-failed';
  }
  // A date that is no HTTP-date is ignored (§13.1.3); fresh would read anything Date.parse reads.
  const since = httpDate(headers['if-modified-since']);
  const ifModifiedSince = since === undefined ? undefined : new Date(since).toUTCString();
  if ((method === 'GET' || method === 'HEAD') && (headers['if-none-match'] || ifModifiedSince)) {
    if (fresh({ ...headers, 'if-modified-since': ifModifiedSince }, { etag: validators.etag, 'last-modified': validators.lastModified })) return 'not-modified';
  }
  return 'proceed';
}

/** If-Range (RFC 9110 §13.1.5): one ETag that must match strongly, or a date that must equal Last-Modified exactly. */
export function rangeIsFresh(ifRange: string | undefined, validators: Validators): boolean {
  if (!ifRange) return true;
  if (ifRange.includes('"')) return isStrong(validators.etag) && ifRange.trim() === validators.etag;
  const date = httpDate(ifRange);
  const modified = httpDate(validators.lastModified);
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

const WEEKDAY = '(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)';
const MONTH_NAME = '(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)';
const IMF_FIXDATE = new RegExp(`^${WEEKDAY}, \\d\\d ${MONTH_NAME} \\d{4} \\d\\d:\\d\\d:\\d\\d GMT$`);
const RFC850_DATE = new RegExp(`^(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday), \\d\\d-${MONTH_NAME}-\\d\\d \\d\\d:\\d\\d:\\d\\d GMT$`);
const ASCTIME_DATE = new RegExp(`^${WEEKDAY} ${MONTH_NAME} ([ \\d]\\d) (\\d\\d:\\d\\d:\\d\\d) (\\d{4})$`);

/** An HTTP-date (RFC 9110 §5.6.7) in any of its three formats, as a time; undefined for anything else. */
export function httpDate(value: string | undefined): number | undefined {
  if (!value) return undefined;
  const text = value.trim();
  const asctime = ASCTIME_DATE.exec(text);
  // asctime has no zone, and Date.parse would read it as local time.
  const time = asctime ? Date.parse(`${asctime[2]!.trim()} ${asctime[1]} ${asctime[4]} ${asctime[3]} GMT`) : IMF_FIXDATE.test(text) || RFC850_DATE.test(text) ? Date.parse(text) : NaN;
  return Number.isNaN(time) ? undefined : time;
}
