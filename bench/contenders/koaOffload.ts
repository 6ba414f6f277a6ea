/**
 * The offload floor: bare Koa that only sets the internal-redirect header
 * (X-Accel-Redirect for nginx, X-Sendfile for Apache and lighttpd), with
 * the same rule the proxy's configuration is generated from.
 */
import Koa from 'koa';
import { folderRule as ruleFor, handOffHeader } from '../../src/testing/folderRule.js';
import type { ProxyName } from '../../src/testing/servers.js';
import { filesDir, serve } from './listen.js';

const proxy = process.env['BENCH_BACKEND'] as ProxyName;
const header = handOffHeader(proxy);
const rule = ruleFor(proxy, filesDir);
// ctx.path starts with '/': drop the destination's trailing one.
const prefix = (rule.destinationUrl ?? `${rule.destinationDir}/`).slice(0, -1);

const app = new Koa();
app.use((ctx) => {
  ctx.set(header, prefix + ctx.path);
  ctx.body = '';
});
serve(app.callback());
