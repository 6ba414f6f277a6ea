/** The markdown report: goals first, then every figure they come from. */
import { formatSize, MiB } from './fixtures.js';
import type { GoalRow, MemoryResult, Verdict } from './goals.js';
import type { Cell } from './measure.js';
import type { Plan } from './plan.js';
import { summarize } from './summary.js';

export interface ReportInput {
  machine: string[];
  plan: Plan;
  goals: GoalRow[];
  cells: Cell[];
  memory: MemoryResult[];
  /** Hand-written analysis (bench/findings.md), kept across runs. */
  findings: string;
}

/** Where the hand-written analysis starts: `--refresh-findings` replaces what follows. */
export const FINDINGS_HEADING = '\n## Findings\n\n';

const VERDICTS: Record<Verdict | 'none', string> = { pass: 'pass', miss: '**miss**', 'within noise': 'within noise', none: '—' };

function count(goals: GoalRow[], verdict: Verdict | undefined): number {
  return goals.filter((row) => row.verdict === verdict).length;
}

export function renderReport({ machine, plan, goals, cells, memory, findings }: ReportInput): string {
  const lines = [
    '# koa-downloadview benchmarks',
    '',
    `Written by \`npm run bench${plan.name === 'full' ? '' : ` -- --${plan.name}`}\`. Do not edit: bench/findings.md holds the analysis.`,
    '',
    '## Machine',
    '',
    ...machine,
    '',
    '## Method',
    '',
    `- Load: wrk, 1 thread, ${plan.connections} keep-alive connections, ${plan.runs} round(s) of ${plan.seconds} s runs, one run per contender and file in each round, back to back; figures are medians.${plan.warmupSeconds ? ` A ${plan.warmupSeconds} s unrecorded warm-up precedes each contender's runs.` : ''}`,
    '- The machine has 2 cores: one wrk thread, and a server under test that uses one core (Node) or one worker (nginx). More connections would only queue.',
    '- Every server runs in its own process on 127.0.0.1; idle ones wait while another is measured. Each answer is checked (200, whole file) before it is timed.',
    '- Goals are judged on CPU per request (the throughput table\'s CPU per request is counted the same way), which other tenants of the machine hardly move (requests/s swing by ±20 % from one run to the next): Node\'s, plus the proxy\'s processes when one is in front (offload). CPU comes from /proc/<pid>/task/*/schedstat (every thread, in nanoseconds); from 1 MiB up it is counted per byte received times the file\'s length, since a short run ends with large responses half sent. The throughput ratio (requests/s below 1 MiB, MiB/s from 1 MiB up) is shown beside it.',
    '- Every ratio is taken round by round, between runs made back to back, and the figure is the median of the rounds; the spread is the lowest and the highest round. Verdict: pass when every round meets the goal, miss when none does, within noise when the rounds straddle it. The A/A rows measure a second server of the library\'s very code (behind a proxy of its own when offloaded) in the same rounds: their spread is how far two servers of one code differ in that run.',
    `- Memory: one ${formatSize(plan.slowDownload.size)} download read by \`curl --limit-rate ${plan.slowDownload.bytesPerSecond / MiB}M\`, and ${plan.slowDownloads.count} downloads of ${formatSize(plan.slowDownloads.size)} at once, each read at ${plan.slowDownloads.bytesPerSecond / 1024} KiB/s (bench/slowClients.ts); RSS of the Node process sampled every 50 ms, peak minus the value just before.`,
    '- Proxies run with their default settings and the configuration proxyConfig prints (offload) or a bare static site (static).',
    '- Events (issue 17), rows "… toggled in one server": one server (bench/contenders/libraryTraced.ts) subscribes the OpenTelemetry example (bench/tracing.ts; spans batched by 512 to an exporter that drops them) and unsubscribes it in turn, in windows of 5 to 15 ms drawn at random, while wrk loads it (after 6 s of unrecorded load before its first file, since V8 compiles the subscribed code in the subscribed windows): two servers measured one after the other differ by more than 3 % from run to run on this machine, the two states of one server share its seconds. It counts its Node CPU (process.cpuUsage, every thread) and the bytes it writes to clients apart for each state; a run\'s responses, and the proxy\'s CPU (offload: the subscriber does not change the proxy\'s work), are split between the states by those bytes. A round\'s figure is the subscribed windows\' CPU per request over the unsubscribed ones\', less one. Counted in the subscribed windows: the listeners, the library\'s messages, a full batch handed to the exporter; in either state: the exporter\'s callback, the 5 s timer\'s partial batch, the garbage collection of spans (in proportion to what each state allocates, on average). The example\'s listeners are also timed where they run (a listener of ours reads the clock before and after them on each channel), and that time per subscribed download is reported beside the unsubscribed CPU per request. A second server toggles listeners that do nothing: the library\'s own messages, and the switching of its channels. The A/A row toggles a server that subscribes nothing in either state: its spread is the method\'s noise in that run. Zip (issue 16, bench/zip.ts): the one file streamed against zipDownload holds the archive\'s very bytes, so that CPU per request is CPU per byte; the memory measure reads a zip of generated files with curl --limit-rate; the check downloads a zip of generated files and runs 7z t and unzip -t on it.',
    '',
    '## Goals',
    '',
    '| measure | file | judged on | figure | spread of the rounds | goal | verdict | throughput ratio (spread) |',
    '| --- | --- | --- | ---: | --- | --- | --- | --- |',
    ...goals.map((row) => `| ${row.measure} | ${row.case} | ${row.basis} | ${row.figure} | ${row.spread} | ${row.goal} | ${VERDICTS[row.verdict ?? 'none']} | ${row.throughput} |`),
    '',
    `${count(goals, 'pass')} pass, ${count(goals, 'miss')} miss, ${count(goals, 'within noise')} within noise, ${count(goals, undefined)} reported without a goal.`,
    '',
    '## Throughput',
    '',
    '| group | contender | file | requests/s | MiB/s | Node CPU s/GiB | Node CPU µs/request | Node + proxy CPU µs/request | errors |',
    '| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...cells.map((cell) => {
      const summary = summarize(cell);
      const [perGiB, perRequest, serverPerRequest] = [summary.cpuPerGiB?.toFixed(2) ?? '—', summary.cpuPerRequest?.toFixed(1) ?? '—', summary.serverCpuPerRequest?.toFixed(1) ?? '—'];
      return `| ${cell.group} | ${cell.contender.label} | ${cell.case.label} | ${summary.requestsPerSecond.toFixed(0)} | ${summary.mibPerSecond.toFixed(1)} | ${perGiB} | ${perRequest} | ${serverPerRequest} | ${summary.errors} |`;
    }),
    '',
    '## Memory',
    '',
    '| server | downloads | received | seconds | RSS growth |',
    '| --- | --- | ---: | ---: | ---: |',
    ...memory.map((result) => `| ${result.label} | ${result.load} | ${(result.bytes / MiB).toFixed(0)} MiB | ${result.seconds.toFixed(1)} | ${(result.rssGrowth / MiB).toFixed(1)} MiB |`),
  ];
  return `${lines.join('\n')}\n${FINDINGS_HEADING}${findings.trim()}\n`;
}
