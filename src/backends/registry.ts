/** Every backend by name: the one place a new proxy is added. */
import { apache } from './apache.js';
import type { Backend, BackendName } from './backend.js';
import { caddy } from './caddy.js';
import { lighttpd } from './lighttpd.js';
import { nginx } from './nginx.js';

export const backends: Readonly<Record<BackendName, Backend>> = { nginx, apache, lighttpd, caddy };

export function isBackendName(name: unknown): name is BackendName {
  return typeof name === 'string' && Object.hasOwn(backends, name);
}
