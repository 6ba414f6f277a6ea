/** The S3 floor: bare Koa piping the Body of one GetObject, with the same client settings as the library's. */
import { GetObjectCommand } from '@aws-sdk/client-s3';
import Koa from 'koa';
import { serve } from './listen.js';
import { benchS3Storage } from './s3Storage.js';

const { client, bucket } = await benchS3Storage();

const app = new Koa();
app.use(async (ctx) => {
  const { Body } = await client.send(new GetObjectCommand({ Bucket: bucket, Key: ctx.path.slice(1) }));
  ctx.body = Body;
});
serve(app.callback());
