/**
 * The app form of a signed link: HMAC-SHA256, keyed by the key whose id the
 * link names, over every field the link grants. The key id is signed too, so
 * a link cannot be moved to another key.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { CheckedKey } from './keys.js';
import type { SignedFields } from './linkQuery.js';

// Bumped if the signed message ever changes shape: old links then fail, rather than meaning something else.
const VERSION = 'koa-downloadview signed link 1';
const SIGNATURE = /^[A-Za-z0-9_-]{43}$/;

/** base64url of the HMAC: 43 characters, unchanged by URL normalisation. */
export function hmacSignature(key: CheckedKey, fields: SignedFields): string {
  // A JSON array: no field can spill into the next, whatever characters a file name holds.
  const message = JSON.stringify([VERSION, key.id, fields.expires, fields.disposition, fields.basename, fields.ip, fields.path]);
  return createHmac('sha256', key.secret).update(message).digest('base64url');
}

/** Whether a signature has the shape of one of ours at all. */
export function isHmacSignature(signature: string): boolean {
  return SIGNATURE.test(signature);
}

export function hmacMatches(key: CheckedKey, fields: SignedFields, signature: string): boolean {
  return sameSignature(hmacSignature(key, fields), signature);
}

/** Constant-time: how far two signatures of one length agree never shows in the time the answer takes. */
export function sameSignature(expected: string, given: string): boolean {
  const [a, b] = [Buffer.from(expected), Buffer.from(given)];
  return a.length === b.length && timingSafeEqual(a, b);
}
