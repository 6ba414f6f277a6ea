/** The peer for Koa: @koa/send, the engine of koa-static. */
import { send } from '@koa/send';
import Koa from 'koa';
import { filesDir, serve } from './listen.js';

const app = new Koa();
app.use(async (ctx) => {
  await send(ctx, ctx.path, { root: filesDir });
});
serve(app.callback());
