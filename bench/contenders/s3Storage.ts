/**
 * The S3Storage of the S3 benchmark, the build's, on the s3rver bucket that
 * `env` names (bench/s3.ts sets these variables for the contenders).
 */
import type { S3Storage } from '../../src/s3.js';
import { loadS3Storage } from './built.js';

export async function benchS3Storage(env: NodeJS.ProcessEnv = process.env): Promise<S3Storage> {
  const Storage = await loadS3Storage();
  return new Storage({
    bucket: env['S3_BUCKET']!,
    clientConfig: {
      endpoint: env['S3_ENDPOINT']!,
      region: env['S3_REGION']!,
      forcePathStyle: true,
      credentials: { accessKeyId: env['AWS_ACCESS_KEY_ID']!, secretAccessKey: env['AWS_SECRET_ACCESS_KEY']! },
    },
  });
}
