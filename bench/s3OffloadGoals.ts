/**
 * The goals of issue 14 for S3 offload (the s3offload group): Node CPU per
 * GiB offloaded at most 2 % of streamed, and at least 1.5× the throughput at
 * 100 MiB; with the cost of the presign per hand-off, reported, and the
 * floor's share (bare Koa handing off a URL presigned at start-up), reported:
 * the part of the 2 % that is Koa's and nginx's hand-off, whoever presigns;
 * and node:http's alone, without Koa: what any Node app pays.
 * Judged like goals.ts's rows: round by round, between the contenders' runs.
 */
import { formatSize, MiB } from './fixtures.js';
import { percent, spreadText, times, verdictOf, type GoalRow } from './goals.js';
import { findCell, type Cell } from './measure.js';
import type { Plan } from './plan.js';
import { pairedRatio, spreadOf, summarize } from './summary.js';

export const S3_OFFLOAD_GROUP = 's3offload';
const CPU_SHARE_GOAL = 0.02;
const THROUGHPUT_GOAL = { from: 100 * MiB, minimum: 1.5 };
const MEASURE = 'S3 offloaded behind nginx vs streamed by S3Storage';
const FLOOR_MEASURE = 'S3 offload floor (bare Koa, a hand-off presigned at start-up) vs streamed by S3Storage';
const BARE_MEASURE = 'S3 offload, node:http alone (no framework, a hand-off presigned at start-up) vs streamed by S3Storage';

/** `presign`: the median µs per presign of each round (s3Offload.ts), when measured. */
export function s3OffloadGoals(cells: Cell[], presign: number[] | undefined, plan: Plan): GoalRow[] {
  const cellOf = (id: string, length: number) => findCell(cells, S3_OFFLOAD_GROUP, id, length);
  const rows: GoalRow[] = [];
  for (const size of plan.s3OffloadSizes) {
    const [offloaded, streamed] = [cellOf('offloaded', size), cellOf('streamed', size)];
    if (!offloaded || !streamed) continue;
    for (const [id, measure] of [['bare', BARE_MEASURE], ['floor', FLOOR_MEASURE]] as const) {
      const floor = cellOf(id, size);
      const floorRow = floor && cpuShareRow(measure, floor, streamed);
      if (floorRow) rows.push(floorRow);
    }
    const offloadedRow = cpuShareRow(MEASURE, offloaded, streamed, CPU_SHARE_GOAL);
    if (offloadedRow) rows.push(offloadedRow);
    const throughput = pairedRatio(offloaded, streamed);
    const judged = size >= THROUGHPUT_GOAL.from;
    rows.push({
      measure: `${MEASURE}: throughput`,
      case: formatSize(size),
      basis: 'throughput (MiB/s)',
      figure: times(throughput.median),
      spread: spreadText(throughput, times),
      goal: judged ? `≥ ${THROUGHPUT_GOAL.minimum.toFixed(2)}×` : 'reported',
      verdict: judged ? verdictOf(throughput, THROUGHPUT_GOAL.minimum, 'atLeast') : undefined,
      throughput: '',
    });
  }
  if (presign && presign.length > 0) {
    const cost = spreadOf(presign);
    const microseconds = (value: number) => `${value.toFixed(0)} µs`;
    rows.push({
      measure: 'presign per S3 hand-off (S3Storage.signedUrl, GET, 60 s, a key not signed before)',
      case: 'any',
      basis: `wall time of one presign in Node, median of ${plan.presigns} per round`,
      figure: microseconds(cost.median),
      spread: spreadText(cost, microseconds),
      goal: 'reported',
      verdict: undefined,
      throughput: '',
    });
  }
  return rows;
}

/** `ours` against streaming on Node CPU per GiB, judged against `goal` if given; undefined without CPU figures. */
function cpuShareRow(measure: string, ours: Cell, streamed: Cell, goal?: number): GoalRow | undefined {
  const shares = cpuShares(ours, streamed);
  if (!shares) return undefined;
  const share = spreadOf(shares);
  return {
    measure: `${measure}: Node CPU per GiB`,
    case: formatSize(ours.case.length),
    basis: `Node CPU per GiB (${summarize(ours).cpuPerGiB!.toFixed(3)} vs ${summarize(streamed).cpuPerGiB!.toFixed(2)} s/GiB)`,
    figure: percent(share.median),
    spread: spreadText(share, percent),
    goal: goal === undefined ? 'reported' : `≤ ${goal * 100} %`,
    verdict: goal === undefined ? undefined : verdictOf(share, goal, 'atMost'),
    // Throughput is judged in a row of its own.
    throughput: '',
  };
}

/** Each round's Node CPU per GiB of `ours` over streamed; undefined without CPU figures. */
function cpuShares(ours: Cell, streamed: Cell): number[] | undefined {
  const count = Math.min(ours.samples.length, streamed.samples.length);
  const perByte = (cell: Cell, round: number) => {
    const sample = cell.samples[round]!;
    return sample.cpuSeconds === undefined ? undefined : sample.cpuSeconds / sample.bytes;
  };
  const shares = Array.from({ length: count }, (_, round) => {
    const [mine, theirs] = [perByte(ours, round), perByte(streamed, round)];
    return mine === undefined || theirs === undefined ? undefined : mine / theirs;
  });
  return count === 0 || shares.includes(undefined) ? undefined : (shares as number[]);
}
