/** This library on S3: storageDownload on an S3Storage (one GetObject: its answer gives the headers, its body is the file). */
import Koa from 'koa';
import { storageDownload } from './built.js';
import { s3FromEnvironment } from '../../demo/s3.js';
import { serve } from './listen.js';

const app = new Koa();
app.use(storageDownload({ storage: s3FromEnvironment()!, name: (ctx) => ctx.path.slice(1) }));
serve(app.callback());
