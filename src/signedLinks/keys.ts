/**
 * The secrets of signed links, checked once, when signedLinks() is built:
 * a key that could never sign safely is an ImproperlyConfiguredError there,
 * never a surprise on a request.
 */
import { ImproperlyConfiguredError } from '../errors.js';

/** One HMAC key. The id goes into every link it signs, so that the key can be found again after a rotation. */
export interface SigningKey {
  /** Letters, digits, `.`, `_` and `-`, at most 64: e.g. `'2025-06'`. */
  id: string;
  /** At least 32 bytes, random: e.g. `openssl rand -base64 32`. */
  secret: string | Uint8Array;
}

export interface CheckedKey {
  id: string;
  secret: Buffer;
}

export const MIN_SECRET_BYTES = 32;
const KEY_ID = /^[A-Za-z0-9._-]{1,64}$/;
// Characters that mean nothing to nginx inside a double-quoted string: no `$` (a variable), `"`, `\`, `;`, `{` or space.
const EDGE_SECRET = /^[A-Za-z0-9+/=._~-]+$/;
const HOW = `e.g. { id: '2025-06', secret: process.env.LINK_SECRET } with a secret from \`openssl rand -base64 32\``;

/** The keys in order (the first signs new links), each with its secret as bytes. */
export function checkKeys(keys: unknown): CheckedKey[] {
  if (!Array.isArray(keys) || keys.length === 0) {
    throw new ImproperlyConfiguredError(`signedLinks needs at least one key: signedLinks({ keys: [{ id, secret }] }), ${HOW}.`);
  }
  const seen = new Set<string>();
  return keys.map((key: Partial<SigningKey> | undefined, index) => {
    const id = key?.id;
    if (typeof id !== 'string' || !KEY_ID.test(id)) {
      throw new ImproperlyConfiguredError(`signedLinks key ${index + 1}: the id must be 1 to 64 letters, digits, ".", "_" or "-" (it is part of every link), ${HOW}; got ${JSON.stringify(id)}.`);
    }
    if (seen.has(id)) throw new ImproperlyConfiguredError(`signedLinks: two keys have the id ${JSON.stringify(id)}; each key needs its own id, or a link could not say which one signed it.`);
    seen.add(id);
    return { id, secret: secretBytes(key!.secret, `The secret of signedLinks key ${JSON.stringify(id)}`) };
  });
}

/**
 * The nginx secure_link secret: long, and spelled so that it can stand as is
 * in nginx's configuration. Whitespace around it, such as the newline that
 * `openssl rand -base64 32 > file` leaves, is no part of it: the CLI's
 * --edge-secret-file drops it too, so that the app and nginx sign alike.
 */
export function checkEdgeSecret(untrimmed: unknown, keys: CheckedKey[] = []): string {
  const where = 'The signedLinks edge secret';
  if (typeof untrimmed !== 'string') throw new ImproperlyConfiguredError(`${where} must be a string, e.g. edge: { secret: process.env.EDGE_LINK_SECRET } from \`openssl rand -base64 32\`.`);
  const secret = untrimmed.trim();
  secretBytes(secret, where);
  if (!EDGE_SECRET.test(secret)) {
    throw new ImproperlyConfiguredError(`${where} goes into nginx's configuration: use only letters, digits and + / = . _ ~ - (a base64 secret from \`openssl rand -base64 32\` is fine).`);
  }
  if (keys.some((key) => key.secret.equals(Buffer.from(secret)))) {
    throw new ImproperlyConfiguredError(`${where} must differ from every HMAC key's secret: nginx checks it with MD5, which must not weaken the HMAC keys.`);
  }
  return secret;
}

/** `where` starts the sentence: 'The secret of signedLinks key "2025-06"'. */
function secretBytes(secret: unknown, where: string): Buffer {
  if (typeof secret !== 'string' && !(secret instanceof Uint8Array)) throw new ImproperlyConfiguredError(`${where} must be a string or bytes, ${HOW}.`);
  const bytes = Buffer.from(secret);
  if (bytes.length < MIN_SECRET_BYTES) {
    throw new ImproperlyConfiguredError(`${where} is ${bytes.length} bytes long: it needs at least ${MIN_SECRET_BYTES} random bytes, ${HOW}.`);
  }
  if (new Set(bytes).size < 8) throw new ImproperlyConfiguredError(`${where} repeats a few characters: use random bytes, ${HOW}.`);
  return bytes;
}
