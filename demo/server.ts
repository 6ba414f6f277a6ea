/**
 * `npm run demo [-- --port 3000] [-- --proxy nginx|apache|lighttpd|caddy]`:
 * the demo on embedded defaults. Files live in a temporary folder; S3 is
 * s3rver in-process unless S3_BUCKET names a real bucket (docs/s3.md). With
 * --proxy, the real proxy listens on --port and the app on a free port behind
 * it. Ctrl-C stops everything it started.
 */
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { BackendName } from '../src/backends/backend.js';
import { BACKENDS, demoApp } from './app.js';
import { freePort } from '../test/proxies/harness/process.js';
import { startDemoProxy, type DemoProxy } from './proxy.js';
import { s3FromEnvironment, startEmbeddedS3 } from './s3.js';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: process.env['PORT'] ?? '3000' },
    proxy: { type: 'string' },
  },
});
const proxyName = values.proxy as BackendName | undefined;
if (proxyName !== undefined && !BACKENDS.includes(proxyName)) {
  console.error(`--proxy must be one of ${BACKENDS.join(', ')}; got ${JSON.stringify(values.proxy)}.`);
  process.exit(2);
}
const publicPort = Number(values.port);
const appPort = proxyName ? await freePort() : publicPort;

const dataDir = await mkdtemp(join(tmpdir(), 'koa-downloadview-demo-'));
// The proxy's workers run as www-data: they must be able to read the files.
await chmod(dataDir, 0o755);
const real = s3FromEnvironment();
const embedded = real ? undefined : await startEmbeddedS3();
const appUrl = `http://127.0.0.1:${appPort}`;
const { app } = await demoApp({ dataDir, s3: real ?? embedded!.storage, selfUrl: () => appUrl, ...(proxyName && { proxy: proxyName }) });
const server = app.listen(appPort, '127.0.0.1');
await new Promise((resolve) => server.once('listening', resolve));

let proxy: DemoProxy | undefined;
try {
  if (proxyName) proxy = await startDemoProxy(proxyName, { dataDir, appUrl, port: publicPort });
} catch (error) {
  console.error((error as Error).message);
  await stop(1);
}
console.log(`koa-downloadview demo: http://127.0.0.1:${publicPort}/${proxyName ? ` (${proxyName} in front of the app at ${appUrl})` : ''}`);
console.log(real ? `S3: bucket ${process.env['S3_BUCKET']}` : `S3: embedded s3rver at ${embedded!.endpoint}`);

async function stop(code = 0): Promise<never> {
  await proxy?.stop();
  server.closeAllConnections();
  server.close();
  await embedded?.stop();
  await rm(dataDir, { recursive: true, force: true });
  process.exit(code);
}
process.once('SIGINT', () => void stop());
process.once('SIGTERM', () => void stop());

