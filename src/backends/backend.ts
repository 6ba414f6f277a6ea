/**
 * What one reverse proxy needs from xSendfile: where it reads files from
 * (a folder on disk or an internal URI), which rule options it understands,
 * and how it spells the hand-off in response headers.
 */
import type { BigIntStats } from 'node:fs';
import type { Rule } from '../rules.js';

export type BackendName = 'nginx' | 'apache' | 'lighttpd' | 'caddy';

/** Rule options that only some backends understand. */
export type BackendOption = 'expires' | 'buffering' | 'limitRate' | 'percentEncode' | 'dispositionHeader';

/** The headers that hand one download to the proxy. `name` is the decoded, checked path below the rule's source. */
export type HandOff = (name: string) => Record<string, string>;

export interface Backend {
  /** destinationDir: a folder the proxy opens files in; destinationUrl: an internal location it serves. */
  readonly destination: 'destinationDir' | 'destinationUrl';
  readonly options: readonly BackendOption[];
  /**
   * The header that carries the download's Content-Disposition to the proxy,
   * when the proxy would otherwise copy it into its own error pages (nginx);
   * the generated configuration names it. Default: Content-Disposition.
   */
  readonly dispositionHeader?: string;
  /**
   * Whether the proxy, as proxyConfig sets it up, refuses a symlink that leads
   * out of the folder (nginx: disable_symlinks; lighttpd: server.follow-symlink
   * "disable"). Apache's mod_xsendfile ignores Options -FollowSymLinks and Caddy
   * has no such switch (test/proxies/security.test.ts). When it does not, the route
   * asks the storage for the file before the hand-off, and the storage refuses it.
   */
  readonly refusesSymlinks: boolean;
  /**
   * The ETag the proxy sends for the file with these stats (`fs.stat` with
   * `bigint`), as proxyConfig sets it up, in each spelling its versions use;
   * none when it sends none. The route evaluates If-Match and If-Range with
   * it before a hand-off, since the client holds the proxy's ETag, not the
   * app's (src/beforeHandOff.ts).
   */
  etags(stats: BigIntStats): string[];
  /** Whether the proxy can be handed this name at all; when not, the rule does not match and the file streams. Default: every name. */
  readonly accepts?: (name: string) => boolean;
  /**
   * Runs once per rule when the middleware is built, so that the work per
   * request is a string join. `destination` is normalised and ends with `/`.
   * `fail` throws ImproperlyConfiguredError with the rule named.
   */
  prepare(destination: string, rule: Rule, fail: (sentence: string) => never): HandOff;
}
