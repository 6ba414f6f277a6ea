/**
 * nginx: X-Accel-Redirect to an `internal` location. nginx percent-decodes
 * the URI after splitting off `?` (ngx_http_parse_unsafe_uri), so every
 * segment is percent-encoded: `?`, `#`, `%` and `;` in names stay in the path.
 *
 * The Content-Disposition goes as X-Accel-Content-Disposition: nginx copies
 * a Content-Disposition into every answer of the internal location, its 404
 * and 416 pages included, which browsers and curl -OJ then saved under the
 * file's name. The generated location adds it back with `add_header`, which
 * applies to successful answers only.
 *
 * No X-Accel-Charset: nginx keeps the app's Content-Type, charset included,
 * and X-Accel-Charset only asks its charset filter to recode, which the
 * generated location turns off (`charset off`). Without a charset_map for
 * the name (Debian's nginx.conf has none), nginx logged an error for every
 * text download: `unknown charset "utf-8" to override`.
 */
import { encodeName } from '../../storages/names.js';
import type { Backend } from './backend.js';
import { mtimeSeconds } from './etags.js';

export const nginx: Backend = {
  destination: 'destinationUrl',
  refusesSymlinks: true,
  options: ['expires', 'buffering', 'limitRate', 'dispositionHeader'],
  dispositionHeader: 'X-Accel-Content-Disposition',
  // ngx_http_set_etag: "<mtime in seconds, hex>-<size, hex>".
  etags: (stats) => [`"${mtimeSeconds(stats).toString(16)}-${stats.size.toString(16)}"`],
  prepare(destination, rule, fail) {
    const fixed: Record<string, string> = {};
    if (rule.buffering !== undefined) {
      if (typeof rule.buffering !== 'boolean') fail(`buffering must be true or false (X-Accel-Buffering: yes / no); got ${JSON.stringify(rule.buffering)}.`);
      fixed['X-Accel-Buffering'] = rule.buffering ? 'yes' : 'no';
    }
    if (rule.limitRate !== undefined) {
      if (rule.limitRate !== false && !isWholeNumber(rule.limitRate)) fail(`limitRate must be a whole number of bytes per second (0 = no limit) or false; got ${JSON.stringify(rule.limitRate)}.`);
      fixed['X-Accel-Limit-Rate'] = rule.limitRate === false ? 'off' : String(rule.limitRate);
    }
    if (rule.expires !== undefined) fixed['X-Accel-Expires'] = expires(rule.expires, fail);

    return (name) => ({ 'X-Accel-Redirect': destination + encodeName(name), ...fixed });
  },
};

/** Seconds from now; a Date is an absolute time, which nginx spells `@unix-seconds`; false turns caching off. */
function expires(value: unknown, fail: (sentence: string) => never): string {
  if (value === false) return 'off';
  if (isWholeNumber(value)) return String(value);
  if (value instanceof Date && value.getTime() >= 0) return `@${Math.floor(value.getTime() / 1000)}`;
  return fail(`expires must be whole seconds (0 or more), a Date after 1970, or false (off); got ${value instanceof Date ? value.toString() : JSON.stringify(value)}.`);
}

function isWholeNumber(value: unknown): value is number {
  return Number.isSafeInteger(value) && (value as number) >= 0;
}
