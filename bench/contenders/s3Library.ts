/**
 * This library on S3: storageDownload on an S3Storage (one GetObject: its
 * answer gives the headers, its body is the file). With BENCH_BACKEND=nginx,
 * xSendfile with the S3 rule of bench/s3OffloadRule.ts in front: nginx
 * fetches each object with the presigned request of the hand-off, and Node
 * sends no byte of it.
 */
import Koa from 'koa';
import { s3OffloadRule } from '../s3OffloadRule.js';
import { storageDownload, xSendfile } from './built.js';
import { serve } from './listen.js';
import { benchS3Storage } from './s3Storage.js';

const storage = await benchS3Storage();

const app = new Koa();
if (process.env['BENCH_BACKEND'] === 'nginx') app.use(xSendfile(s3OffloadRule(storage)));
app.use(storageDownload({ storage, name: (ctx) => ctx.path.slice(1) }));
serve(app.callback());
