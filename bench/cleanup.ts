/**
 * Everything the benchmark starts is registered here, so that it is stopped
 * at the end, on failure, and on Ctrl-C or SIGTERM alike.
 */
import type { ChildProcess } from 'node:child_process';

type Stop = () => Promise<void>;

const running = new Set<Stop>();

/** Registers `stop`; returns it wrapped so that calling it also unregisters it. */
export function track(stop: Stop): Stop {
  const once = async () => {
    running.delete(once);
    await stop();
  };
  running.add(once);
  return once;
}

/** A short-lived child (wrk, curl): killed if the benchmark is interrupted while it runs. */
export function trackChild(child: ChildProcess): void {
  const stop = track(async () => void child.kill('SIGKILL'));
  child.once('exit', () => running.delete(stop));
}

/** Stops everything still registered, the most recently started first (apps before the S3 server they use). */
export async function stopAll(): Promise<void> {
  for (const stop of [...running].reverse()) await stop().catch((error) => console.error('stop failed:', error));
}

/** On Ctrl-C or SIGTERM: stop everything, then exit with the signal's conventional status. */
export function stopAllOnSignals(): void {
  for (const [signal, status] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
    process.once(signal, () => {
      console.error(`\n${signal}: stopping every server…`);
      void stopAll().finally(() => process.exit(status));
    });
  }
}
