/**
 * Everything the benchmark starts is registered here, so that it is stopped
 * at the end, on failure, on Ctrl-C or SIGTERM, and on a crash alike.
 */
import type { ChildProcess } from 'node:child_process';

type Stop = () => Promise<void>;

const running = new Set<Stop>();
/** Starts in progress: stopAll waits for them, so that a server still starting when Ctrl-C comes is stopped too. */
const starting = new Set<Promise<unknown>>();

/** Registers `stop`; returns it wrapped so that calling it also unregisters it. */
function track(stop: Stop): Stop {
  const once = async () => {
    running.delete(once);
    await stop();
  };
  running.add(once);
  return once;
}

/** Runs `start` and registers what it started; the result's `stop` also unregisters it. */
export function startTracked<T extends { stop(): Promise<void> }>(start: () => Promise<T>): Promise<T> {
  const started = start().then((server) => ({ ...server, stop: track(() => server.stop()) }));
  starting.add(started);
  const settled = () => void starting.delete(started);
  started.then(settled, settled);
  return started;
}

/** A short-lived child (wrk, curl): killed if the benchmark is interrupted while it runs. */
export function trackChild(child: ChildProcess): void {
  const stop = track(async () => void child.kill('SIGKILL'));
  child.once('exit', () => running.delete(stop));
}

/** Stops everything still registered, the most recently started first (apps before the S3 server they use). */
export async function stopAll(): Promise<void> {
  await Promise.allSettled(starting);
  for (const stop of [...running].reverse()) await stop().catch((error) => console.error('stop failed:', error));
}

/**
 * On Ctrl-C, SIGTERM or a closed terminal, and on a crash (an uncaught error,
 * such as EPIPE once the reader of our output is gone): stop everything, run
 * `afterwards`, then exit. The servers run in process groups of their own, so nothing else
 * would stop them.
 */
export function stopAllOnExit(afterwards: () => Promise<void>): void {
  const exit = (status: number) => void stopAll().then(afterwards).finally(() => process.exit(status));
  for (const [signal, status] of [['SIGINT', 130], ['SIGTERM', 143], ['SIGHUP', 129]] as const) {
    process.once(signal, () => {
      console.error(`\n${signal}: stopping every server…`);
      exit(status);
    });
  }
  process.once('uncaughtException', (error) => {
    // Our output may be what broke: say nothing more on it.
    process.stdout.on('error', () => {});
    process.stderr.on('error', () => {});
    console.error(error);
    exit(1);
  });
}
