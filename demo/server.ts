/**
 * `npm run demo [-- --port 3000] [-- --proxy nginx|apache|lighttpd|caddy]`:
 * the demo on embedded defaults. Files live in a temporary folder; S3 is
 * s3rver in-process unless S3_BUCKET names a real bucket (docs/s3.md). With
 * --proxy, the real proxy listens on --port and the app on a free port behind
 * it. Ctrl-C stops everything it started; so does a busy port or a crash, and
 * no temporary folder is left behind.
 */
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { createServer as createHttpServer } from 'node:http';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { BackendName } from '../src/backends/backend.js';
import { BACKENDS, demoApp } from './app.js';
import { startDemoProxy } from './proxy.js';
import { s3FromEnvironment, startEmbeddedS3 } from './s3.js';

// The AWS SDK warns on every start that its 2027 releases will need Node 22: its own switch turns off exactly that warning.
process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] ??= 'true';

/** What the demo started, stopped last first. */
const cleanups: (() => Promise<unknown>)[] = [];
let stopping = false;

async function stop(code: number, message?: unknown): Promise<void> {
  if (stopping) return;
  stopping = true;
  if (message !== undefined) console.error(message);
  for (const cleanup of cleanups.reverse()) await cleanup().catch((error: unknown) => console.error(error));
  process.exit(code);
}
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => void stop(0));
process.on('uncaughtException', (error) => void stop(1, error));
process.on('unhandledRejection', (error) => void stop(1, error));

/** Why the demo cannot start, said in sentences (no stack): e.g. a port it cannot listen on, naming --port. */
class StartError extends Error {}

const PORT_PROBLEMS: Record<string, (port: number) => string> = {
  EADDRINUSE: (port) => `Port ${port} of 127.0.0.1 is in use: stop what listens there, or start the demo on another port with --port, e.g. npm run demo -- --port ${port + 1}.`,
  EACCES: (port) => `Port ${port} of 127.0.0.1 needs more rights than this user has: start the demo on a port above 1023 with --port, e.g. npm run demo -- --port 3000.`,
};

/** Listens on 127.0.0.1:`port` (0: a free one) and resolves to the port; a busy port rejects with a StartError. */
async function listen(server: Server, port: number): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    const fail = (error: Error & { code?: string }) => {
      const problem = PORT_PROBLEMS[error.code ?? ''];
      reject(problem ? new StartError(problem(port), { cause: error }) : error);
    };
    server.once('error', fail);
    server.listen(port, '127.0.0.1', () => (server.off('error', fail), resolve()));
  });
  return (server.address() as { port: number }).port;
}

async function start(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string', default: process.env['PORT'] ?? '3000' },
      proxy: { type: 'string' },
    },
  });
  const proxyName = values.proxy as BackendName | undefined;
  if (proxyName !== undefined && !BACKENDS.includes(proxyName)) return stop(2, `--proxy must be one of ${BACKENDS.join(', ')}; got ${JSON.stringify(values.proxy)}.`);
  let publicPort = Number(values.port);
  if (!/^\d+$/.test(values.port) || publicPort > 65535) return stop(2, `--port takes a port number, e.g. --port 3000 (0: any free port); got ${JSON.stringify(values.port)}.`);
  if (proxyName) {
    // The proxy will listen there: say now, before anything starts, if it cannot.
    const probe = createServer();
    publicPort = await listen(probe, publicPort);
    await new Promise((resolve) => probe.close(resolve));
  }

  const dataDir = await mkdtemp(join(tmpdir(), 'koa-downloadview-demo-'));
  cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
  // The proxy's workers run as www-data: they must be able to read the files.
  await chmod(dataDir, 0o755);
  const real = s3FromEnvironment();
  const embedded = real ? undefined : await startEmbeddedS3();
  if (embedded) cleanups.push(() => embedded.stop());
  let appUrl = '';
  const s3 = real ?? embedded!.storage;
  const demo = await demoApp({ dataDir, s3, selfUrl: () => appUrl, ...(proxyName && { proxy: proxyName }) });
  const server = createHttpServer(demo.app.callback());
  cleanups.push(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });
  // First of all: the home page's live streams end, and the app stops following downloads.
  cleanups.push(async () => demo.close());
  // Behind a proxy the app takes any free port: only the proxy's is the user's choice.
  const appPort = await listen(server, proxyName ? 0 : publicPort);
  appUrl = `http://127.0.0.1:${appPort}`;
  if (proxyName) {
    const proxy = await startDemoProxy(proxyName, { dataDir, appUrl, port: publicPort, s3 }).catch((error: Error) => {
      throw new StartError(error.message, { cause: error });
    });
    cleanups.push(() => proxy.stop());
  } else {
    publicPort = appPort;
  }
  console.log(`koa-downloadview demo: http://127.0.0.1:${publicPort}/${proxyName ? ` (${proxyName} in front of the app at ${appUrl})` : ''}`);
  console.log(real ? `S3: bucket ${process.env['S3_BUCKET']}` : `S3: embedded s3rver at ${embedded!.endpoint}`);
}

start().catch((error: unknown) => stop(1, error instanceof StartError ? error.message : error));
