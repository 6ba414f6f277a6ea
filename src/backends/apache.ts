/**
 * Apache mod_xsendfile: X-Sendfile = an absolute path.
 *
 * Debian's mod_xsendfile 0.12 reads the header value as raw bytes, so a
 * UTF-8 path must leave Node as its UTF-8 bytes. Node writes header strings
 * as latin1, one byte per character: the value is therefore the UTF-8 bytes
 * re-read as latin1. (Names with control characters never reach here, so no
 * CR/LF can end up in the header.)
 *
 * mod_xsendfile 1.0 percent-decodes the value instead (XSendFileUnescape,
 * on by default): `percentEncode: true` sends the whole path encoded.
 *
 * Apache serves Range requests for the file but, unlike the other three,
 * says nothing of it: the hand-off carries `Accept-Ranges: bytes`, which
 * mod_xsendfile keeps, so a client knows it may resume.
 */
import { encodeName } from '../../storages/names.js';
import type { Backend } from './backend.js';
import { asUtf8Bytes } from './utf8.js';

export const apache: Backend = {
  destination: 'destinationDir',
  refusesSymlinks: false,
  options: ['percentEncode'],
  // The generated configuration says FileETag None (mod_xsendfile 0.12 behind mod_proxy sends ETag "0" for every file).
  etags: () => [],
  prepare(destination, rule, fail) {
    if (rule.percentEncode !== undefined && typeof rule.percentEncode !== 'boolean') fail(`percentEncode must be true or false; got ${JSON.stringify(rule.percentEncode)}.`);
    if (rule.percentEncode) {
      const folder = encodeName(destination);
      return (name) => ({ 'X-Sendfile': folder + encodeName(name), 'Accept-Ranges': 'bytes' });
    }
    const folder = asUtf8Bytes(destination);
    return (name) => ({ 'X-Sendfile': folder + asUtf8Bytes(name), 'Accept-Ranges': 'bytes' });
  },
};
