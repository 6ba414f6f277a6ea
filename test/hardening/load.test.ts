/**
 * Issue 6, promise 5: under load, through a real nginx, nothing is lost.
 * Two app processes (scaleOutApp.ts) share one folder and one S3 bucket
 * (s3rver), behind one nginx that listens on one port for each: 200
 * concurrent downloads of mixed sizes, offloaded and streamed, all whole,
 * and the same bytes whichever app answers.
 */
import { expect } from 'chai';
import { createHash, randomBytes } from 'node:crypto';
import { chmod, mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startEmbeddedS3, type EmbeddedS3 } from '../../demo/s3.js';
import { proxyConfig } from '../../src/proxyConfig.js';
import { freePort, startProcess, type Running } from '../proxies/harness/process.js';
import { servers } from '../proxies/harness/servers.js';
import { recordFigure } from './figures.js';
import { scaleOutRule } from './scaleOutRule.js';
import { requireProxy } from '../support/requireProxy.js';
import { proxyFolder } from '../support/proxyFolder.js';

const SIZES = [0, 1024, 64 * 1024, 1024 * 1024, 4 * 1024 * 1024];
// Each proxied download holds two nginx connections (client and app): the
// harness's nginx.conf allows 1024.
const CONCURRENT = 200;
const ROUTES = ['files', 'direct', 's3'] as const;

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

describe('Hardening: load through a real nginx', function () {
  this.timeout(120_000);
  const nginx = servers.nginx;
  let top: string;
  let s3: EmbeddedS3;
  const running: Running[] = [];
  /** The nginx port in front of each app process. */
  let ports: number[];
  const hashes = new Map<string, string>();

  before(async function () {
    requireProxy(this, 'nginx');
    top = await proxyFolder('kdv-load-');
    const media = join(top, 'media');
    await mkdir(media);
    await mkdir(join(top, 'nginx'));
    s3 = await startEmbeddedS3();
    for (const size of SIZES) {
      const content = randomBytes(size);
      hashes.set(`${size}.bin`, sha256(content));
      await writeFile(join(media, `${size}.bin`), content);
      await s3.storage.save(`${size}.bin`, content);
    }

    const appPorts = [await freePort(), await freePort()];
    const s3Environment = { S3_BUCKET: s3.bucket, S3_ENDPOINT: s3.endpoint, S3_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER' };
    for (const [index, port] of appPorts.entries()) {
      running.push(
        await startProcess(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'scaleOutApp.ts')], {
          cwd: process.cwd(),
          logFile: join(top, `app-${index}.log`),
          port,
          env: { PORT: String(port), MEDIA: media, ...s3Environment },
        }),
      );
    }
    ports = [await freePort(), await freePort()];
    const site = appPorts.map((appPort, index) => proxyConfig(scaleOutRule(media), 'nginx', { appUrl: `http://127.0.0.1:${appPort}`, listen: `127.0.0.1:${ports[index]}` })).join('\n');
    running.push(await nginx.start(join(top, 'nginx'), site, ports[0]!));
  });
  after(async function () {
    for (const process of running.reverse()) await process.stop();
    await s3?.stop();
    if (top) await rm(top, { recursive: true, force: true });
  });

  /** GET through nginx, with the sha256 of the body and the time it took. */
  async function fetchThrough(port: number, route: string, name: string): Promise<{ status: number; hash: string; milliseconds: number; bytes: number }> {
    const started = performance.now();
    const res = await fetch(`http://127.0.0.1:${port}/${route}/${name}`, { signal: AbortSignal.timeout(60_000) });
    const body = new Uint8Array(await res.arrayBuffer());
    return { status: res.status, hash: sha256(body), milliseconds: performance.now() - started, bytes: body.length };
  }

  it(`serves ${CONCURRENT} concurrent downloads of mixed sizes, offloaded and streamed, every sha256 right, zero errors`, async function () {
    const plan = Array.from({ length: CONCURRENT }, (_, index) => ({ port: ports[index % 2]!, route: ROUTES[index % ROUTES.length]!, name: `${SIZES[index % SIZES.length]}.bin` }));
    const started = performance.now();
    const results = await Promise.allSettled(plan.map(({ port, route, name }) => fetchThrough(port, route, name)));
    const seconds = (performance.now() - started) / 1000;

    const failures = results.flatMap((result, index) => {
      const { route, name } = plan[index]!;
      if (result.status === 'rejected') return [`${route}/${name}: ${(result.reason as Error).message} (${String((result.reason as Error).cause)})`];
      if (result.value.status !== 200) return [`${route}/${name}: status ${result.value.status}`];
      if (result.value.hash !== hashes.get(name)) return [`${route}/${name}: wrong bytes (${result.value.bytes})`];
      return [];
    });
    expect(failures).to.deep.equal([]);

    const times = results.map((result) => (result as PromiseFulfilledResult<{ milliseconds: number }>).value.milliseconds).sort((a, b) => a - b);
    const bytes = results.reduce((total, result) => total + (result as PromiseFulfilledResult<{ bytes: number }>).value.bytes, 0);
    recordFigure('load', {
      concurrent: CONCURRENT,
      appProcesses: 2,
      routes: ROUTES,
      sizes: SIZES,
      errors: failures.length,
      seconds: +seconds.toFixed(2),
      megabytes: +(bytes / 2 ** 20).toFixed(1),
      milliseconds: { p50: Math.round(times[Math.floor(times.length / 2)]!), p95: Math.round(times[Math.floor(times.length * 0.95)]!), max: Math.round(times.at(-1)!) },
    });
  });

  it('gives the same bytes from either app process, for the shared folder and the shared bucket', async function () {
    for (const route of ROUTES) {
      for (const name of hashes.keys()) {
        const [first, second] = await Promise.all(ports.map((port) => fetchThrough(port, route, name)));
        expect([first!.status, second!.status], `${route}/${name}`).to.deep.equal([200, 200]);
        expect(first!.hash, `${route}/${name}`).to.equal(hashes.get(name));
        expect(second!.hash, `${route}/${name}`).to.equal(first!.hash);
      }
    }
    // A file saved through the bucket once is served by both apps at once.
    await s3.storage.save('late.txt', 'saved after start-up');
    await writeFile(join(top, 'media', 'late.txt'), 'saved after start-up');
    await chmod(join(top, 'media', 'late.txt'), 0o644);
    for (const route of ROUTES) {
      const answers = await Promise.all(ports.map((port) => fetch(`http://127.0.0.1:${port}/${route}/late.txt`).then((res) => res.text())));
      expect(answers, route).to.deep.equal(['saved after start-up', 'saved after start-up']);
    }
  });
});
