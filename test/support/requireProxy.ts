import { findBinary, missingProxy, type ProxyName } from '../../src/testing/servers.js';

/**
 * What a suite needs and this machine lacks, each said in a sentence that
 * names the package: in CI the suite fails with them, elsewhere it is
 * skipped and says why.
 */
export function failInCiSkipElsewhere(context: Mocha.Context, missing: string[]): void {
  if (missing.length === 0) return;
  if (process.env['CI']) throw new Error(missing.join(' '));
  console.log(`      skipped: ${missing.join(' ')}`);
  context.skip();
}

/** A suite that needs real proxies, with missingProxy's sentence for each one not installed. */
export function requireProxy(context: Mocha.Context, ...proxies: ProxyName[]): void {
  failInCiSkipElsewhere(context, proxies.map(missingProxy).filter((sentence) => sentence !== undefined));
}

/** A sentence for each command of `commands` (command → its Debian package) that is not installed. */
export function missingCommands(commands: Record<string, string>): string[] {
  return Object.entries(commands)
    .filter(([command]) => !findBinary(command))
    .map(([command, debianPackage]) => `${command} not installed: apt-get install ${debianPackage}.`);
}
