/**
 * The memory measure: one large download to a client that reads slowly
 * (curl --limit-rate). If backpressure holds, the server reads the file only
 * as fast as the client takes it, and its RSS stays flat.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { run } from './command.js';
import { rssBytes } from './procStats.js';

export interface SlowDownloadResult {
  /** Peak RSS of the server during the download, minus its RSS just before. */
  rssGrowth: number;
  bytes: number;
  seconds: number;
}

const SAMPLE_EVERY_MS = 50;

export async function slowDownload(url: string, serverPid: number, bytesPerSecond: number): Promise<SlowDownloadResult> {
  const before = rssBytes(serverPid);
  let peak = before;
  const started = performance.now();
  let finished = false;
  const download = run('curl', ['--silent', '--show-error', '--fail', '--output', '/dev/null', '--limit-rate', String(bytesPerSecond), '--write-out', '%{size_download}', url]);
  void download.then(
    () => (finished = true),
    () => (finished = true),
  );
  while (!finished) {
    peak = Math.max(peak, rssBytes(serverPid));
    await sleep(SAMPLE_EVERY_MS);
  }
  const bytes = Number(await download);
  return { rssGrowth: peak - before, bytes, seconds: (performance.now() - started) / 1000 };
}
