/**
 * Caddy: X-Accel-Redirect, read by `reverse_proxy { handle_response … }`,
 * whose `rewrite * {rp.header.X-Accel-Redirect}` percent-decodes the path
 * (url.PathUnescape) before `file_server` opens it. Caddy has no equivalent
 * of nginx's X-Accel-Expires / -Buffering / -Limit-Rate, so none is sent.
 */
import { encodeName } from '../../storages/names.js';
import type { Backend } from './backend.js';

export const caddy: Backend = {
  destination: 'destinationUrl',
  options: [],
  prepare(destination) {
    return (name) => ({ 'X-Accel-Redirect': destination + encodeName(name) });
  },
};
