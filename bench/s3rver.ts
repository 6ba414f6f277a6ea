/**
 * s3rver in a process of its own, so that the S3 server never shares a CPU
 * queue with the Node server under test. Settings come from the environment
 * the orchestrator sets (see s3.ts).
 */
import { startEmbeddedS3 } from '../demo/s3.js';
import { exitOnTerm } from './contenders/listen.js';

const s3 = await startEmbeddedS3({
  port: Number(process.env['BENCH_PORT']),
  bucket: process.env['S3_BUCKET']!,
  directory: process.env['BENCH_S3_DIR']!,
});
exitOnTerm(() => s3.stop());
