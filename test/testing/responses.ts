import type Koa from 'koa';
import { listen } from '../support/app.js';

/** Runs `use` with a fetch Response from `app`, served on loopback. */
export async function withFetch<T>(app: Koa, path: string, use: (res: Response) => Promise<T> | T): Promise<T> {
  const server = await listen(app);
  try {
    return await use(await fetch(server.url + path));
  } finally {
    await server.close();
  }
}
