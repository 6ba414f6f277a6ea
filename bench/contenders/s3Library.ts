/** This library on S3: storageDownload on an S3Storage (HeadObject for the headers, then GetObject). */
import Koa from 'koa';
import { storageDownload } from '../../src/index.js';
import { s3FromEnvironment } from '../../demo/s3.js';
import { serve } from './listen.js';

const app = new Koa();
app.use(storageDownload({ storage: s3FromEnvironment()!, name: (ctx) => ctx.path.slice(1) }));
serve(app.callback());
