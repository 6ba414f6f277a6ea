/**
 * The edge form of a signed link, as nginx's secure_link module checks it:
 * `md5` is the base64url MD5 of
 *
 *   "<expires> <inline or empty> <client address or empty> <decoded path> <edge secret>"
 *
 * which is the `secure_link_md5` expression of the location that
 * proxyConfig generates (nginxLocation.ts). Spaces separate the fields: the
 * first three never hold one, and the secret, which never holds one either,
 * ends the string, so no two grants spell the same string.
 */
import { createHash } from 'node:crypto';
import { sameSignature } from './hmacLinks.js';
import type { SignedFields } from './linkQuery.js';

const MD5 = /^[A-Za-z0-9_-]{22}$/;

export function md5Signature(secret: string, fields: SignedFields): string {
  const disposition = fields.disposition === 'inline' ? 'inline' : '';
  return createHash('md5').update(`${fields.expires} ${disposition} ${fields.ip} ${fields.path} ${secret}`).digest('base64url');
}

export function isMd5Signature(signature: string): boolean {
  return MD5.test(signature);
}

export function md5Matches(secret: string, fields: SignedFields, signature: string): boolean {
  return sameSignature(md5Signature(secret, fields), signature);
}
