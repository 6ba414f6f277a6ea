/**
 * startProxy: a real nginx, Apache, lighttpd or Caddy in front of your app,
 * run from exactly what proxyConfig generates for your rules, for your own
 * tests. The header helpers prove what the app says; this proves what the
 * proxy then sends.
 */
import { existsSync, readFileSync } from 'node:fs';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BackendName } from '../backends/backend.js';
import { proxyConfig, type ProxyConfigOptions } from '../proxyConfig.js';
import type { Rule } from '../rules.js';
import { freePort, type Running } from './process.js';
import { missingProxy, servers } from './servers.js';

export interface StartProxyOptions extends Omit<ProxyConfigOptions, 'appUrl' | 'listen'> {
  backend: BackendName;
  /** A Koa app (anything with `callback()`): it listens on a free 127.0.0.1 port until stop(). */
  app?: { callback(): (req: IncomingMessage, res: ServerResponse) => unknown };
  /** Or the URL of an app already listening. */
  appUrl?: string;
  /** The app's offload rules, as given to xSendfile. */
  rules: Rule | Rule[];
  /** The port on 127.0.0.1 the proxy listens on; default (or 0): a free one. */
  listen?: number;
  /**
   * Your deployment's own changes to the generated site (a directive added,
   * a timeout changed), to test the configuration you actually deploy: given
   * what proxyConfig printed (with the kit's port and app URL), it returns
   * what the proxy runs. Without it, the proxy runs proxyConfig's output as is.
   */
  editConfig?: (config: string) => string;
}

export interface ProxyLogs {
  /** Everything the proxy logged: its error log, then what it printed. */
  text(): string;
  /** The lines at error level or worse; a test that must see no error expects []. */
  errors(): string[];
}

export interface RunningProxy {
  /** The proxy, e.g. `http://127.0.0.1:40123`. */
  url: string;
  /** The app behind it, reached directly: what it says before the proxy acts. */
  appUrl: string;
  /** The site configuration the proxy runs: as proxyConfig printed it, after editConfig if given. */
  config: string;
  /** The proxy's temporary folder (configuration, pid, logs), removed by stop(). */
  dir: string;
  /** Readable after stop() too. */
  logs: ProxyLogs;
  /** The proxy's main process, leader of the process group its workers run in: for measuring its CPU or memory in /proc. */
  pid: number;
  /** Stops the proxy and the app it started, and removes its folder. */
  stop(): Promise<void>;
}

/**
 * Starts `backend` from exactly what `proxyConfig(rules, backend, …)` prints,
 * in a new temporary folder, on a free port, in front of `app` or `appUrl`.
 * Throws a sentence naming the apt and brew packages when the server is not
 * installed (`missingProxy(backend)` gives it beforehand, to skip a test).
 */
export async function startProxy(options: StartProxyOptions): Promise<RunningProxy> {
  const { backend, app, appUrl, rules, listen, editConfig, ...siteOptions } = options;
  const missing = missingProxy(backend);
  if (missing) throw new Error(missing);
  if (!app === !appUrl) throw new TypeError('startProxy: give either app (a Koa app) or appUrl (an app already listening), not both.');
  const server = servers[backend];
  const listening = app ? await listenOnFreePort(app.callback()) : undefined;
  const dir = await mkdtemp(join(tmpdir(), `koa-downloadview-${backend}-`));
  let running: Running | undefined;
  let kept: string | undefined;
  const text = () => kept ?? server.errorLogs.map((name) => join(dir, name)).filter((file) => existsSync(file)).map((file) => readFileSync(file, 'utf8')).join('');
  const logs: ProxyLogs = { text, errors: () => text().split('\n').filter((line) => server.errorLine.test(line)) };
  let stopped: Promise<void> | undefined;
  const stop = () =>
    (stopped ??= (async () => {
      await running?.stop();
      kept = text();
      if (listening) await closeServer(listening.server);
      await rm(dir, { recursive: true, force: true });
    })());
  try {
    // mkdtemp makes the folder private; the proxy's worker user must reach it.
    await chmod(dir, 0o755);
    const port = listen || (await freePort());
    const behind = listening?.url ?? appUrl!;
    const generated = proxyConfig(rules, backend, { ...siteOptions, appUrl: behind, listen: `127.0.0.1:${port}` });
    const config = editConfig ? editConfig(generated) : generated;
    running = await server.start(dir, config, port);
    return { url: `http://127.0.0.1:${port}`, appUrl: behind, config, dir, logs, pid: running.pid, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

async function listenOnFreePort(handler: (req: IncomingMessage, res: ServerResponse) => unknown): Promise<{ server: Server; url: string }> {
  const server = createServer(handler);
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return { server, url: `http://127.0.0.1:${port}` };
}

function closeServer(server: Server): Promise<void> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeAllConnections();
  return closed;
}
