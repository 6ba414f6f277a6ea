/**
 * Issue 17: what the OpenTelemetry example (bench/tracing.ts) costs by
 * itself, with no download around it, beside what a download costs the
 * server in the toggled rows (bench/traced.ts). Where one span is more than
 * 3 % of a download's CPU, the "≤ 3 % with an OpenTelemetry subscriber" goal
 * is out of reach whatever the library does; these rows say at which sizes.
 */
import type { Context } from 'koa';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { downloadChannels, type DownloadMessage } from '../src/index.js';
import { DroppingExporter } from './droppingExporter.js';
import { formatSize } from './fixtures.js';
import { percent, spreadText, type GoalRow } from './goals.js';
import { findCell, type Cell, type Sample } from './measure.js';
import type { Plan } from './plan.js';
import { spreadOf } from './summary.js';
import { traceDownloads } from './tracing.js';
import { VARIANTS } from './traced.js';

/** Spans per round: some 0.1 s of CPU, rounds as many as the plan's. */
const SPANS = 20_000;
/** The batch processor exports from a promise: the loop lets it run this often, as a server's event loop would. */
const YIELD_EVERY = 256;

/**
 * Microseconds of this process's CPU per span, one figure per round of
 * `count`, after as many unrecorded ones (V8 compiles the path): the example
 * subscribed, spans batched by 512 to an exporter that drops them, each
 * span opened by a start message and closed by a finish message as the
 * library publishes them, for a context whose path the router has read.
 */
export async function spanCost(rounds: number, count: number): Promise<number[]> {
  const provider = new BasicTracerProvider({ spanProcessors: [new BatchSpanProcessor(new DroppingExporter())] });
  const stop = traceDownloads(provider.getTracer('koa-downloadview-bench'));
  const file = { name: 'file-13', kind: 'FileSystemStorage', etag: '"d-19a"' };
  const span = () => {
    const ctx = { method: 'GET', path: '/file-13' } as Context;
    const ranges = { asked: undefined, sent: undefined };
    const startTime = Date.now();
    downloadChannels.start.publish({ ctx, file, options: {}, status: 200, ranges, size: 13, bytes: 0, offload: undefined, startTime, duration: undefined } satisfies DownloadMessage);
    downloadChannels.finish.publish({ ctx, file, options: {}, status: 200, ranges, size: 13, bytes: 13, offload: undefined, startTime, duration: 0.1 } satisfies DownloadMessage);
  };
  const loop = async () => {
    for (let done = 0; done < count; done++) {
      span();
      if (done % YIELD_EVERY === 0) await new Promise<void>((resolve) => setImmediate(resolve));
    }
  };
  try {
    await loop();
    const figures: number[] = [];
    for (let round = 0; round < rounds; round++) {
      const before = process.cpuUsage();
      await loop();
      const { user, system } = process.cpuUsage(before);
      figures.push((user + system) / count);
    }
    return figures;
  } finally {
    stop();
    await provider.shutdown();
  }
}

/**
 * The span's cost (reported), then its share of the server CPU per request
 * of each toggled row's unsubscribed windows, for every group and size the
 * run measured with the example toggled. Measured only then, after the
 * servers have stopped: some 0.1 s per round.
 */
export async function spanCostRows(cells: Cell[], plan: Plan, progress: (line: string) => void): Promise<GoalRow[]> {
  const unsubscribed = cells.filter((cell) => cell.contender.id === VARIANTS.otel.ids.unsubscribed);
  if (unsubscribed.length === 0) return [];
  progress(`OpenTelemetry example's span alone: ${plan.runs} × ${SPANS}…`);
  const span = spreadOf(await spanCost(plan.runs, SPANS));
  const microseconds = (value: number) => `${value.toFixed(2)} µs`;
  const rows: GoalRow[] = [
    {
      measure: "the OpenTelemetry example's span alone (no download)",
      case: 'any',
      basis: `Node CPU per span (a start and a finish message, batched by 512 to a dropping exporter), ${SPANS.toLocaleString('en')} per round`,
      figure: microseconds(span.median),
      spread: spreadText(span, microseconds),
      goal: 'reported',
      verdict: undefined,
      throughput: '',
    },
  ];
  for (const cell of unsubscribed) {
    const perRequest = cell.samples.map(serverMicrosPerRequest);
    if (perRequest.includes(undefined)) continue;
    const download = spreadOf(perRequest as number[]);
    // Above 3 %, the span alone exceeds issue 17's goal for this row.
    const share = spreadOf((perRequest as number[]).map((micros) => span.median / micros));
    const server = cell.contender.proxyPid ? 'server (Node + proxy)' : 'Node';
    rows.push({
      measure: `the OpenTelemetry example's span alone, as a share of a download without subscriber (${cell.group}, toggled in one server)`,
      case: formatSize(cell.case.length),
      basis: `span µs over the ${server} CPU per request of the unsubscribed windows (${download.median.toFixed(1)} µs)`,
      figure: percent(share.median),
      spread: spreadText(share, percent),
      goal: 'reported',
      verdict: undefined,
      throughput: '',
    });
    // The same listeners timed where they ran, among the server's other work: caches are colder there than in the loop.
    const subscribed = findCell(cells, cell.group, VARIANTS.otel.ids.subscribed, cell.case.length);
    const inServer = subscribed?.samples.map((sample) => (sample.listenerMicros === undefined ? undefined : sample.listenerMicros / sample.requests));
    if (!inServer || inServer.includes(undefined) || inServer.length !== perRequest.length) continue;
    const timed = spreadOf(inServer as number[]);
    const timedShare = spreadOf((inServer as number[]).map((micros, round) => micros / perRequest[round]!));
    rows.push({
      measure: `the OpenTelemetry example's listeners timed in the server (SDK included), as a share of a download without subscriber (${cell.group}, toggled in one server)`,
      case: formatSize(cell.case.length),
      basis: `µs inside the listeners per subscribed download (${timed.median.toFixed(2)} µs, rounds ${timed.min.toFixed(2)}–${timed.max.toFixed(2)}) over the ${server} CPU per request of the unsubscribed windows`,
      figure: percent(timedShare.median),
      spread: spreadText(timedShare, percent),
      goal: 'reported',
      verdict: undefined,
      throughput: '',
    });
  }
  return rows;
}

/** Node's CPU per request, and the proxy's when one stands in front; undefined without CPU figures. */
function serverMicrosPerRequest(sample: Sample): number | undefined {
  if (sample.cpuSeconds === undefined) return undefined;
  return ((sample.cpuSeconds + (sample.proxyCpuSeconds ?? 0)) / sample.requests) * 1e6;
}
