/**
 * The proxies the issue asks to measure offload behind. Caddy is left out:
 * the issue names nginx, Apache and lighttpd, and each proxy adds a minute
 * to the full run.
 */
import type { ProxyName } from '../src/testing/servers.js';

export type OffloadProxy = Exclude<ProxyName, 'caddy'>;

export const OFFLOAD_PROXIES: OffloadProxy[] = ['nginx', 'apache', 'lighttpd'];
