/**
 * The real proxies, started with the library's own kit (src/testing/): in front
 * of a Node app with the configuration proxyConfig generates (offload, through
 * startProxy), or serving the fixture folder on their own (static, the
 * practical limit: not proxyConfig's output, so started by the kit's servers).
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { freePort } from '../src/testing/process.js';
import { servers } from '../src/testing/servers.js';
import { folderRule } from '../src/testing/folderRule.js';
import { startProxy } from '../src/testing/startProxy.js';
import { startTracked } from './cleanup.js';
import type { OffloadProxy } from './offloadProxies.js';
import { staticSite } from './staticSite.js';

export interface ProxyServer {
  origin: string;
  /** The process we started, leader of the process group its workers run in (their CPU is counted with it). */
  pid: number;
  stop(): Promise<void>;
}

/** `proxy` forwarding to the app at `appOrigin` and serving the files that app offloads. */
export async function startOffloadProxy(proxy: OffloadProxy, appOrigin: string, filesDir: string, logDir: string): Promise<ProxyServer> {
  const kept = await mkdtemp(join(logDir, `${proxy}-`));
  const running = await startTracked(async () => {
    const started = await startProxy({ backend: proxy, appUrl: appOrigin, rules: folderRule(proxy, filesDir) });
    // stop() removes the kit's folder: its configuration and log stay with the run's logs, for a failed run to show.
    const keep = () => Promise.all([writeFile(join(kept, 'site.conf'), started.config), writeFile(join(kept, 'proxy.log'), started.logs.text())]);
    return { ...started, stop: () => started.stop().then(keep).then(() => undefined) };
  });
  return { origin: running.url, pid: running.pid, stop: running.stop };
}

/** `proxy` serving `filesDir` itself, with no app behind it. */
export async function startStaticProxy(proxy: OffloadProxy, filesDir: string, logDir: string): Promise<ProxyServer> {
  const port = await freePort();
  const dir = await mkdtemp(join(logDir, `${proxy}-`));
  const running = await startTracked(() => servers[proxy].start(dir, staticSite(proxy, filesDir, port), port));
  return { origin: `http://127.0.0.1:${port}`, pid: running.pid, stop: running.stop };
}
