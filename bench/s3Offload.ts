/**
 * The s3offload group's own parts: nginx in front of the offloading app, run
 * from what proxyConfig generates for its S3 rule, and the cost of the
 * presign each hand-off makes.
 */
import { performance } from 'node:perf_hooks';
import { startProxy } from '../src/testing/startProxy.js';
import { startTracked } from './cleanup.js';
import { benchS3Storage } from './contenders/s3Storage.js';
import type { ProxyServer } from './proxies.js';
import { s3OffloadRule } from './s3OffloadRule.js';
import { median } from './summary.js';

/** nginx forwarding to the app at `appOrigin`, and fetching the objects it hands off from `endpoint` (and from nowhere else). */
export async function startS3OffloadProxy(appOrigin: string, endpoint: string): Promise<ProxyServer> {
  const running = await startTracked(() => startProxy({ backend: 'nginx', appUrl: appOrigin, rules: s3OffloadRule('s3', endpoint) }));
  return { origin: running.url, pid: running.pid, stop: running.stop };
}

/**
 * Microseconds per presign, as a hand-off makes it (a GET presigned for
 * 60 s by the build's S3Storage, in this process, for a key not signed
 * before: the cost of a signature, not of a URL reused within its second): `rounds` medians of
 * `count` presigns each, after `count` unrecorded ones that let V8 compile
 * the path. A presign is a local computation (HMACs of the request): no S3
 * request is made, whatever the endpoint.
 */
export async function presignCost(env: NodeJS.ProcessEnv, name: string, rounds: number, count: number): Promise<number[]> {
  const storage = await benchS3Storage(env);
  // A key of its own each time: a URL signed within the same second for the same key is reused, not signed again (storages/s3Presigner.ts).
  let calls = 0;
  const presign = () => storage.signedUrl(`${name}-${calls++}`, { expiresIn: 60 });
  try {
    for (let warmup = 0; warmup < count; warmup++) await presign();
    const medians: number[] = [];
    for (let round = 0; round < rounds; round++) {
      const durations: number[] = [];
      for (let call = 0; call < count; call++) {
        const start = performance.now();
        await presign();
        durations.push((performance.now() - start) * 1000);
      }
      medians.push(median(durations));
    }
    return medians;
  } finally {
    storage.client.destroy();
  }
}
