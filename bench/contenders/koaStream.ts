/** The streaming floor: bare Koa, `ctx.body = fs.createReadStream(file)`. No Koa library can beat it. */
import Koa from 'koa';
import { createReadStream } from 'node:fs';
import { join } from 'node:path';
import { filesDir, serve } from './listen.js';

const app = new Koa();
app.use((ctx) => {
  ctx.body = createReadStream(join(filesDir, ctx.path));
});
serve(app.callback());
