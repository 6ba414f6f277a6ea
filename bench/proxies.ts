/**
 * The real proxies, started with the library's own kit (src/testing/): in front
 * of a Node app with the configuration proxyConfig generates (offload), or
 * serving the fixture folder on their own (static, the practical limit).
 */
import { mkdtemp, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { proxyConfig } from '../src/proxyConfig.js';
import { freePort } from '../src/testing/process.js';
import { servers } from '../src/testing/servers.js';
import { folderRule as ruleFor } from '../src/testing/folderRule.js';
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
  return startProxy(proxy, logDir, (port) => proxyConfig(ruleFor(proxy, filesDir), proxy, { appUrl: appOrigin, listen: `127.0.0.1:${port}` }));
}

/** `proxy` serving `filesDir` itself, with no app behind it. */
export async function startStaticProxy(proxy: OffloadProxy, filesDir: string, logDir: string): Promise<ProxyServer> {
  return startProxy(proxy, logDir, (port) => staticSite(proxy, filesDir, port));
}

async function startProxy(proxy: OffloadProxy, logDir: string, site: (port: number) => string): Promise<ProxyServer> {
  const port = await freePort();
  const dir = await mkdtemp(join(logDir, `${proxy}-`));
  const running = await startTracked(() => servers[proxy].start(dir, site(port), port));
  return { origin: `http://127.0.0.1:${port}`, pid: await pidFile(join(dir, `${proxy === 'apache' ? 'apache2' : proxy}.pid`)), stop: running.stop };
}

/** The pid the server wrote (the harness names the file after it); nginx may write it just after it listens. */
async function pidFile(path: string): Promise<number> {
  for (let tries = 0; tries < 100; tries++, await sleep(20)) {
    const pid = Number(await readFile(path, 'utf8').catch(() => ''));
    if (pid > 0) return pid;
  }
  throw new Error(`${path}: no pid written`);
}
