/**
 * A describe() per real proxy around a running stack. A missing binary fails
 * the suite in CI and skips it elsewhere, naming the Debian package.
 */
import { servers, type ProxyName } from '../../../src/testing/servers.js';
import { requireProxy } from '../../support/requireProxy.js';
import { startStack, type Stack, type StackOptions } from './stack.js';

export const PROXIES = Object.keys(servers) as ProxyName[];

export function proxySuite(title: string, body: (proxy: ProxyName, stack: () => Stack) => void, options: StackOptions = {}): void {
  for (const proxy of PROXIES) {
    describe(`${proxy}: ${title}`, function () {
      this.timeout(60_000);
      let stack: Stack | undefined;
      before(async function () {
        requireProxy(this, proxy);
        stack = await startStack(proxy, options);
      });
      after(() => stack?.stop());
      body(proxy, () => stack!);
    });
  }
}
