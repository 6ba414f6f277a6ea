/**
 * s3rver in a process of its own, so that the S3 server never shares a CPU
 * queue with the Node server under test. Settings come from the environment
 * the orchestrator sets (see s3.ts).
 */
import S3rver from 's3rver';
import { exitOnTerm } from './contenders/listen.js';

const server = new S3rver({
  address: '127.0.0.1',
  port: Number(process.env['BENCH_PORT']),
  directory: process.env['BENCH_S3_DIR']!,
  silent: true,
  configureBuckets: [{ name: process.env['S3_BUCKET']! }],
});
await server.run();
// close() alone would wait for the keep-alive sockets of the clients and of nginx.
exitOnTerm(() => server.httpServer?.closeAllConnections());
