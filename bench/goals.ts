/** The goals of issue 7, checked against the figures of one run. */
import { formatSize, MiB } from './fixtures.js';
import { fileCase, HELLO, type Case, type Cell } from './measure.js';
import { OFFLOAD_PROXIES } from './offloadProxies.js';
import type { Plan } from './plan.js';
import type { SlowDownloadResult } from './slowDownload.js';
import { pairedRatio, summarize, type Summary } from './summary.js';

export interface MemoryResult extends SlowDownloadResult {
  label: string;
  /** Whether the goal applies to it (the floor is shown for comparison). */
  isLibrary: boolean;
}

export interface GoalRow {
  measure: string;
  case: string;
  figure: string;
  goal: string;
  /** undefined: reported, no goal; or not measured in this run. */
  pass: boolean | undefined;
}

const RSS_LIMIT = 64 * MiB;

export function checkGoals(cells: Cell[], memory: MemoryResult[], plan: Plan): GoalRow[] {
  const cellOf = (group: string, id: string, length: number): Cell | undefined =>
    cells.find((candidate) => candidate.group === group && candidate.contender.id === id && candidate.case.length === length);
  const find = (group: string, id: string, length: number): Summary | undefined => {
    const cell = cellOf(group, id, length);
    return cell && summarize(cell);
  };
  const rows: GoalRow[] = [];
  const overhead = (measure: string, group: string, testCase: Case, maximum: number) => {
    const [ours, theirs] = [cellOf(group, 'library', testCase.length), cellOf(group, 'floor', testCase.length)];
    if (!ours || !theirs) return;
    const cost = 1 - pairedRatio(ours, theirs);
    rows.push({ measure, case: testCase.label, figure: `${(cost * 100).toFixed(1)} % overhead`, goal: `≤ ${maximum * 100} %`, pass: cost <= maximum });
  };
  const cpuShare = (measure: string, streamed: number | undefined, offloaded: number | undefined, size: number, maximum?: number) => {
    if (streamed === undefined || offloaded === undefined) return;
    const share = offloaded / streamed;
    const figure = `${(share * 100).toFixed(1)} % (${offloaded.toFixed(2)} vs ${streamed.toFixed(2)} s/GiB)`;
    rows.push({ measure, case: formatSize(size), figure, goal: maximum === undefined ? 'reported' : `≤ ${maximum * 100} %`, pass: maximum === undefined ? undefined : share <= maximum });
  };
  const ratio = (measure: string, group: string, [id, versus]: [string, string], testCase: Case, minimum?: number) => {
    const [ours, theirs] = [cellOf(group, id, testCase.length), cellOf(group, versus, testCase.length)];
    if (!ours || !theirs) return;
    const value = pairedRatio(ours, theirs);
    rows.push({ measure, case: testCase.label, figure: `${value.toFixed(3)}×`, goal: minimum === undefined ? 'reported' : `≥ ${minimum.toFixed(2)}×`, pass: minimum === undefined ? undefined : value >= minimum });
  };

  for (const size of plan.sizes) {
    ratio('streaming vs the streaming floor', 'streaming', ['library', 'floor'], fileCase(size), 0.95);
    ratio('streaming vs @koa/send', 'streaming', ['library', 'koaSend'], fileCase(size), 1);
    ratio('streaming vs @fastify/static', 'streaming', ['library', 'fastify'], fileCase(size), size >= 64 * 1024 ? 0.9 : undefined);
    ratio('streaming vs nginx static', 'streaming', ['library', 'static'], fileCase(size));
  }
  for (const proxy of OFFLOAD_PROXIES) {
    for (const size of plan.sizes) ratio(`offloaded behind ${proxy} vs the offload floor`, `offload ${proxy}`, ['library', 'floor'], fileCase(size), 0.95);
    for (const size of plan.sizes) ratio(`offloaded behind ${proxy}, no look-up (followSymlinksOutside), vs the offload floor`, `offload ${proxy}`, ['trusting', 'floor'], fileCase(size));
    for (const size of plan.sizes) ratio(`offloaded behind ${proxy} vs ${proxy} static`, `offload ${proxy}`, ['library', 'static'], fileCase(size));
    for (const size of plan.sizes) ratio(`offload floor behind ${proxy} vs ${proxy} static`, `offload ${proxy}`, ['floor', 'static'], fileCase(size));
  }
  for (const size of plan.sizes.filter((candidate) => candidate >= plan.cpuFrom)) {
    const streamed = find('streaming', 'library', size)?.cpuPerGiB;
    for (const proxy of OFFLOAD_PROXIES) {
      cpuShare(`Node CPU per GiB, offloaded behind ${proxy} vs streamed`, streamed, find(`offload ${proxy}`, 'library', size)?.cpuPerGiB, size, 0.05);
      cpuShare(`Node CPU per GiB, offload floor behind ${proxy} vs streamed`, streamed, find(`offload ${proxy}`, 'floor', size)?.cpuPerGiB, size);
    }
  }
  for (const result of memory) {
    rows.push({
      measure: `RSS growth, ${result.label}, slow client`,
      case: formatSize(plan.slowDownload.size),
      figure: `${(result.rssGrowth / MiB).toFixed(1)} MiB`,
      goal: result.isLibrary ? '< 64 MiB' : 'reported',
      pass: result.isLibrary ? result.rssGrowth < RSS_LIMIT : undefined,
    });
  }
  for (const size of plan.s3Sizes) overhead('S3Storage vs GetObject piped', 's3', fileCase(size), 0.1);
  overhead('xSendfile on a hello-world route', 'hello', HELLO, 0.03);
  ratio('hello world, xSendfile vs an empty async middleware', 'hello', ['library', 'empty'], HELLO);
  return rows;
}
