/**
 * The memory measures: large downloads to clients that read slowly, one
 * (curl --limit-rate) or a thousand at once (slowClients.ts). If
 * backpressure holds, the server reads each file only as fast as its client
 * takes it, and its RSS stays flat.
 */
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { run } from './command.js';
import { rssBytes } from './procStats.js';

export interface SlowDownloadResult {
  /** Peak RSS of the server during the downloads, minus its RSS just before. */
  rssGrowth: number;
  /** Body bytes received, all downloads together. */
  bytes: number;
  seconds: number;
}

const SAMPLE_EVERY_MS = 50;
const CLIENTS = fileURLToPath(new URL('slowClients.ts', import.meta.url));

/** One download of `url` read at `bytesPerSecond`. */
export async function slowDownload(url: string, serverPid: number, bytesPerSecond: number): Promise<SlowDownloadResult> {
  const curl = ['--silent', '--show-error', '--fail', '--output', '/dev/null', '--limit-rate', String(bytesPerSecond), '--write-out', '%{size_download}', url];
  return watchRss(serverPid, async () => Number(await run('curl', curl)));
}

/** `count` downloads of `url` at once, each read at `bytesPerSecond`; each must complete with `size` bytes. */
export async function slowDownloads(url: string, serverPid: number, { count, bytesPerSecond, size }: { count: number; bytesPerSecond: number; size: number }): Promise<SlowDownloadResult> {
  return watchRss(serverPid, async () => {
    const output = await run(process.execPath, ['--import', 'tsx', CLIENTS, url, String(count), String(bytesPerSecond)]);
    const { completed, bytes } = JSON.parse(output) as { completed: number; bytes: number };
    if (completed !== count || bytes !== count * size) throw new Error(`${url}: ${completed} of ${count} downloads completed, ${bytes} bytes of ${count * size}.`);
    return bytes;
  });
}

/** Samples the RSS of `serverPid` from before `download` starts until it is done (it resolves to the bytes received). */
async function watchRss(serverPid: number, download: () => Promise<number>): Promise<SlowDownloadResult> {
  const before = rssBytes(serverPid);
  let peak = before;
  const started = performance.now();
  const work = download();
  let finished = false;
  void work.then(
    () => (finished = true),
    () => (finished = true),
  );
  while (!finished) {
    peak = Math.max(peak, rssBytes(serverPid));
    await sleep(SAMPLE_EVERY_MS);
  }
  const bytes = await work;
  return { rssGrowth: peak - before, bytes, seconds: (performance.now() - started) / 1000 };
}
