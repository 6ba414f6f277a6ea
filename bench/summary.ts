/** The figures of one cell: medians over its runs. */
import { GiB, MiB } from './fixtures.js';
import type { Cell } from './measure.js';

export interface Summary {
  requestsPerSecond: number;
  mibPerSecond: number;
  /** Node CPU seconds per GiB received by the client; undefined without a Node process. */
  cpuPerGiB: number | undefined;
  /** Over all runs. */
  errors: number;
  /**
   * What ratios compare: requests per second for small files, where a few
   * header bytes more would distort MiB/s; MiB/s from 1 MiB up, where wrk's
   * count of whole requests in a short run is too coarse.
   */
  score: number;
}

export function summarize(cell: Cell): Summary {
  const requestsPerSecond = median(cell.samples.map((sample) => sample.requests / sample.seconds));
  const mibPerSecond = median(cell.samples.map((sample) => sample.bytes / sample.seconds / MiB));
  const cpu = cell.samples.map((sample) => (sample.cpuSeconds === undefined ? undefined : sample.cpuSeconds / (sample.bytes / GiB)));
  return {
    requestsPerSecond,
    mibPerSecond,
    cpuPerGiB: cpu.includes(undefined) ? undefined : median(cpu as number[]),
    errors: cell.samples.reduce((total, sample) => total + sample.errors, 0),
    score: cell.case.length >= MiB ? mibPerSecond : requestsPerSecond,
  };
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}
