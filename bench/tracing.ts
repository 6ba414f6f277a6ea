import type { Attributes, Span, Tracer } from '@opentelemetry/api';
import { SpanStatusCode } from '@opentelemetry/api';
import { ATTR_HTTP_REQUEST_METHOD, ATTR_HTTP_RESPONSE_STATUS_CODE, ATTR_URL_PATH } from '@opentelemetry/semantic-conventions';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import type { DownloadMessage } from '../src/index.js';

// A download's span is kept on its Koa context, which lives as long as it: no WeakMap look-up at either end.
const SPAN = Symbol('download span');
type Traced = DownloadMessage['ctx'] & { [SPAN]?: Span | undefined };

/** One span per download, from its start to its finish, abort or error. Returns a function that stops tracing. */
export function traceDownloads(tracer: Tracer): () => void {
  const open = ({ ctx, file, offload, ranges }: DownloadMessage): Span => {
    // The status is set once, at the end: the one sent may differ from the one decided.
    const attributes: Attributes = {
      [ATTR_HTTP_REQUEST_METHOD]: ctx.method,
      [ATTR_URL_PATH]: ctx.path,
      'file.name': file?.name,
      'koa_downloadview.storage': file?.kind,
      'koa_downloadview.sent_by': offload?.by ?? 'node',
    };
    if (ranges.asked) attributes['http.request.header.range'] = [ranges.asked];
    // No startTime: the SDK's own clock times the span to the microsecond, the message's to the millisecond.
    return tracer.startSpan('download', { attributes });
  };
  const close = (outcome: 'finish' | 'abort' | 'error') => (data: unknown) => {
    const message = data as DownloadMessage;
    const ctx = message.ctx as Traced;
    const span = ctx[SPAN] ?? open(message); // an error before the answer has no start
    ctx[SPAN] = undefined;
    span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, message.status);
    span.setAttribute('http.response.body.size', message.bytes);
    span.setAttribute('koa_downloadview.outcome', outcome);
    if (outcome === 'error') {
      span.recordException(message.error instanceof Error ? message.error : String(message.error));
      span.setStatus({ code: SpanStatusCode.ERROR });
    }
    span.end();
  };
  const listeners = {
    start: (data: unknown) => {
      const message = data as DownloadMessage;
      (message.ctx as Traced)[SPAN] = open(message);
    },
    finish: close('finish'),
    abort: close('abort'),
    error: close('error'),
  };
  for (const [name, listener] of Object.entries(listeners)) subscribe(`koa-downloadview:download:${name}`, listener);
  return () => {
    for (const [name, listener] of Object.entries(listeners)) unsubscribe(`koa-downloadview:download:${name}`, listener);
  };
}
