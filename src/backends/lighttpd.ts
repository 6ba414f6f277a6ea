/**
 * lighttpd 1.4: X-Sendfile from mod_proxy / mod_fastcgi with `x-sendfile`
 * enabled. http_response_xsendfile() percent-decodes the whole value
 * (buffer_urldecode_path), rejects it unless the result is valid UTF-8,
 * then simplifies the path. So the whole path, folder included, is sent
 * percent-encoded: a `%` in a name arrives as `%25`, UTF-8 as `%C3%A9`.
 */
import { encodeName } from '../../storages/names.js';
import type { Backend } from './backend.js';
import { lighttpdEtag } from './etags.js';

export const lighttpd: Backend = {
  destination: 'destinationDir',
  refusesSymlinks: true,
  options: [],
  etags: (stats) => [lighttpdEtag(stats)],
  prepare(destination) {
    const folder = encodeName(destination);
    return (name) => ({ 'X-Sendfile': folder + encodeName(name) });
  },
};
