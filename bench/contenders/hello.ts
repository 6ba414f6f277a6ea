/**
 * A hello-world route, to see what xSendfile costs responses that are not
 * downloads. BENCH_MIDDLEWARE: unset (bare), 'xsendfile' (mounted globally,
 * nginx rule), or 'empty' (an `await next()` middleware: the least any
 * middleware can cost).
 */
import Koa from 'koa';
import { xSendfile } from './built.js';
import { folderRule as ruleFor } from '../../src/testing/folderRule.js';
import { filesDir, serve } from './listen.js';

const middleware = process.env['BENCH_MIDDLEWARE'];

const app = new Koa();
if (middleware === 'xsendfile') app.use(xSendfile(ruleFor('nginx', filesDir), { backend: 'nginx' }));
if (middleware === 'empty') app.use(async (_ctx, next) => await next());
app.use((ctx) => {
  ctx.body = 'Hello, world!';
});
serve(app.callback());
