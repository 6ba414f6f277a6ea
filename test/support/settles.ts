import { setTimeout as sleep } from 'node:timers/promises';

/** Polls until `settled` holds (cleaning up takes a few ticks), then returns whether it did. */
export async function settles(settled: () => Promise<boolean> | boolean, timeout = 10_000): Promise<boolean> {
  for (const deadline = Date.now() + timeout; Date.now() < deadline; await sleep(50)) if (await settled()) return true;
  return settled();
}
