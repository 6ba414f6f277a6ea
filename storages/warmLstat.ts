/**
 * lstat without a trip through libuv's thread pool when it cannot block.
 *
 * An async lstat costs a worker's wake-up and the event loop's: 30–40 µs of
 * CPU per call on a busy 2-core machine, where the call itself takes 2 µs
 * once the kernel has the file's metadata in memory (bench/findings.md). A
 * synchronous lstat is that cheap only then: of a file not looked at lately
 * it may read the disk (or ask an NFS server) with the event loop stopped.
 * So a path is looked up synchronously only when it was looked up less than
 * a second ago: its metadata is then in the kernel's caches (NFS keeps
 * attributes at least 3 s). Every lookup is made afresh: nothing is served
 * from a cache of verdicts, so a file swapped for a symlink is seen at once.
 */
import { lstat as lstatCallback, lstatSync, type Stats } from 'node:fs';
import { promisify } from 'node:util';

const lstatAsync = promisify(lstatCallback);

/** How long after its last lookup a path is looked up synchronously. */
const WARM_MS = 1000;
/** Bounds the memory of the paths looked up in the last second under a flood of names. */
const MOST_PATHS = 10_000;

/** Path → when it was last looked up. */
const lookedUp = new Map<string, number>();

export function warmLstat(path: string): Stats | Promise<Stats> {
  const now = Date.now();
  const last = lookedUp.get(path);
  if (last !== undefined && now - last < WARM_MS) {
    const stats = lstatSync(path);
    lookedUp.set(path, now);
    return stats;
  }
  return lstatAsync(path).then((stats) => {
    // A flood of names starts the memory afresh: they are looked up through the thread pool again.
    if (lookedUp.size >= MOST_PATHS) lookedUp.clear();
    lookedUp.set(path, Date.now());
    return stats;
  });
}
