/**
 * One app process of the scale-out test (load.test.ts starts two): the shared
 * folder offloaded to nginx at /files/, streamed by Koa at /direct/, and the
 * shared S3 bucket streamed at /s3/. Configured by the environment: PORT,
 * MEDIA, and the S3_* / AWS_* variables of s3FromEnvironment.
 */
import Router from '@koa/router';
import Koa from 'koa';
import { s3FromEnvironment } from '../../demo/s3.js';
import { FileSystemStorage, storageDownload, xSendfile } from '../../src/index.js';
import { scaleOutRule } from './scaleOutRule.js';

const media = process.env['MEDIA']!;
const storage = new FileSystemStorage({ location: media });
const router = new Router();
router.get('/files/*path', xSendfile(scaleOutRule(media)), storageDownload({ storage }));
router.get('/direct/*path', storageDownload({ storage }));
router.get('/s3/*path', storageDownload({ storage: s3FromEnvironment()! }));
const app = new Koa();
app.use(router.routes());
app.listen(Number(process.env['PORT']), '127.0.0.1');
