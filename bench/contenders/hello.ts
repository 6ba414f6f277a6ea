/** A hello-world route, with xSendfile mounted globally when BENCH_BACKEND is set: what the middleware costs responses that are not downloads. */
import Koa from 'koa';
import { xSendfile } from '../../src/index.js';
import type { ProxyName } from '../../test/proxies/harness/servers.js';
import { ruleFor } from '../../test/proxies/harness/stack.js';
import { filesDir, serve } from './listen.js';

const proxy = process.env['BENCH_BACKEND'] as ProxyName | undefined;

const app = new Koa();
if (proxy) app.use(xSendfile(ruleFor(proxy, filesDir), { backend: proxy }));
app.use((ctx) => {
  ctx.body = 'Hello, world!';
});
serve(app.callback());
