/** Generates the reverse-proxy configuration that matches a set of offload rules. */
import { apacheConfig } from './proxyConfigs/apache.js';
import { caddyConfig } from './proxyConfigs/caddy.js';
import { lighttpdConfig } from './proxyConfigs/lighttpd.js';
import { nginxConfig } from './proxyConfigs/nginx.js';
import type { BackendName } from './backends/backend.js';
import { backends, isBackendName } from './backends/registry.js';
import { ImproperlyConfiguredError } from './errors.js';
import { resolveSite, type ProxyConfigOptions, type Site } from './proxyConfigs/site.js';
import { compileRules, type Rule } from './rules.js';

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
 * when a rule lacks what this server needs: first every rule that
 * xSendfile(rules, { backend }) would refuse, with its sentence.
 *
 * @example proxyConfig({ sourceDir: '/srv/media', destinationUrl: '/_protected/media/' }, 'nginx', { appUrl: 'http://127.0.0.1:3000', listen: '8080' })
 */
export function proxyConfig(rules: Rule | Rule[], backend: BackendName, options: ProxyConfigOptions): string {
  return GENERATORS[backend](checkedSite(rules, backend, options));
}

/** The folders on disk the configuration of `backend` serves files from, and the rules' sourceDir: each should exist where it runs. */
export function proxyConfigFolders(rules: Rule | Rule[], backend: BackendName, options: ProxyConfigOptions): string[] {
  const sources = [rules].flat().filter((rule) => (rule.backend ?? backend) === backend).map((rule) => rule.sourceDir);
  const site = checkedSite(rules, backend, options);
  const folders = [...site.mappings.map((mapping) => mapping.dir), ...sources, ...(site.edgeLinks?.locations.map((location) => location.dir) ?? [])];
  return [...new Set(folders.filter((folder) => folder !== undefined).map((folder) => folder.replace(/(.)\/+$/, '$1')))];
}

function checkedSite(rules: Rule | Rule[], backend: BackendName, options: ProxyConfigOptions): Site {
  if (!isBackendName(backend)) {
    throw new ImproperlyConfiguredError(`proxyConfig: unknown backend ${JSON.stringify(backend)}; use one of ${Object.keys(backends).map((name) => `'${name}'`).join(', ')}.`);
  }
  // The same rules as the app's xSendfile, refused with the same sentence.
  compileRules(rules, { backend }, true);
  return resolveSite(rules, backend, options);
}
