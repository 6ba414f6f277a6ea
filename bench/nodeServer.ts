/**
 * Starts one benchmarked Node server (a script of bench/contenders/, or
 * s3rver.ts) as a child process on a free port, and learns its pid: the
 * process whose CPU seconds and RSS are counted.
 */
import { fileURLToPath } from 'node:url';
import { freePort, startProcess } from '../src/testing/process.js';
import { startTracked } from './cleanup.js';

export interface NodeServer {
  origin: string;
  port: number;
  pid: number;
  stop(): Promise<void>;
}

export interface NodeServerOptions {
  /** Where the server's output goes. */
  logDir: string;
  /** Environment on top of ours: BENCH_FILES, BENCH_BACKEND, S3_*… */
  env: NodeJS.ProcessEnv;
  /** Write V8 CPU profiles into `<cpuProfileDir>/<name>/` when the server stops: one per thread (tsx's module loader has one). */
  cpuProfileDir?: string | undefined;
}

const REPO = fileURLToPath(new URL('..', import.meta.url));

/** `script` is relative to bench/, e.g. `contenders/library.ts`. */
export async function startNodeServer(name: string, script: string, options: NodeServerOptions): Promise<NodeServer> {
  const port = await freePort();
  const profile = options.cpuProfileDir ? ['--cpu-prof', '--cpu-prof-dir', `${options.cpuProfileDir}/${name}`] : [];
  const running = await startTracked(() => startProcess(process.execPath, [...profile, '--import', 'tsx', fileURLToPath(new URL(script, import.meta.url))], {
    cwd: REPO,
    logFile: `${options.logDir}/${name}.log`,
    port,
    env: { ...options.env, BENCH_PORT: String(port), NODE_ENV: 'production' },
  }));
  const pid = Number(/^pid (\d+)$/m.exec(running.output())?.[1]);
  if (!pid) {
    await running.stop();
    throw new Error(`${name} did not print its pid:\n${running.output()}`);
  }
  return { origin: `http://127.0.0.1:${port}`, port, pid, stop: running.stop };
}
