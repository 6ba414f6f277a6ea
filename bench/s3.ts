/**
 * The S3 side of the benchmark: s3rver in a child process (s3rver.ts), the
 * fixtures uploaded to it, and the environment that points the S3 contenders
 * at it (read by s3FromEnvironment, with the SDK's usual credential variables).
 */
import { createReadStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { S3Storage } from '../storages/s3.js';
import { fixtureName } from './fixtures.js';
import { startNodeServer, type NodeServer } from './nodeServer.js';

const BUCKET = 'bench';
// s3rver's built-in account.
const CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

export interface BenchS3 {
  server: NodeServer;
  /** For the contenders: S3_BUCKET, S3_ENDPOINT, S3_REGION and AWS credentials. */
  env: NodeJS.ProcessEnv;
}

export async function startS3(filesDir: string, sizes: number[], workDir: string, logDir: string): Promise<BenchS3> {
  const directory = join(workDir, 's3');
  await mkdir(directory);
  const server = await startNodeServer('s3rver', 's3rver.ts', { logDir, env: { S3_BUCKET: BUCKET, BENCH_S3_DIR: directory } });
  const env = { S3_BUCKET: BUCKET, S3_ENDPOINT: server.origin, S3_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: CREDENTIALS.accessKeyId, AWS_SECRET_ACCESS_KEY: CREDENTIALS.secretAccessKey };
  const storage = new S3Storage({ bucket: BUCKET, clientConfig: { endpoint: server.origin, region: 'us-east-1', forcePathStyle: true, credentials: CREDENTIALS } });
  for (const size of sizes) await storage.save(fixtureName(size), createReadStream(join(filesDir, fixtureName(size))));
  storage.client.destroy();
  return { server, env };
}
