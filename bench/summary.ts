/** The figures of one cell: medians over its runs. */
import { GiB, MiB } from './fixtures.js';
import type { Cell, Sample } from './measure.js';

export interface Summary {
  requestsPerSecond: number;
  mibPerSecond: number;
  /** Node CPU seconds per GiB received by the client; undefined without a Node process. */
  cpuPerGiB: number | undefined;
  /**
   * Node CPU microseconds per request: for small files, where the bytes are
   * mostly headers, the fairer view of what one request costs Node.
   */
  cpuPerRequest: number | undefined;
  /** Over all runs. */
  errors: number;
}

export function summarize(cell: Cell): Summary {
  const requestsPerSecond = median(cell.samples.map((sample) => sample.requests / sample.seconds));
  const mibPerSecond = median(cell.samples.map((sample) => sample.bytes / sample.seconds / MiB));
  const cpuPer = (unit: (sample: Sample) => number) => {
    const values = cell.samples.map((sample) => (sample.cpuSeconds === undefined ? undefined : sample.cpuSeconds / unit(sample)));
    return values.includes(undefined) ? undefined : median(values as number[]);
  };
  return {
    requestsPerSecond,
    mibPerSecond,
    cpuPerGiB: cpuPer((sample) => sample.bytes / GiB),
    cpuPerRequest: cpuPer((sample) => sample.requests / 1e6),
    errors: cell.samples.reduce((total, sample) => total + sample.errors, 0),
  };
}

/**
 * `ours` against `theirs`: the median of the ratios of each round, since
 * every contender runs once per round, back to back (measure.ts). The
 * machine's slow swings (other processes on its 2 cores) then fall on both
 * sides of each ratio, where a ratio of two medians would take them in.
 */
export function pairedRatio(ours: Cell, theirs: Cell): number {
  const rounds = Math.min(ours.samples.length, theirs.samples.length);
  return median(Array.from({ length: rounds }, (_, round) => score(ours, ours.samples[round]!) / score(theirs, theirs.samples[round]!)));
}

/**
 * What ratios compare: requests/s for small files, where a few header bytes
 * more would distort MiB/s; MiB/s from 1 MiB up, where wrk's count of whole
 * requests in a short run is too coarse.
 */
function score(cell: Cell, sample: Sample): number {
  return (cell.case.length >= MiB ? sample.bytes / MiB : sample.requests) / sample.seconds;
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}
