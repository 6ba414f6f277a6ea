/**
 * The S3 offload floor: bare Koa answering each object's URL with the
 * hand-off header the S3 rule of bench/s3OffloadRule.ts makes, for a URL
 * presigned once at start-up. What any Koa app pays to hand an S3 object
 * to nginx, with no presign, route or download headers per request: the
 * part of the offloaded row's CPU that no presigner can take away.
 * BENCH_BARE_HTTP=1 answers the same with node:http alone, no Koa: what
 * any Node app pays.
 */
import Koa from 'koa';
import { s3OffloadRule } from '../s3OffloadRule.js';
import { serve } from './listen.js';
import { benchS3Storage } from './s3Storage.js';

// Longer than any run: the floor never signs again.
const LIFETIME = 24 * 3600;

const storage = await benchS3Storage();
const { destinationUrl } = s3OffloadRule(storage);
const handOffs = new Map<string, string>();
for await (const name of storage.list()) {
  const signed = new URL(await storage.signedUrl(name, { expiresIn: LIFETIME }));
  // As the rule writes it for nginx, which decodes the path once (src/s3Rules.ts).
  handOffs.set(`/${name}`, `${destinationUrl}${signed.pathname.slice(1).replaceAll('%', '%25')}${signed.search}`);
}
storage.client.destroy();

if (process.env['BENCH_BARE_HTTP'] === '1') {
  // What Node's HTTP server alone costs per hand-off, with no framework at all.
  serve((request, response) => {
    const handOff = handOffs.get(request.url ?? '');
    response.statusCode = handOff ? 200 : 404;
    if (handOff) response.setHeader('X-Accel-Redirect', handOff);
    response.setHeader('Content-Length', '0');
    response.end();
  });
} else {
  const app = new Koa();
  app.use((ctx) => {
    const handOff = handOffs.get(ctx.path);
    if (!handOff) return;
    ctx.set('X-Accel-Redirect', handOff);
    ctx.body = '';
  });
  serve(app.callback());
}
