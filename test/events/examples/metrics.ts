import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { Counter, Histogram, type Registry } from 'prom-client';
import { completedDownloads, type DownloadMessage } from '../../../src/index.js';

/** Prometheus counters and a histogram of downloads, in `registry`. Returns a function that stops counting. */
export function downloadMetrics(registry: Registry): () => void {
  const registers = [registry];
  const ended = new Counter({ name: 'downloads_total', help: 'Downloads answered, by outcome (finish, abort, error), status and who sent the bytes', labelNames: ['outcome', 'status', 'sent_by'], registers });
  const bytes = new Counter({ name: 'download_body_bytes_total', help: 'Body bytes Node handed to the socket', registers });
  const duration = new Histogram({ name: 'download_duration_seconds', help: 'From the answer to its last byte, or to the client leaving', labelNames: ['outcome'], buckets: [0.01, 0.1, 1, 10, 60, 600], registers });
  const completed = new Counter({ name: 'downloads_completed_total', help: 'Files received whole by a client, once however many ranges it took', registers });

  const listeners = Object.fromEntries(
    (['finish', 'abort', 'error'] as const).map((outcome) => [
      outcome,
      (data: unknown) => {
        const message = data as DownloadMessage;
        ended.inc({ outcome, status: message.status, sent_by: message.offload?.by ?? 'node' });
        bytes.inc(message.bytes);
        duration.observe({ outcome }, (message.duration ?? 0) / 1000);
      },
    ]),
  );
  for (const [name, listener] of Object.entries(listeners)) subscribe(`koa-downloadview:download:${name}`, listener);
  const stopCompleted = completedDownloads(() => completed.inc());
  return () => {
    for (const [name, listener] of Object.entries(listeners)) unsubscribe(`koa-downloadview:download:${name}`, listener);
    stopCompleted();
  };
}
