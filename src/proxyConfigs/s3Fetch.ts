/**
 * What every proxy that fetches S3 objects (nginxS3.ts, caddyS3.ts) lets
 * through, and what it answers in place of S3's errors.
 */

/** The client's request headers S3 acts on; no other reaches it. */
export const FORWARDED = ['Range', 'If-Range', 'If-Match', 'If-None-Match', 'If-Modified-Since', 'If-Unmodified-Since'];

/**
 * S3's answers without the file, and what the client gets instead: the proxy's own page, no S3 body (it names the bucket and key, AWS's even the signing details).
 * The last entry: the signature failed or expired, S3 redirected, or S3 failed: the proxy could not fetch the object.
 */
export const ERRORS: Array<[codes: string, status: number]> = [
  ['404', 404],
  ['412', 412],
  ['416', 416],
  // A redirect too: its Location would show the client S3, and S3 redirects only what this endpoint cannot serve (a bucket of another region).
  ['300 301 302 303 307 308 400 401 403 405 409 411 500 501 503 504', 502],
];

/** `text` matched literally in a regular expression (nginx's PCRE, Go's RE2). */
export function regexEscape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
