/** The S3 floor: bare Koa piping the Body of one GetObject, with the same client settings as the library's. */
import { GetObjectCommand } from '@aws-sdk/client-s3';
import Koa from 'koa';
import { s3FromEnvironment } from '../../demo/s3.js';
import { serve } from './listen.js';

const { client, bucket } = s3FromEnvironment()!;

const app = new Koa();
app.use(async (ctx) => {
  const { Body } = await client.send(new GetObjectCommand({ Bucket: bucket, Key: ctx.path.slice(1) }));
  ctx.body = Body;
});
serve(app.callback());
