/**
 * Measuring one group of contenders that serve the same cases: each answer
 * is checked once, then the runs are interleaved (every contender's first
 * run, then every second run, in a rotating order) so that noise from the
 * shared machine falls on all of them alike.
 */
import { fixtureName, formatSize, MiB } from './fixtures.js';
import { wrk, type LoadResult } from './load.js';
import type { Plan } from './plan.js';
import { cpuSeconds, groupCpuSeconds } from './procStats.js';

/** One URL path every contender of a group serves, and the body length it must answer with. */
export interface Case {
  label: string;
  path: string;
  length: number;
}

export interface Contender {
  id: string;
  label: string;
  origin: string;
  /** The Node process whose CPU is counted; none for a proxy serving on its own. */
  nodePid?: number;
  /** The proxy in front of that Node process, whose process group's CPU is counted too. */
  proxyPid?: number;
  /** Measured only for cases at least this long. */
  minLength?: number;
  /** Measured only for cases shorter than this. */
  belowLength?: number;
}

export interface Sample extends LoadResult {
  /** CPU seconds the Node process spent during the run. */
  cpuSeconds: number | undefined;
  /** CPU seconds the proxy in front of it (all its processes) spent during the run. */
  proxyCpuSeconds?: number | undefined;
  /** Microseconds spent inside a subscriber's listeners, timed where they ran (a toggled server's subscribed windows). */
  listenerMicros?: number | undefined;
}

export interface Cell {
  group: string;
  contender: Contender;
  case: Case;
  samples: Sample[];
}

/** What contenders/hello.ts answers on any path: 'Hello, world!'. */
export const HELLO: Case = { label: 'hello world', path: '/', length: 13 };

/** The cell of `group` for contender `id` and a file of `length` bytes, if the run measured it. */
export function findCell(cells: Cell[], group: string, id: string, length: number): Cell | undefined {
  return cells.find((cell) => cell.group === group && cell.contender.id === id && cell.case.length === length);
}

export function fileCase(size: number): Case {
  return { label: formatSize(size), path: `/${fixtureName(size)}`, length: size };
}

export async function measureGroup(group: string, contenders: Contender[], cases: Case[], plan: Plan, progress: (line: string) => void): Promise<Cell[]> {
  const cells: Cell[] = [];
  for (const testCase of cases) {
    const active = contenders.filter((contender) => testCase.length >= (contender.minLength ?? 0) && testCase.length < (contender.belowLength ?? Infinity));
    const row = active.map((contender) => ({ group, contender, case: testCase, samples: [] as Sample[] }));
    for (const cell of row) {
      await checkAnswer(cell.contender.origin + testCase.path, testCase.length);
      if (plan.warmupSeconds > 0) await wrk(cell.contender.origin + testCase.path, { seconds: plan.warmupSeconds, connections: plan.connections });
    }
    for (let run = 0; run < plan.runs; run++) {
      for (const cell of rotate(row, run)) {
        cell.samples.push(await sample(cell.contender, testCase, plan));
        progress(`${group} · ${testCase.label} · ${cell.contender.label} · run ${run + 1}/${plan.runs}: ${describe(cell.samples.at(-1)!)}`);
      }
    }
    cells.push(...row);
  }
  return cells;
}

async function sample(contender: Contender, testCase: Case, plan: Plan): Promise<Sample> {
  const { nodePid, proxyPid } = contender;
  const before = { node: nodePid && cpuSeconds(nodePid), proxy: proxyPid && groupCpuSeconds(proxyPid) };
  const result = await wrk(contender.origin + testCase.path, { seconds: plan.seconds, connections: plan.connections, requests: plan.requestsPerRun });
  return {
    ...result,
    cpuSeconds: nodePid ? cpuSeconds(nodePid) - before.node! : undefined,
    ...(proxyPid && { proxyCpuSeconds: groupCpuSeconds(proxyPid) - before.proxy! }),
  };
}

/**
 * A misconfigured contender answering 404 fast would win every race: each
 * must first answer 200 with the whole file.
 */
async function checkAnswer(url: string, length: number): Promise<void> {
  // fetch's own message is only "fetch failed": the cause says refused, reset or closed.
  const response = await fetch(url).catch((error: Error) => {
    throw new Error(`${url} could not be fetched: ${String((error.cause as Error | undefined)?.message ?? error.message)}`, { cause: error });
  });
  const received = (await response.arrayBuffer()).byteLength;
  if (response.status !== 200 || received !== length) throw new Error(`${url} answered ${response.status} with ${received} bytes; expected 200 with ${length}.`);
}

function rotate<T>(items: T[], by: number): T[] {
  const shift = by % items.length;
  return [...items.slice(shift), ...items.slice(0, shift)];
}

function describe(sample: Sample): string {
  const perSecond = sample.requests / sample.seconds;
  return `${perSecond.toFixed(0)} req/s, ${(sample.bytes / sample.seconds / MiB).toFixed(1)} MiB/s${sample.errors ? `, ${sample.errors} errors` : ''}`;
}
