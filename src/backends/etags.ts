/**
 * How the proxies spell a file's ETag, from the same stat they make. The app
 * needs it to evaluate If-Match and If-Range before a hand-off: the client
 * holds the proxy's ETag, not the app's. test/proxies/parity.test.ts sends
 * back the ETag each real server gave, so a formula that drifts fails there.
 */
import type { BigIntStats } from 'node:fs';
import { endianness } from 'node:os';

const NS_PER_SECOND = 1_000_000_000n;

/** st_mtime: whole seconds. */
export function mtimeSeconds(stats: BigIntStats): bigint {
  return stats.mtimeNs / NS_PER_SECOND;
}

/**
 * lighttpd 1.4.58 and later, with the default etag.use-inode, -size and
 * -mtime (http_etag_create): the inode, size, mtime seconds and mtime
 * nanoseconds as four 64-bit words in machine order, hashed with dekhash
 * seeded with their length, in decimal.
 */
export function lighttpdEtag(stats: BigIntStats): string {
  const words = Buffer.alloc(32);
  const values = [stats.ino, stats.size, mtimeSeconds(stats), stats.mtimeNs % NS_PER_SECOND];
  const write = endianness() === 'LE' ? words.writeBigUInt64LE : words.writeBigUInt64BE;
  values.forEach((value, index) => write.call(words, BigInt.asUintN(64, value), index * 8));
  let hash = words.length;
  for (const byte of words) hash = ((hash << 5) ^ (hash >>> 27) ^ byte) >>> 0;
  return `"${hash}"`;
}
