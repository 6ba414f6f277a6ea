import { missingProxy, type ProxyName } from '../../src/testing/servers.js';

/**
 * A suite that needs real proxies: when one is not installed, it fails in
 * CI and is skipped elsewhere, with missingProxy's sentence naming the
 * package either way.
 */
export function requireProxy(context: Mocha.Context, ...proxies: ProxyName[]): void {
  const missing = proxies.map(missingProxy).filter((sentence) => sentence !== undefined);
  if (missing.length === 0) return;
  if (process.env['CI']) throw new Error(missing.join(' '));
  console.log(`      skipped: ${missing.join(' ')}`);
  context.skip();
}
