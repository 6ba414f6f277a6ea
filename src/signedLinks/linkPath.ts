/**
 * The canonical form of what a link names, which is what gets signed: the
 * path decoded, and the client address in one spelling. Browsers, mail
 * clients and proxies re-encode URLs (`%c3%a9` or `%C3%A9`, `%2B` or `+`,
 * `%7E` or `~`); every spelling of one path decodes to the same string, so a
 * link survives them. The decoded path is also what nginx's `$uri` holds,
 * so the edge form signs the same string.
 */
import { isIPv4, isIPv6 } from 'node:net';
import { encodeName } from '../../storages/names.js';

// C0 and C1 control characters, DEL and the backslash: no route serves them, and nginx would read `\` as a separator.
const FORBIDDEN = /[\u0000-\u001f\u007f-\u009f\\]/;

/** Why `path` cannot be signed, or undefined when it can. */
export function unsignablePath(path: unknown): string | undefined {
  if (typeof path !== 'string' || !path.startsWith('/')) return 'it must be a path starting with "/", e.g. "/media/report.pdf"';
  if (FORBIDDEN.test(path)) return 'control characters and backslashes are not allowed';
  if (!path.isWellFormed()) return 'it is not valid Unicode (a lone surrogate)';
  // nginx merges `//` and resolves dot segments in $uri: such a path would be signed in one form and checked in another.
  if (path.slice(1).split('/').some((segment, index, all) => segment === '.' || segment === '..' || (segment === '' && index < all.length - 1))) {
    return 'empty, "." and ".." segments are not allowed';
  }
  return undefined;
}

/** The path of a link, as it is written: every segment percent-encoded, the `/` kept. */
export function encodePath(path: string): string {
  return `/${encodeName(path.slice(1))}`;
}

/** The decoded path of a request, or undefined when its percent-encoding is broken. */
export function canonicalPath(rawPath: string): string | undefined {
  try {
    return decodeURIComponent(rawPath);
  } catch {
    return undefined;
  }
}

/**
 * One spelling per address, as Node and nginx write them: an IPv4 address
 * mapped into IPv6 (`::ffff:10.0.0.1`) is the IPv4 one, IPv6 is compressed
 * and lower case. Undefined when `ip` is no address.
 */
export function canonicalIp(ip: unknown): string | undefined {
  if (typeof ip !== 'string') return undefined;
  if (isIPv4(ip)) return ip;
  if (!isIPv6(ip) || !URL.canParse(`http://[${ip}]/`)) return undefined;
  // The URL parser writes IPv6 as RFC 5952 does, and a mapped IPv4 address in hexadecimal (::ffff:a00:1).
  const compressed = new URL(`http://[${ip}]/`).hostname.slice(1, -1);
  const mapped = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(compressed);
  if (!mapped) return compressed;
  const [high, low] = [parseInt(mapped[1]!, 16), parseInt(mapped[2]!, 16)];
  return [high >> 8, high & 255, low >> 8, low & 255].join('.');
}
