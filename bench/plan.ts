/**
 * How long and how much to measure: the full benchmark (`npm run bench`),
 * `--quick` (same measures, one short run each, for development) and
 * `--smoke` (one size, for the smoke test; numbers meaningless).
 */
import { GiB, KiB, MiB } from './fixtures.js';

export interface Plan {
  name: 'full' | 'quick' | 'smoke';
  /** File sizes streamed and offloaded. */
  sizes: number[];
  /** The proxies' static serving is compared from this size up. */
  staticFrom: number;
  /** Sizes fetched from S3. */
  s3Sizes: number[];
  /** Sizes fetched from S3 by nginx (offloaded) and by Node (streamed), in the s3offload group. */
  s3OffloadSizes: number[];
  /** Presigns timed per round, for the cost of one S3 hand-off. */
  presigns: number;
  /** Node CPU per GiB is compared, streamed vs offloaded, from this size up (below, it is all per-request cost). */
  cpuFrom: number;
  /** Runs per contender and size; the table shows their median. */
  runs: number;
  /** Length of one wrk run (wrk counts whole seconds). */
  seconds: number;
  /** A run stops loading the server after this many responses; undefined: it loads it for all its `seconds`. */
  requestsPerRun?: number;
  /** One unrecorded wrk run per contender and size first, so that V8 has compiled the hot path. */
  warmupSeconds: number;
  /** Concurrent connections: enough to keep one core busy, few enough not to starve the other. */
  connections: number;
  slowDownload: { size: number; bytesPerSecond: number };
  /** Many slow downloads at once: `count` of a file of `size`, each read at `bytesPerSecond`. */
  slowDownloads: { count: number; size: number; bytesPerSecond: number };
}

const FULL: Plan = {
  name: 'full',
  sizes: [13, 64 * KiB, MiB, 100 * MiB],
  staticFrom: MiB,
  s3Sizes: [64 * KiB, MiB],
  s3OffloadSizes: [MiB, 100 * MiB],
  presigns: 2000,
  cpuFrom: MiB,
  runs: 7,
  seconds: 2,
  warmupSeconds: 1,
  connections: 8,
  slowDownload: { size: GiB, bytesPerSecond: 64 * MiB },
  slowDownloads: { count: 1000, size: 10 * MiB, bytesPerSecond: 256 * KiB },
};

export const PLANS: Record<Plan['name'], Plan> = {
  full: FULL,
  quick: {
    ...FULL,
    name: 'quick',
    runs: 1,
    seconds: 1,
    warmupSeconds: 0,
    slowDownload: { size: GiB, bytesPerSecond: 256 * MiB },
    slowDownloads: { count: 1000, size: 10 * MiB, bytesPerSecond: MiB },
  },
  smoke: {
    ...FULL,
    name: 'smoke',
    sizes: [MiB],
    s3Sizes: [MiB],
    s3OffloadSizes: [MiB],
    presigns: 50,
    runs: 1,
    requestsPerRun: 20,
    seconds: 1,
    warmupSeconds: 0,
    slowDownload: { size: 16 * MiB, bytesPerSecond: 64 * MiB },
    slowDownloads: { count: 20, size: MiB, bytesPerSecond: 4 * MiB },
  },
};
