import type { Span, Tracer } from '@opentelemetry/api';
import { SpanStatusCode } from '@opentelemetry/api';
import { ATTR_HTTP_REQUEST_METHOD, ATTR_HTTP_RESPONSE_STATUS_CODE, ATTR_URL_PATH } from '@opentelemetry/semantic-conventions';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import type { DownloadMessage } from '../src/index.js';

/** One span per download, from its start to its finish, abort or error. Returns a function that stops tracing. */
export function traceDownloads(tracer: Tracer): () => void {
  const spans = new WeakMap<object, Span>();
  const open = (message: DownloadMessage): Span =>
    tracer.startSpan('download', {
      startTime: message.startTime,
      attributes: {
        [ATTR_HTTP_REQUEST_METHOD]: message.ctx.method,
        [ATTR_URL_PATH]: message.ctx.path,
        [ATTR_HTTP_RESPONSE_STATUS_CODE]: message.status,
        'file.name': message.file?.name ?? '',
        'koa_downloadview.storage': message.file?.kind ?? '',
        'koa_downloadview.sent_by': message.offload?.by ?? 'node',
        ...(message.ranges.asked && { 'http.request.header.range': [message.ranges.asked] }),
      },
    });
  const close = (outcome: 'finish' | 'abort' | 'error') => (data: unknown) => {
    const message = data as DownloadMessage;
    const span = spans.get(message.ctx) ?? open(message); // an error before the answer has no start
    spans.delete(message.ctx);
    span.setAttributes({ [ATTR_HTTP_RESPONSE_STATUS_CODE]: message.status, 'http.response.body.size': message.bytes, 'koa_downloadview.outcome': outcome });
    if (outcome === 'error') {
      span.recordException(message.error instanceof Error ? message.error : String(message.error));
      span.setStatus({ code: SpanStatusCode.ERROR });
    }
    span.end();
  };
  const listeners = {
    start: (data: unknown) => void spans.set((data as DownloadMessage).ctx, open(data as DownloadMessage)),
    finish: close('finish'),
    abort: close('abort'),
    error: close('error'),
  };
  for (const [name, listener] of Object.entries(listeners)) subscribe(`koa-downloadview:download:${name}`, listener);
  return () => {
    for (const [name, listener] of Object.entries(listeners)) unsubscribe(`koa-downloadview:download:${name}`, listener);
  };
}
