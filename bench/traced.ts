/**
 * Issue 17's overhead rows: one server (contenders/libraryTraced.ts) with the
 * OpenTelemetry example subscribed and unsubscribed in turn every 5 to 15 ms
 * while wrk loads it. Each run gives two samples, one per state: the Node
 * CPU of that state's windows, and the run's responses split between the
 * states in proportion to the bytes Node wrote to clients in each (whole
 * responses behind a proxy, bodies when Node streams). A round's figure is
 * then the CPU per request of the subscribed windows over the unsubscribed
 * ones, measured in the same seconds of the machine.
 */
import type { Tallies, Tally } from './contenders/libraryTraced.js';
import { freePort } from '../src/testing/process.js';
import { MiB } from './fixtures.js';
import { wrk, type LoadResult } from './load.js';
import type { Case, Cell, Sample } from './measure.js';
import type { NodeServer } from './nodeServer.js';
import type { Plan } from './plan.js';
import { groupCpuSeconds } from './procStats.js';

export const TRACED = {
  script: 'contenders/libraryTraced.ts',
  /**
   * The mean window. Other tenants of the machine change the CPU a request
   * costs from one 100 ms to the next; windows of 10 ms put both states in
   * each such stretch (an A/A check at 13 B read -8 % to +15 % per round with
   * 100 ms windows, -3.5 % to +1.4 % with 10 ms, on a loaded machine).
   */
  toggleMs: 10,
  /** A subscriber's cost is per download: measured on small files and 1 MiB, where it could show. */
  belowLength: 100 * MiB,
  /**
   * Unrecorded load before a server's first case, whatever the plan's
   * warm-up: the subscribed code runs half the time, and V8 compiles it in
   * the subscribed windows. After 1 s of warm-up, the first two 2 s rounds at
   * 13 B still read +42 % and +30 %, the next ones +9 to +19 %; after 6 s,
   * -9 to +12 % (median +1.4 %) on the same loaded machine.
   */
  warmupSeconds: 6,
} as const;

type State = 'subscribed' | 'unsubscribed';

/**
 * What a toggling server compares: the OpenTelemetry example against no
 * subscriber; listeners that do nothing against none (the library's own
 * messages); or (the A/A check) no subscriber against no subscriber, whose
 * rounds spread as far as the method's own noise does in that run. The ids
 * are its cells' contender ids.
 */
export const VARIANTS = {
  otel: {
    label: 'OpenTelemetry subscriber toggled every 5-15 ms',
    ids: { subscribed: 'traced', unsubscribed: 'untraced' },
    windows: { subscribed: 'subscribed', unsubscribed: 'unsubscribed' },
  },
  noop: {
    label: 'a do-nothing subscriber toggled every 5-15 ms',
    ids: { subscribed: 'noop-on', unsubscribed: 'noop-off' },
    windows: { subscribed: 'subscribed', unsubscribed: 'unsubscribed' },
  },
  none: {
    label: 'A/A, no subscriber in either state, toggled every 5-15 ms',
    ids: { subscribed: 'aa-first', unsubscribed: 'aa-second' },
    windows: { subscribed: 'first', unsubscribed: 'second' },
  },
} as const satisfies Record<string, { label: string; ids: Record<State, string>; windows: Record<State, string> }>;

/** Whether the offload group of `proxy` measures the traced server too: nginx's, except in the smoke run (kept short). */
export function tracedBehind(plan: Plan, proxy: string): boolean {
  return proxy === 'nginx' && plan.name !== 'smoke';
}

export interface ToggledServer extends NodeServer {
  /** Where the server answers its tallies. */
  control: string;
  variant: (typeof VARIANTS)[keyof typeof VARIANTS];
}

type StartNode = (name: string, script: string, env?: NodeJS.ProcessEnv) => Promise<NodeServer>;

/** Starts a toggling server; `env` as for library.ts. */
export async function startToggled(start: StartNode, name: string, subscriber: keyof typeof VARIANTS, env: NodeJS.ProcessEnv = {}): Promise<ToggledServer> {
  const controlPort = await freePort();
  const server = await start(name, TRACED.script, { BENCH_TOGGLE_MS: String(TRACED.toggleMs), ...env, BENCH_SUBSCRIBER: subscriber, BENCH_CONTROL_PORT: String(controlPort) });
  return { ...server, control: `http://127.0.0.1:${controlPort}/`, variant: VARIANTS[subscriber] };
}

export interface Target {
  /** Where wrk sends its requests: the server, or the proxy in front of it. */
  origin: string;
  server: ToggledServer;
  proxyPid?: number | undefined;
}

/** One cell per state and case, `plan.runs` samples each. */
export async function measureSubscriber(group: string, label: string, target: Target, cases: Case[], plan: Plan, progress: (line: string) => void): Promise<Cell[]> {
  const cells: Cell[] = [];
  for (const [index, testCase] of cases.filter((candidate) => candidate.length < TRACED.belowLength).entries()) {
    const url = target.origin + testCase.path;
    const warmup = index === 0 && plan.name !== 'smoke' ? TRACED.warmupSeconds : plan.warmupSeconds;
    const { variant } = target.server;
    const row = (['subscribed', 'unsubscribed'] as const).map((state) => ({
      group,
      contender: { id: variant.ids[state], label: `${label}, ${variant.label}: ${variant.windows[state]} windows`, origin: target.origin, nodePid: target.server.pid, ...(target.proxyPid && { proxyPid: target.proxyPid }) },
      case: testCase,
      samples: [] as Sample[],
    }));
    if (warmup > 0) await wrk(url, { seconds: warmup, connections: plan.connections });
    for (let run = 0; run < plan.runs; run++) {
      const before = { tallies: await talliesOf(target.server), proxy: target.proxyPid && groupCpuSeconds(target.proxyPid) };
      const result = await wrk(url, { seconds: plan.seconds, connections: plan.connections, requests: plan.requestsPerRun });
      const after = await talliesOf(target.server);
      checkAnswers(url, result, testCase.length);
      const proxyCpu = target.proxyPid ? groupCpuSeconds(target.proxyPid) - before.proxy! : undefined;
      const [subscribed, unsubscribed] = (['subscribed', 'unsubscribed'] as const).map((state) => difference(after[state], before.tallies[state]));
      const written = subscribed!.bytes + unsubscribed!.bytes;
      row[0]!.samples.push(stateSample(result, subscribed!, subscribed!.bytes / written, proxyCpu));
      row[1]!.samples.push(stateSample(result, unsubscribed!, unsubscribed!.bytes / written, proxyCpu));
      const [on, off] = row.map((cell) => cell.samples.at(-1)!);
      progress(`${group} · ${testCase.label} · ${variant.label} · run ${run + 1}/${plan.runs}: ${perRequest(on!)} µs ${variant.windows.subscribed}, ${perRequest(off!)} µs ${variant.windows.unsubscribed} (Node CPU per request)`);
    }
    cells.push(...row);
  }
  return cells;
}

async function talliesOf(server: ToggledServer): Promise<Tallies> {
  return (await (await fetch(server.control)).json()) as Tallies;
}

/**
 * A misconfigured server answering 404 fast would seem cheap: every answer
 * of the run must be a 2xx or 3xx (wrk counts the others as errors) with the whole file.
 */
function checkAnswers(url: string, result: LoadResult, length: number): void {
  if (result.errors > 0 || result.requests === 0 || result.bytes < result.requests * length) {
    throw new Error(`${url}: ${result.requests} answers, ${result.bytes} bytes, ${result.errors} errors; expected whole files of ${length} bytes and no error.`);
  }
}

function difference(later: Tally, earlier: Tally): Tally {
  return {
    cpuMicros: later.cpuMicros - earlier.cpuMicros,
    bytes: later.bytes - earlier.bytes,
    micros: later.micros - earlier.micros,
    listenerMicros: later.listenerMicros - earlier.listenerMicros,
  };
}

/**
 * One state's part of a run: `share` of its responses and bytes (and of the
 * proxy's CPU, whose work per response the subscriber does not change), its own
 * Node CPU and seconds. The run's errors belong to both states.
 */
function stateSample(result: LoadResult, tally: Tally, share: number, proxyCpu: number | undefined): Sample {
  return {
    requests: result.requests * share,
    bytes: result.bytes * share,
    seconds: tally.micros / 1e6,
    errors: result.errors,
    cpuSeconds: tally.cpuMicros / 1e6,
    ...(proxyCpu !== undefined && { proxyCpuSeconds: proxyCpu * share }),
    ...(tally.listenerMicros > 0 && { listenerMicros: tally.listenerMicros }),
  };
}

function perRequest(sample: Sample): string {
  return ((sample.cpuSeconds! / sample.requests) * 1e6).toFixed(1);
}
