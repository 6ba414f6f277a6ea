/** Generates the reverse-proxy configuration that matches a set of offload rules. */
import { apacheConfig } from './proxyConfigs/apache.js';
import { caddyConfig } from './proxyConfigs/caddy.js';
import { lighttpdConfig } from './proxyConfigs/lighttpd.js';
import { nginxConfig } from './proxyConfigs/nginx.js';
import type { BackendName } from './backends/backend.js';
import { resolveSite, type ProxyConfigOptions, type Site } from './proxyConfigs/site.js';
import type { Rule } from './rules.js';

export type { ProxyConfigOptions } from './proxyConfigs/site.js';

const GENERATORS: Record<BackendName, (site: Site) => string> = {
  nginx: nginxConfig,
  apache: apacheConfig,
  lighttpd: lighttpdConfig,
  caddy: caddyConfig,
};

/**
 * The configuration of `backend` that forwards requests to the app at
 * `options.appUrl` and serves the files the rules offload: an nginx `server`
 * block, an Apache `<VirtualHost>`, a lighttpd.conf fragment or a Caddyfile.
 * Rules for another backend are left out. Throws ImproperlyConfiguredError
 * when a rule lacks what this server needs.
 *
 * @example proxyConfig({ sourceDir: '/srv/media', destinationUrl: '/_protected/media/' }, 'nginx', { appUrl: 'http://127.0.0.1:3000', listen: '8080' })
 */
export function proxyConfig(rules: Rule | Rule[], backend: BackendName, options: ProxyConfigOptions): string {
  const site = resolveSite(rules, backend, options);
  return GENERATORS[backend](site);
}
