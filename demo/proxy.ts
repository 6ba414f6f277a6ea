/**
 * `npm run demo -- --proxy nginx`: the real proxy in front of the demo, from
 * the configuration proxyConfig generates for the demo's rules, started with
 * the library's own kit (startProxy, koa-downloadview/testing).
 */
import type { BackendName } from '../src/backends/backend.js';
import { startProxy } from '../src/testing.js';
import type { Storage } from '../storages/storage.js';
import { demoRules } from './app.js';

export interface DemoProxy {
  config: string;
  stop(): Promise<void>;
}

/** Starts `backend` on 127.0.0.1:`port` in front of the app at `appUrl` (whose S3 storage is `s3`); throws a sentence saying how to install it when it is missing. */
export async function startDemoProxy(backend: BackendName, options: { dataDir: string; appUrl: string; port: number; s3?: Storage }): Promise<DemoProxy> {
  const { middleware, perRoute, s3 } = demoRules(options.dataDir, options.s3);
  const rules = [...middleware, ...Object.values(perRoute), ...s3].filter((rule) => rule.backend === backend);
  const proxy = await startProxy({ backend, appUrl: options.appUrl, rules, listen: options.port });
  return { config: proxy.config, stop: proxy.stop };
}
