/**
 * `npm run demo [-- --port 3000]`: the demo on embedded defaults. Files live
 * in a temporary folder; S3 is s3rver in-process unless S3_BUCKET names a
 * real bucket (docs/s3.md). Ctrl-C stops everything it started.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { demoApp } from './app.js';
import { s3FromEnvironment, startEmbeddedS3 } from './s3.js';

const { values } = parseArgs({ options: { port: { type: 'string', default: process.env['PORT'] ?? '3000' }, host: { type: 'string', default: '127.0.0.1' } } });

const workDir = await mkdtemp(join(tmpdir(), 'koa-downloadview-demo-'));
const real = s3FromEnvironment();
const embedded = real ? undefined : await startEmbeddedS3();
const selfUrl = () => `http://${values.host}:${values.port}`;
const { app } = await demoApp({ dataDir: workDir, s3: real ?? embedded!.storage, selfUrl });

const server = app.listen(Number(values.port), values.host, () => {
  console.log(`koa-downloadview demo: http://${values.host}:${values.port}/`);
  console.log(real ? `S3: bucket ${process.env['S3_BUCKET']}` : `S3: embedded s3rver at ${embedded!.endpoint}`);
});

async function stop(): Promise<void> {
  server.closeAllConnections();
  server.close();
  await embedded?.stop();
  await rm(workDir, { recursive: true, force: true });
  process.exit(0);
}
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
