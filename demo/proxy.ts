/**
 * `npm run demo -- --proxy nginx`: the real proxy in front of the demo, from
 * the configuration proxyConfig generates for the demo's rules. The process
 * plumbing (temporary server root, start, stop) is the proxy tests' own.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { proxyConfig } from '../src/index.js';
import type { BackendName } from '../src/backends/backend.js';
import type { Running } from '../test/proxies/harness/process.js';
import { servers } from '../test/proxies/harness/servers.js';
import { demoRules } from './app.js';

export interface DemoProxy {
  config: string;
  stop(): Promise<void>;
}

/** Starts `backend` on 127.0.0.1:`port` in front of the app at `appUrl`; throws a sentence saying how to install it when it is missing. */
export async function startDemoProxy(backend: BackendName, options: { dataDir: string; appUrl: string; port: number }): Promise<DemoProxy> {
  const server = servers[backend];
  if (!server.binary) throw new Error(`${backend} is not installed: apt-get install ${server.debianPackage}`);
  const { middleware, perRoute } = demoRules(options.dataDir);
  const rules = [...middleware, ...Object.values(perRoute)].filter((rule) => rule.backend === backend);
  const config = proxyConfig(rules, backend, { appUrl: options.appUrl, listen: `127.0.0.1:${options.port}` });
  const dir = join(options.dataDir, `${backend}-server`);
  await mkdir(dir, { recursive: true });
  const running: Running = await server.start(dir, config, options.port);
  return { config, stop: () => running.stop() };
}
