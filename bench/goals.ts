/**
 * The goals (issues 7 and 18), checked against the figures of one run.
 * Every comparison of two servers with a Node process is judged on server
 * CPU per request, round by round (summary.ts), and shows its throughput
 * ratio beside it; a verdict weighs the spread of the rounds, not only their median.
 */
import { formatSize, MiB } from './fixtures.js';
import { fileCase, findCell, HELLO, type Case, type Cell } from './measure.js';
import { OFFLOAD_PROXIES } from './offloadProxies.js';
import type { Plan } from './plan.js';
import type { SlowDownloadResult } from './slowDownload.js';
import { VARIANTS } from './traced.js';
import { costRatios, pairedRatio, spreadOf, summarize, throughputRatios, type Spread } from './summary.js';

export interface MemoryResult extends SlowDownloadResult {
  label: string;
  /** What was downloaded: `1 GiB`, `1000 × 10 MiB`. */
  load: string;
  /** The goal, in bytes of RSS growth; undefined for a row shown for comparison (the floor). */
  limit: number | undefined;
}

/**
 * pass: every round met the goal; miss: none did; within noise: the rounds
 * straddle the goal, so that this run cannot tell.
 */
export type Verdict = 'pass' | 'miss' | 'within noise';

export interface GoalRow {
  measure: string;
  case: string;
  /** What the figure measures: the verdict is judged on it. */
  basis: string;
  /** The median of the rounds. */
  figure: string;
  /** The lowest and highest round, or '' for a single measure. */
  spread: string;
  goal: string;
  /** undefined: reported, no goal. */
  verdict: Verdict | undefined;
  /** The throughput ratio (median and spread), beside a verdict judged on CPU; else ''. */
  throughput: string;
}

/** Streaming against the bare Koa handler: big files must beat its 64 KiB reads (issue 18). */
export function streamingFloorGoal(size: number): number {
  if (size >= 100 * MiB) return 1.5;
  if (size >= MiB) return 1.2;
  return 0.95;
}

export const MEMORY_LIMITS = { single: 64 * MiB, concurrent: 256 * MiB };

/**
 * The contender id of a second server running the library's very code, in
 * the streaming and offload groups: its rounds against the library show
 * how far two servers of one code differ in this run, the noise every
 * "vs the floor" row carries.
 */
export const TWIN = 'twin';

const NODE_CPU = 'Node CPU per request';
const SERVER_CPU = 'server CPU per request (Node + proxy)';

/** `spread` against a goal that the figure must reach (`atLeast`) or stay under. */
export function verdictOf(spread: Spread, goal: number, direction: 'atLeast' | 'atMost'): Verdict {
  const [worst, best] = direction === 'atLeast' ? [spread.min, spread.max] : [spread.max, spread.min];
  const meets = (value: number) => (direction === 'atLeast' ? value >= goal : value <= goal);
  if (meets(worst)) return 'pass';
  return meets(best) ? 'within noise' : 'miss';
}

export function checkGoals(cells: Cell[], memory: MemoryResult[], plan: Plan): GoalRow[] {
  const cellOf = (group: string, id: string, length: number): Cell | undefined => findCell(cells, group, id, length);
  const rows: GoalRow[] = [];

  const ratio = (measure: string, group: string, [id, versus]: [string, string], testCase: Case, minimum?: number, basis?: string) => {
    const [ours, theirs] = [cellOf(group, id, testCase.length), cellOf(group, versus, testCase.length)];
    if (!ours || !theirs) return;
    const throughput = pairedRatio(ours, theirs);
    const costs = costRatios(ours, theirs);
    const judged = costs ? spreadOf(costs) : throughput;
    rows.push({
      measure,
      case: testCase.label,
      basis: costs ? (basis ?? (ours.contender.proxyPid ? SERVER_CPU : NODE_CPU)) : 'throughput',
      figure: times(judged.median),
      spread: spreadText(judged, times),
      goal: minimum === undefined ? 'reported' : `≥ ${minimum.toFixed(2)}×`,
      verdict: minimum === undefined ? undefined : verdictOf(judged, minimum, 'atLeast'),
      throughput: costs ? withSpread(throughput, times) : '',
    });
  };
  const overhead = (measure: string, group: string, testCase: Case, maximum: number | undefined, [id, versus] = ['library', 'floor']) => {
    const [ours, theirs] = [cellOf(group, id, testCase.length), cellOf(group, versus, testCase.length)];
    const costs = ours && theirs && costRatios(ours, theirs);
    if (!ours || !theirs || !costs) return;
    // A round's overhead: our CPU per request over theirs, less one.
    const cost = spreadOf(costs.map((ratio) => 1 / ratio - 1));
    const throughput = spreadOf(throughputRatios(ours, theirs).map((ratio) => 1 - ratio));
    rows.push({
      measure,
      case: testCase.label,
      basis: ours.contender.proxyPid ? SERVER_CPU : NODE_CPU,
      figure: percent(cost.median),
      spread: spreadText(cost, percent),
      goal: maximum === undefined ? 'reported' : `≤ ${maximum * 100} %`,
      verdict: maximum === undefined ? undefined : verdictOf(cost, maximum, 'atMost'),
      throughput: withSpread(throughput, percent),
    });
  };
  const cpuShare = (measure: string, streamed: Cell | undefined, offloaded: Cell | undefined, size: number, maximum?: number) => {
    const [streamedPerGiB, offloadedPerGiB] = [streamed && perGiB(streamed), offloaded && perGiB(offloaded)];
    if (!streamed || !offloaded || !streamedPerGiB || !offloadedPerGiB) return;
    const [ofStreamed, ofOffloaded] = [summarize(streamed).cpuPerGiB!, summarize(offloaded).cpuPerGiB!];
    // Two groups, not rounds of one: the spread takes the extremes of each.
    const share = { median: ofOffloaded / ofStreamed, min: Math.min(...offloadedPerGiB) / Math.max(...streamedPerGiB), max: Math.max(...offloadedPerGiB) / Math.min(...streamedPerGiB) };
    rows.push({
      measure,
      case: formatSize(size),
      basis: `Node CPU per GiB (${ofOffloaded.toFixed(2)} vs ${ofStreamed.toFixed(2)} s/GiB)`,
      figure: percent(share.median),
      spread: spreadText(share, percent),
      goal: maximum === undefined ? 'reported' : `≤ ${maximum * 100} %`,
      verdict: maximum === undefined ? undefined : verdictOf(share, maximum, 'atMost'),
      throughput: '',
    });
  };

  for (const size of plan.sizes) {
    ratio('streaming vs the streaming floor', 'streaming', ['library', 'floor'], fileCase(size), streamingFloorGoal(size));
    ratio('streaming vs @koa/send', 'streaming', ['library', 'koaSend'], fileCase(size), 1);
    ratio('streaming vs @fastify/static', 'streaming', ['library', 'fastify'], fileCase(size), size >= 64 * 1024 ? 0.9 : undefined);
    ratio('streaming vs nginx static', 'streaming', ['library', 'static'], fileCase(size));
    ratio('streaming, A/A check: the library vs a second process of itself', 'streaming', ['library', TWIN], fileCase(size));
  }
  for (const proxy of OFFLOAD_PROXIES) {
    for (const size of plan.sizes) ratio(`offloaded behind ${proxy} vs the offload floor`, `offload ${proxy}`, ['library', 'floor'], fileCase(size), 0.95);
    for (const size of plan.sizes) ratio(`offloaded behind ${proxy}, A/A check: the library vs a second pair of processes of itself`, `offload ${proxy}`, ['library', TWIN], fileCase(size));
    for (const size of plan.sizes) ratio(`offloaded behind ${proxy}, no look-up (followSymlinksOutside), vs the offload floor`, `offload ${proxy}`, ['trusting', 'floor'], fileCase(size));
    for (const size of plan.sizes) ratio(`offloaded behind ${proxy} vs ${proxy} static`, `offload ${proxy}`, ['library', 'static'], fileCase(size));
    for (const size of plan.sizes) ratio(`offload floor behind ${proxy} vs ${proxy} static`, `offload ${proxy}`, ['floor', 'static'], fileCase(size));
  }
  for (const size of plan.sizes.filter((candidate) => candidate >= plan.cpuFrom)) {
    const streamed = cellOf('streaming', 'library', size);
    for (const proxy of OFFLOAD_PROXIES) {
      cpuShare(`Node CPU per GiB, offloaded behind ${proxy} vs streamed`, streamed, cellOf(`offload ${proxy}`, 'library', size), size, 0.05);
      cpuShare(`Node CPU per GiB, offload floor behind ${proxy} vs streamed`, streamed, cellOf(`offload ${proxy}`, 'floor', size), size);
    }
  }
  for (const result of memory) {
    rows.push({
      measure: `RSS growth, ${result.label}, slow clients`,
      case: result.load,
      basis: 'peak RSS minus RSS before',
      figure: `${(result.rssGrowth / MiB).toFixed(1)} MiB`,
      spread: '',
      goal: result.limit === undefined ? 'reported' : `< ${result.limit / MiB} MiB`,
      verdict: result.limit === undefined ? undefined : result.rssGrowth < result.limit ? 'pass' : 'miss',
      throughput: '',
    });
  }
  for (const size of plan.s3Sizes) overhead('S3Storage vs GetObject piped', 's3', fileCase(size), 0.1);
  // Issue 17: one server's windows with and without the OpenTelemetry example subscribed (bench/traced.ts).
  for (const group of ['streaming', ...OFFLOAD_PROXIES.map((proxy) => `offload ${proxy}`)]) {
    for (const size of plan.sizes) overhead(`${group}, an OpenTelemetry subscriber vs none, toggled in one server`, group, fileCase(size), 0.03, [VARIANTS.otel.ids.subscribed, VARIANTS.otel.ids.unsubscribed]);
  }
  // The library's own part: its messages, built for listeners that do nothing.
  for (const size of plan.sizes) overhead("streaming, a do-nothing subscriber (the library's messages alone) vs none, toggled in one server", 'streaming', fileCase(size), undefined, [VARIANTS.noop.ids.subscribed, VARIANTS.noop.ids.unsubscribed]);
  // Its A/A check: the spread of these rounds is the method's own noise in this run.
  for (const size of plan.sizes) overhead('streaming, A/A check of the toggling: no subscriber vs none, toggled in one server', 'streaming', fileCase(size), undefined, [VARIANTS.none.ids.subscribed, VARIANTS.none.ids.unsubscribed]);
  // Issue 16: the contenders serve the same bytes (bench/zip.ts), so that CPU per request is CPU per byte.
  for (const zip of cells.filter((cell) => cell.group === 'zip' && cell.contender.id === 'zip')) {
    ratio('zipDownload of 10 files vs the same bytes streamed as one file', 'zip', ['zip', 'file'], zip.case, 0.9, 'Node CPU per byte');
  }
  overhead('xSendfile on a hello-world route', 'hello', HELLO, 0.03);
  ratio('hello world, xSendfile vs an empty async middleware', 'hello', ['library', 'empty'], HELLO);
  return rows;
}

function perGiB(cell: Cell): number[] | undefined {
  const values = cell.samples.map((sample) => (sample.cpuSeconds === undefined ? undefined : sample.cpuSeconds / (sample.bytes / 1024 ** 3)));
  return values.length === 0 || values.includes(undefined) ? undefined : (values as number[]);
}

export function times(value: number): string {
  return `${value.toFixed(3)}×`;
}

export function percent(value: number): string {
  return `${(value * 100).toFixed(1)} %`;
}

/** The median, then the spread in parentheses when there is one. */
function withSpread(spread: Spread, format: (value: number) => string): string {
  const range = spreadText(spread, format);
  return range ? `${format(spread.median)} (${range})` : format(spread.median);
}

export function spreadText(spread: Spread, format: (value: number) => string): string {
  return spread.min === spread.max ? '' : `${format(spread.min)} – ${format(spread.max)}`;
}
