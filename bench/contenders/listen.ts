/**
 * What every benchmarked Node server shares: its settings come from the
 * environment the orchestrator sets, it listens on 127.0.0.1 only, and it
 * exits cleanly on SIGTERM so that `--cpu-prof` can write its profile.
 */
import { createServer, type RequestListener } from 'node:http';

// Printed before listening: once the port accepts, the orchestrator knows whose CPU to count.
console.log(`pid ${process.pid}`);

export const port = Number(process.env['BENCH_PORT']);
/** The folder holding the fixture files, named `/<file>` in URLs. */
export const filesDir = process.env['BENCH_FILES'] ?? '';

/** Calls `stop` and exits on SIGTERM. */
export function exitOnTerm(stop: () => unknown): void {
  process.once('SIGTERM', async () => {
    await stop();
    process.exit(0);
  });
}

/** Serves `listener` on 127.0.0.1:BENCH_PORT with Node's default HTTP server. */
export function serve(listener: RequestListener): void {
  const server = createServer(listener);
  server.listen(port, '127.0.0.1');
  exitOnTerm(() => server.closeAllConnections());
}
