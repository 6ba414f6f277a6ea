/**
 * The S3 side of the benchmark: s3rver in a child process (s3rver.ts), the
 * fixtures uploaded to it, and the environment that points the S3 contenders
 * at it (read by contenders/s3Storage.ts).
 */
import { createReadStream } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { benchS3Storage } from './contenders/s3Storage.js';
import { fixtureName } from './fixtures.js';
import { startNodeServer, type NodeServer } from './nodeServer.js';

const BUCKET = 'bench';
// s3rver's built-in account.
const CREDENTIALS = { AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER' };

export interface BenchS3 {
  server: NodeServer;
  /** For the contenders: S3_BUCKET, S3_ENDPOINT, S3_REGION and AWS credentials. */
  env: NodeJS.ProcessEnv;
}

/** A new s3rver, in a folder of its own below `workDir`, holding the fixtures of `sizes`. */
export async function startS3(filesDir: string, sizes: number[], workDir: string, logDir: string): Promise<BenchS3> {
  const directory = await mkdtemp(join(workDir, 's3-'));
  const server = await startNodeServer(`s3rver${basename(directory).slice(2)}`, 's3rver.ts', { logDir, env: { S3_BUCKET: BUCKET, BENCH_S3_DIR: directory } });
  const env = { S3_BUCKET: BUCKET, S3_ENDPOINT: server.origin, S3_REGION: 'us-east-1', ...CREDENTIALS };
  const storage = await benchS3Storage(env);
  for (const size of sizes) await storage.save(fixtureName(size), createReadStream(join(filesDir, fixtureName(size))));
  storage.client.destroy();
  return { server, env };
}
