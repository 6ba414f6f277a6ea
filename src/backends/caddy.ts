/**
 * Caddy: X-Accel-Redirect, read by `reverse_proxy { handle_response … }`.
 * Debian's Caddy 2.6 `rewrite * {rp.header.X-Accel-Redirect}` takes the path
 * literally, without percent-decoding, so the value is the raw UTF-8 path
 * (sent as latin1 bytes, as for apache). A `?` still ends the path there
 * and nothing escapes it, so such a name is not handed to Caddy: it streams
 * from Node (or goes to a later rule). Caddy has no equivalent
 * of nginx's X-Accel-Expires / -Buffering / -Limit-Rate, so none is sent.
 */
import type { Backend } from './backend.js';
import { mtimeSeconds } from './etags.js';
import { asUtf8Bytes } from './utf8.js';

export const caddy: Backend = {
  destination: 'destinationUrl',
  refusesSymlinks: false,
  options: [],
  // calculateEtag: Caddy 2.6 and 2.7 "<mtime in seconds><size>", 2.8 and later "<mtime in nanoseconds>-<size>", in base 36.
  etags: (stats) => [`"${mtimeSeconds(stats).toString(36)}${stats.size.toString(36)}"`, `"${stats.mtimeNs.toString(36)}-${stats.size.toString(36)}"`],
  accepts: (name) => !name.includes('?'),
  prepare(destination) {
    return (name) => ({ 'X-Accel-Redirect': asUtf8Bytes(destination + name) });
  },
};
