/**
 * This library: storageDownload on a FileSystemStorage, with xSendfile in
 * front when BENCH_BACKEND names a proxy; BENCH_FOLLOW_SYMLINKS_OUTSIDE=1
 * gives the storage followSymlinksOutside. No router: the floors have none,
 * and the router's cost is not ours to measure.
 */
import Koa from 'koa';
import { FileSystemStorage, storageDownload, xSendfile } from './built.js';
import type { ProxyName } from '../../src/testing/servers.js';
import { folderRule as ruleFor } from '../../src/testing/folderRule.js';
import { filesDir, serve } from './listen.js';

const proxy = process.env['BENCH_BACKEND'] as ProxyName | undefined;

const app = new Koa();
if (proxy) app.use(xSendfile(ruleFor(proxy, filesDir), { backend: proxy }));
const followSymlinksOutside = process.env['BENCH_FOLLOW_SYMLINKS_OUTSIDE'] === '1';
app.use(storageDownload({ storage: new FileSystemStorage({ location: filesDir, followSymlinksOutside }), name: (ctx) => ctx.path.slice(1) }));
serve(app.callback());
