/**
 * Look-ups without a trip through libuv's thread pool when they cannot block.
 *
 * An async lstat costs a worker's wake-up and the event loop's: 30–40 µs of
 * CPU per call on a busy 2-core machine, where the call itself takes 2 µs
 * once the kernel has the file's metadata in memory (bench/findings.md). A
 * synchronous look-up is that cheap only then: of a file not looked at lately
 * it may read the disk (or ask an NFS server) with the event loop stopped.
 * So a path is looked up synchronously only when it was looked up the same
 * way less than a second ago: its metadata is then in the kernel's caches
 * (NFS keeps attributes at least 3 s). Every lookup is made afresh: nothing
 * is served from a cache of verdicts, so a file swapped for a symlink is seen
 * at once.
 */
import { lstat as lstatCallback, lstatSync, type Stats } from 'node:fs';
import { promisify } from 'node:util';

/** How long after its last lookup a path is looked up synchronously. */
const WARM_MS = 1000;
/** Bounds the memory of the paths looked up in the last second under a flood of names. */
const MOST_PATHS = 10_000;

/**
 * A look-up made with `sync` for a path it was made for within the second,
 * else with `pooled`. Each kind keeps its own memory: an lstat of a symlink
 * walks nothing behind it, so it makes no realpath through it warm.
 */
export function warmLookUp<T>(sync: (path: string) => T, pooled: (path: string) => Promise<T>): (path: string) => T | Promise<T> {
  /** Path → when it was last looked up. */
  const lookedUp = new Map<string, number>();
  return (path) => {
    const now = Date.now();
    const last = lookedUp.get(path);
    if (last !== undefined && now - last < WARM_MS) {
      const found = sync(path);
      lookedUp.set(path, now);
      return found;
    }
    return pooled(path).then((found) => {
      // A flood of names starts the memory afresh: they are looked up through the thread pool again.
      if (lookedUp.size >= MOST_PATHS) lookedUp.clear();
      lookedUp.set(path, Date.now());
      return found;
    });
  };
}

export const warmLstat: (path: string) => Stats | Promise<Stats> = warmLookUp<Stats>((path) => lstatSync(path), promisify(lstatCallback));
