/**
 * The goals of issue 14 for S3 offload (the s3offload group): Node CPU per
 * GiB offloaded at most 2 % of streamed, and at least 1.5× the throughput at
 * 100 MiB; with the cost of the presign per hand-off, reported. Judged like
 * goals.ts's rows: round by round, between the two contenders' back-to-back runs.
 */
import { formatSize, MiB } from './fixtures.js';
import { percent, spreadText, times, verdictOf, type GoalRow } from './goals.js';
import type { Cell } from './measure.js';
import type { Plan } from './plan.js';
import { pairedRatio, spreadOf, summarize } from './summary.js';

export const S3_OFFLOAD_GROUP = 's3offload';
const CPU_SHARE_GOAL = 0.02;
const THROUGHPUT_GOAL = { from: 100 * MiB, minimum: 1.5 };
const MEASURE = 'S3 offloaded behind nginx vs streamed by S3Storage';

/** `presign`: the median µs per presign of each round (s3Offload.ts), when measured. */
export function s3OffloadGoals(cells: Cell[], presign: number[] | undefined, plan: Plan): GoalRow[] {
  const cellOf = (id: string, length: number) => cells.find((cell) => cell.group === S3_OFFLOAD_GROUP && cell.contender.id === id && cell.case.length === length);
  const rows: GoalRow[] = [];
  for (const size of plan.s3OffloadSizes) {
    const [offloaded, streamed] = [cellOf('offloaded', size), cellOf('streamed', size)];
    if (!offloaded || !streamed) continue;
    const shares = cpuShares(offloaded, streamed);
    const throughput = pairedRatio(offloaded, streamed);
    if (shares) {
      const share = spreadOf(shares);
      rows.push({
        measure: `${MEASURE}: Node CPU per GiB`,
        case: formatSize(size),
        basis: `Node CPU per GiB (${summarize(offloaded).cpuPerGiB!.toFixed(3)} vs ${summarize(streamed).cpuPerGiB!.toFixed(2)} s/GiB)`,
        figure: percent(share.median),
        spread: spreadText(share, percent),
        goal: `≤ ${CPU_SHARE_GOAL * 100} %`,
        verdict: verdictOf(share, CPU_SHARE_GOAL, 'atMost'),
        // Judged in a row of its own.
        throughput: '',
      });
    }
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
      measure: 'presign per S3 hand-off (S3Storage.signedUrl, GET, 60 s)',
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

/** Each round's Node CPU per GiB offloaded over streamed; undefined without CPU figures. */
function cpuShares(offloaded: Cell, streamed: Cell): number[] | undefined {
  const count = Math.min(offloaded.samples.length, streamed.samples.length);
  const perByte = (cell: Cell, round: number) => {
    const sample = cell.samples[round]!;
    return sample.cpuSeconds === undefined ? undefined : sample.cpuSeconds / sample.bytes;
  };
  const shares = Array.from({ length: count }, (_, round) => {
    const [ours, theirs] = [perByte(offloaded, round), perByte(streamed, round)];
    return ours === undefined || theirs === undefined ? undefined : ours / theirs;
  });
  return count === 0 || shares.includes(undefined) ? undefined : (shares as number[]);
}
