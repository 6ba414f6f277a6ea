/**
 * The OpenTelemetry and Prometheus examples of docs/observability.md, run
 * against real downloads. The docs quote these files; a test keeps them equal.
 */
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { expect } from 'chai';
import { readFile } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { Registry } from 'prom-client';
import { MemoryStorage, storageDownload } from '../../src/index.js';
import { appWith, listen } from '../support/app.js';
import { downloadMetrics } from './examples/metrics.js';
import { traceDownloads } from '../../bench/tracing.js';

const SIZE = 32 * 1024 * 1024;

/** A GET that leaves after `leaveAfter` bytes, if given; resolves once the server could see it end. */
function get(url: string, headers: Record<string, string> = {}, leaveAfter?: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { headers, agent: false }, (res) => {
      let received = 0;
      res.on('data', (chunk: Buffer) => {
        received += chunk.length;
        if (leaveAfter !== undefined && received >= leaveAfter) {
          res.pause();
          req.destroy();
        }
      });
      res.on('close', () => setTimeout(resolve, 50));
    });
    req.on('error', (error) => (req.destroyed ? undefined : reject(error)));
    req.end();
  });
}

describe('Observability examples', function () {
  let server: Awaited<ReturnType<typeof listen>>;

  before(async function () {
    const storage = new MemoryStorage();
    await storage.save('big.bin', Buffer.alloc(SIZE, 'x'));
    await storage.save('small.txt', '0123456789');
    server = await listen(appWith(storageDownload({ storage, name: (ctx) => ctx.path.slice(1) })));
  });
  after(() => server.close());

  async function downloads(): Promise<void> {
    await get(`${server.url}/small.txt`);
    await get(`${server.url}/small.txt`, { Range: 'bytes=0-4' });
    await get(`${server.url}/big.bin`, {}, 100_000);
    await get(`${server.url}/missing.txt`);
    await sleep(50);
  }

  it('OpenTelemetry: one span per download, with semantic-convention attributes and its outcome', async function () {
    const exporter = new InMemorySpanExporter();
    const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
    const stop = traceDownloads(provider.getTracer('downloads'));
    try {
      await downloads();
    } finally {
      stop();
    }
    const spans = exporter.getFinishedSpans().map((span) => span.attributes);
    expect(spans.map((a) => [a['url.path'], a['http.response.status_code'], a['koa_downloadview.outcome']])).to.deep.equal([
      ['/small.txt', 200, 'finish'],
      ['/small.txt', 206, 'finish'],
      ['/big.bin', 200, 'abort'],
      ['/missing.txt', 404, 'error'],
    ]);
    expect(spans[0]).to.deep.include({ 'http.request.method': 'GET', 'http.response.body.size': 10, 'file.name': 'small.txt', 'koa_downloadview.storage': 'MemoryStorage', 'koa_downloadview.sent_by': 'node' });
    expect(spans[1]!['http.request.header.range']).to.deep.equal(['bytes=0-4']);
    expect(spans[2]!['http.response.body.size']).to.be.above(0).and.below(SIZE);
  });

  it('Prometheus: counters by outcome and status, bytes, a duration histogram and completed downloads', async function () {
    const registry = new Registry();
    const stop = downloadMetrics(registry);
    try {
      await downloads();
      await get(`${server.url}/small.txt`, { Range: 'bytes=5-9' });
    } finally {
      stop();
    }
    const text = await registry.metrics();
    expect(text).to.include('downloads_total{outcome="finish",status="200",sent_by="node"} 1');
    expect(text).to.include('downloads_total{outcome="finish",status="206",sent_by="node"} 2');
    expect(text).to.include('downloads_total{outcome="abort",status="200",sent_by="node"} 1');
    expect(text).to.include('downloads_total{outcome="error",status="404",sent_by="node"} 1');
    expect(text).to.include('download_duration_seconds_count{outcome="finish"} 3');
    // small.txt whole once, then in two ranges: twice. The aborted big.bin: never.
    expect(text).to.include('downloads_completed_total 2');
  });

  it('are quoted in docs/observability.md exactly as they run here', async function () {
    const doc = await readFile(new URL('../../docs/observability.md', import.meta.url), 'utf8');
    // The tracing example lives in bench/, whose OpenTelemetry rows run it too.
    for (const example of ['../../bench/tracing.ts', './examples/metrics.ts']) {
      const source = (await readFile(new URL(example, import.meta.url), 'utf8')).replace(/(?:\.\.\/)+src\/index\.js/g, 'koa-downloadview');
      expect(doc, example).to.include(source.trim());
    }
  });
});
