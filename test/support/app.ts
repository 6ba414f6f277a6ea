import Koa from 'koa';
import type { Middleware } from 'koa';
import { createServer, type Server } from 'node:http';
import type { AddressInfo, ListenOptions } from 'node:net';

/** A Koa app around `middleware` that collects the errors Koa would log, instead of printing them. */
export function appWith(...middleware: Middleware<any, any>[]): Koa & { errors: Error[] } {
  const app = new Koa() as Koa & { errors: Error[] };
  app.silent = true;
  app.errors = [];
  app.on('error', (error: Error) => app.errors.push(error));
  for (const m of middleware) app.use(m);
  return app;
}

/** Listens on a free port of 127.0.0.1, or where `where` says (a Unix socket's `path`: the url is then `unix:<path>`, as proxyConfig's appUrl takes it). */
export async function listen(app: Koa, where: ListenOptions = { port: 0, host: '127.0.0.1' }): Promise<{ server: Server; url: string; close: () => Promise<void> }> {
  const server = createServer(app.callback());
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(where, resolve));
  const address = server.address();
  return {
    server,
    url: typeof address === 'string' ? `unix:${address}` : `http://127.0.0.1:${(address as AddressInfo).port}`,
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
