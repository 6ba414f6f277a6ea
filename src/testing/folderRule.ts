/**
 * The simplest offload rule for a folder, per proxy, and the header that
 * carries the hand-off: what the project's own proxy suites, demo and
 * benchmarks run behind startProxy.
 */
import type { BackendName } from '../backends/backend.js';
import type { Rule } from '../rules.js';

/** The internal location nginx and Caddy serve the folder at. */
export const INTERNAL_URL = '/_protected/media/';

/** The header with which the app hands a download to `backend`. */
export function handOffHeader(backend: BackendName): 'X-Accel-Redirect' | 'X-Sendfile' {
  return backend === 'nginx' || backend === 'caddy' ? 'X-Accel-Redirect' : 'X-Sendfile';
}

/** The rule that hands the files of `dir` to `backend`: by internal URL (nginx, Caddy) or by path (Apache, lighttpd). */
export function folderRule(backend: BackendName, dir: string): Rule {
  return handOffHeader(backend) === 'X-Accel-Redirect' ? { sourceDir: dir, destinationUrl: INTERNAL_URL } : { sourceDir: dir, destinationDir: dir };
}
