/**
 * Where the demo and the tests find an S3 bucket: a real one named by
 * environment variables (docs/s3.md), or s3rver started in-process on
 * 127.0.0.1, so that nothing needs a cloud account.
 */
import type { S3ClientConfig } from '@aws-sdk/client-s3';
import S3rver from 's3rver';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { S3Storage } from '../storages/s3.js';

export interface EmbeddedS3Options {
  /** Where s3rver keeps the objects. Default: a new temporary folder, removed by stop(). */
  directory?: string;
  /** Default 0: a free port. Pass the port of a stopped instance to start it again. */
  port?: number;
  /** Default 'koa-downloadview'. */
  bucket?: string;
}

export interface EmbeddedS3 {
  /** `http://127.0.0.1:<port>` */
  endpoint: string;
  port: number;
  bucket: string;
  directory: string;
  /** Client settings that reach this server; spread them to add your own. */
  clientConfig: S3ClientConfig;
  /** An S3Storage on the bucket. */
  storage: S3Storage;
  /** Closes the server and every open connection, as a crashed S3 would. */
  stop(): Promise<void>;
}

/** Starts s3rver on 127.0.0.1 with one bucket. */
export async function startEmbeddedS3(options: EmbeddedS3Options = {}): Promise<EmbeddedS3> {
  const bucket = options.bucket ?? 'koa-downloadview';
  const ownDirectory = options.directory === undefined;
  const directory = options.directory ?? (await mkdtemp(join(tmpdir(), 'koa-downloadview-s3-')));
  const server = new S3rver({ address: '127.0.0.1', port: options.port ?? 0, directory, silent: true, configureBuckets: [{ name: bucket }] });
  const { port } = await server.run();
  const endpoint = `http://127.0.0.1:${port}`;
  const clientConfig: S3ClientConfig = {
    endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    // s3rver's built-in account.
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
  };
  return {
    endpoint,
    port,
    bucket,
    directory,
    clientConfig,
    storage: new S3Storage({ bucket, clientConfig }),
    async stop() {
      // close() alone waits for keep-alive sockets the SDK would hold for minutes.
      server.httpServer?.closeAllConnections();
      // s3rver logs each response as its socket closes: let it, before close() takes the logger away.
      await new Promise((resolve) => setTimeout(resolve, 0));
      await server.close();
      if (ownDirectory) await rm(directory, { recursive: true, force: true });
    },
  };
}

/**
 * An S3Storage on the bucket the environment names, or undefined when
 * S3_BUCKET is unset. Credentials come from the SDK's usual chain
 * (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, AWS_PROFILE, instance roles).
 */
export function s3FromEnvironment(env: NodeJS.ProcessEnv = process.env): S3Storage | undefined {
  const bucket = env['S3_BUCKET'];
  if (!bucket) return undefined;
  const endpoint = env['S3_ENDPOINT'];
  const region = env['S3_REGION'] ?? env['AWS_REGION'];
  // Custom endpoints (MinIO, Ceph) rarely have a DNS name per bucket: path-style unless told otherwise.
  const forcePathStyle = env['S3_FORCE_PATH_STYLE'] ? env['S3_FORCE_PATH_STYLE'] === 'true' : Boolean(endpoint);
  return new S3Storage({
    bucket,
    clientConfig: {
      ...(endpoint && { endpoint }),
      ...(region && { region }),
      forcePathStyle,
    },
    ...(env['S3_PREFIX'] && { prefix: env['S3_PREFIX'] }),
    ...(env['S3_BASE_URL'] && { baseUrl: env['S3_BASE_URL'] }),
  });
}
