/** The markdown report: goals first, then every figure they come from. */
import { formatSize, MiB } from './fixtures.js';
import type { GoalRow, MemoryResult } from './goals.js';
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
    `- Load: wrk, 1 thread, ${plan.connections} keep-alive connections, ${plan.runs} run(s) of ${plan.seconds} s per contender and file, runs interleaved across contenders; figures are medians.${plan.warmupSeconds ? ` A ${plan.warmupSeconds} s unrecorded warm-up precedes each contender's runs.` : ''}`,
    '- The machine has 2 cores: one wrk thread, and a server under test that uses one core (Node) or one worker (nginx). More connections would only queue.',
    '- Every server runs in its own process on 127.0.0.1; idle ones wait while another is measured. Each answer is checked (200, whole file) before it is timed.',
    '- Ratios compare requests/s below 1 MiB and MiB/s from 1 MiB up, round by round: each figure is the median of the ratios of the runs made back to back, so that the shared machine\'s slow swings fall on both sides of each ratio. Node CPU comes from /proc/<pid>/stat (all threads), per GiB received by wrk (headers included) and per request.',
    `- Memory: one ${formatSize(plan.slowDownload.size)} download read by \`curl --limit-rate ${plan.slowDownload.bytesPerSecond / MiB}M\`; RSS of the Node process sampled every 50 ms, peak minus the value just before.`,
    '- Proxies run with their default settings and the configuration proxyConfig prints (offload) or a bare static site (static).',
    '',
    '## Goals',
    '',
    '| measure | file | figure | goal | verdict |',
    '| --- | --- | --- | --- | --- |',
    ...goals.map((row) => `| ${row.measure} | ${row.case} | ${row.figure} | ${row.goal} | ${row.pass === undefined ? '—' : row.pass ? 'pass' : '**miss**'} |`),
    '',
    `${goals.filter((row) => row.pass === true).length} pass, ${goals.filter((row) => row.pass === false).length} miss, ${goals.filter((row) => row.pass === undefined).length} reported without a goal.`,
    '',
    '## Throughput',
    '',
    '| group | contender | file | requests/s | MiB/s | Node CPU s/GiB | Node CPU µs/request | errors |',
    '| --- | --- | --- | ---: | ---: | ---: | ---: | ---: |',
    ...cells.map((cell) => {
      const summary = summarize(cell);
      const [perGiB, perRequest] = [summary.cpuPerGiB?.toFixed(2) ?? '—', summary.cpuPerRequest?.toFixed(1) ?? '—'];
      return `| ${cell.group} | ${cell.contender.label} | ${cell.case.label} | ${summary.requestsPerSecond.toFixed(0)} | ${summary.mibPerSecond.toFixed(1)} | ${perGiB} | ${perRequest} | ${summary.errors} |`;
    }),
    '',
    '## Memory',
    '',
    '| server | received | seconds | RSS growth |',
    '| --- | ---: | ---: | ---: |',
    ...memory.map((result) => `| ${result.label} | ${(result.bytes / MiB).toFixed(0)} MiB | ${result.seconds.toFixed(1)} | ${(result.rssGrowth / MiB).toFixed(1)} MiB |`),
    '',
    '## Findings',
    '',
    findings.trim(),
    '',
  ];
  return lines.join('\n');
}
