/** The figures of one cell (medians over its runs), and comparisons of two cells round by round. */
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
  /** Node and the proxy in front of it, in CPU microseconds per request; undefined without a proxy. */
  serverCpuPerRequest: number | undefined;
  /** Over all runs. */
  errors: number;
}

/** The median of the ratios of each round, with their lowest and highest: how far one round may stray. */
export interface Spread {
  median: number;
  min: number;
  max: number;
}

export function summarize(cell: Cell): Summary {
  const requestsPerSecond = median(cell.samples.map((sample) => sample.requests / sample.seconds));
  const mibPerSecond = median(cell.samples.map((sample) => sample.bytes / sample.seconds / MiB));
  const per = (cpu: (sample: Sample) => number | undefined, unit: (sample: Sample) => number) => {
    const values = cell.samples.map((sample) => {
      const seconds = cpu(sample);
      return seconds === undefined ? undefined : seconds / unit(sample);
    });
    return values.length === 0 || values.includes(undefined) ? undefined : median(values as number[]);
  };
  return {
    requestsPerSecond,
    mibPerSecond,
    cpuPerGiB: per((sample) => sample.cpuSeconds, (sample) => sample.bytes / GiB),
    cpuPerRequest: per((sample) => sample.cpuSeconds, (sample) => requestsOf(cell, sample) / 1e6),
    serverCpuPerRequest: per((sample) => (sample.proxyCpuSeconds === undefined ? undefined : serverCpu(sample)), (sample) => requestsOf(cell, sample) / 1e6),
    errors: cell.samples.reduce((total, sample) => total + sample.errors, 0),
  };
}

/**
 * `ours` against `theirs` in throughput: the ratios of each round, since
 * every contender runs once per round, back to back (measure.ts). The
 * machine's slow swings (other processes on its 2 cores) then fall on both
 * sides of each ratio, where a ratio of two medians would take them in.
 */
export function pairedRatio(ours: Cell, theirs: Cell): Spread {
  return spreadOf(throughputRatios(ours, theirs));
}

/** The rounds' ratios of pairedRatio. */
export function throughputRatios(ours: Cell, theirs: Cell): number[] {
  return rounds(ours, theirs).map(([mine, other]) => score(ours, mine) / score(theirs, other));
}

/**
 * How many times cheaper `ours` serves a request than `theirs`, round by
 * round: their server CPU per request over ours (Node's, plus the proxy's
 * when one is in front). CPU time hardly moves when other processes take the
 * cores; requests per second do. Undefined when either side has no Node process.
 */
export function costRatios(ours: Cell, theirs: Cell): number[] | undefined {
  const pairs = rounds(ours, theirs);
  if (pairs.length === 0 || pairs.some(([mine, other]) => mine.cpuSeconds === undefined || other.cpuSeconds === undefined)) return undefined;
  return pairs.map(([mine, other]) => costPerRequest(theirs, other) / costPerRequest(ours, mine));
}

/**
 * Server CPU seconds per request of one run. From 1 MiB up, per byte times
 * the file's length: a short run ends with several large responses half
 * sent, which wrk does not count as requests but whose bytes it does.
 */
export function costPerRequest(cell: Cell, sample: Sample): number {
  return serverCpu(sample) / requestsOf(cell, sample);
}

/** Requests served in a run: whole ones below 1 MiB, bytes over the file's length from 1 MiB up. */
function requestsOf(cell: Cell, sample: Sample): number {
  return cell.case.length >= MiB ? sample.bytes / cell.case.length : sample.requests;
}

function serverCpu(sample: Sample): number {
  return (sample.cpuSeconds ?? NaN) + (sample.proxyCpuSeconds ?? 0);
}

function rounds(ours: Cell, theirs: Cell): [Sample, Sample][] {
  const count = Math.min(ours.samples.length, theirs.samples.length);
  return Array.from({ length: count }, (_, round) => [ours.samples[round]!, theirs.samples[round]!]);
}

/**
 * What throughput ratios compare: requests/s for small files, where a few
 * header bytes more would distort MiB/s; MiB/s from 1 MiB up, where wrk's
 * count of whole requests in a short run is too coarse.
 */
function score(cell: Cell, sample: Sample): number {
  return (cell.case.length >= MiB ? sample.bytes / MiB : sample.requests) / sample.seconds;
}

export function spreadOf(values: number[]): Spread {
  return { median: median(values), min: Math.min(...values), max: Math.max(...values) };
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}
