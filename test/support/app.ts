import Koa from 'koa';
import type { Middleware } from 'koa';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A Koa app around `middleware` that collects the errors Koa would log, instead of printing them. */
export function appWith(...middleware: Middleware<any, any>[]): Koa & { errors: Error[] } {
  const app = new Koa() as Koa & { errors: Error[] };
  app.silent = true;
  app.errors = [];
  app.on('error', (error: Error) => app.errors.push(error));
  for (const m of middleware) app.use(m);
  return app;
}

/** Listens on a free port of 127.0.0.1. */
export async function listen(app: Koa): Promise<{ server: Server; url: string; close: () => Promise<void> }> {
  const server = createServer(app.callback());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    server,
    url: `http://127.0.0.1:${port}`,
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
