/**
 * library.ts with the OpenTelemetry example of docs/observability.md
 * (bench/tracing.ts) subscribed: a span per download, batched as in
 * production, to an exporter that drops them (sending them is the
 * collector's cost, not the library's). Issue 17's goal: ≤ 3 % more CPU.
 */
import { BasicTracerProvider, BatchSpanProcessor, InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { traceDownloads } from '../tracing.js';

/** Keeps nothing: an in-memory exporter would grow with every request of the run. */
class DroppingExporter extends InMemorySpanExporter {
  override export(_spans: ReadableSpan[], resultCallback: Parameters<InMemorySpanExporter['export']>[1]): void {
    super.export([], resultCallback);
  }
}

const provider = new BasicTracerProvider({ spanProcessors: [new BatchSpanProcessor(new DroppingExporter())] });
traceDownloads(provider.getTracer('koa-downloadview-bench'));
await import('./library.js');
