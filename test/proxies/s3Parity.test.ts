/**
 * S3 offload next to streaming: every request of the parity matrix
 * (harness/requests.ts), for an object, a 0-byte object and a missing key,
 * sent to Koa streaming from S3 and through nginx, nginx with s3Cache and
 * Caddy fetching from S3 (the strict front over s3rver). It asserts that
 * exactly the fields of S3_DIFFERENCES differ, and writes what it measured
 * into docs/proxy-differences.md (UPDATE_DOCS=1), which it must match.
 */
import Router from '@koa/router';
import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import type { BackendName } from '../../src/backends/backend.js';
import { storageDownload } from '../../src/routes.js';
import { startProxy, type RunningProxy } from '../../src/testing/startProxy.js';
import { xSendfile } from '../../src/xSendfile.js';
import { appWith } from '../support/app.js';
import { failInCiSkipElsewhere, requireProxy } from '../support/requireProxy.js';
import { startStrictS3, type StrictS3 } from '../support/strictS3.js';
import { comparable } from './harness/comparable.js';
import type { Field } from './harness/differences.js';
import { DOC, replaceBlock } from './harness/differencesTable.js';
import { requests, send } from './harness/requests.js';
import { S3_DIFFERENCES, S3_OBJECTS, S3_VARIANTS, expectedS3Differences, renderS3Tables, type S3Observation } from './harness/s3Differences.js';
import { proxyFolder } from '../support/proxyFolder.js';

const START = '<!-- S3 offload tables: written by test/proxies/s3Parity.test.ts (UPDATE_DOCS=1), do not edit -->';
const END = '<!-- end of S3 offload tables -->';

const observations: S3Observation[] = [];

describe('S3 offload: parity with streaming from S3', function () {
  this.timeout(120_000);
  let s3: StrictS3;
  let cacheDir: string;
  const proxies = new Map<string, RunningProxy>();

  before(async function () {
    requireProxy(this, 'nginx', 'caddy');
    s3 = await startStrictS3();
    for (const object of S3_OBJECTS) if (object.size !== undefined) await s3.storage.save(object.name, randomBytes(object.size));
    cacheDir = await proxyFolder('kdv-s3-parity-');
    for (const variant of S3_VARIANTS) {
      const storage = s3.storage;
      const rule = { backend: variant.backend as BackendName, storage, destinationUrl: '/_s3/' };
      const router = new Router();
      router.get('/direct/*path', storageDownload({ storage }));
      router.get('/s3/*path', xSendfile(rule), storageDownload({ storage }));
      proxies.set(variant.label, await startProxy({ backend: rule.backend, app: appWith(router.routes()), rules: rule, ...(variant.cache && { s3Cache: { path: join(cacheDir, variant.label.replace(/\W+/g, '-')) } }) }));
    }
  });

  after(async function () {
    for (const proxy of proxies.values()) await proxy.stop();
    await s3?.stop();
    if (cacheDir) await rm(cacheDir, { recursive: true, force: true });
  });

  for (const variant of S3_VARIANTS) {
    for (const object of S3_OBJECTS) {
      for (const matrixRequest of requests) {
        const documented = expectedS3Differences(variant.label, matrixRequest.label, object.name);
        it(`${variant.label}: ${matrixRequest.label} of ${object.name} ${documented.length ? `differs from streaming only in ${documented.join(', ')}` : 'answers as streaming'}`, async function () {
          const proxy = proxies.get(variant.label)!;
          const direct = comparable(await send(Number(new URL(proxy.appUrl).port), `/direct/${object.name}`, matrixRequest));
          const proxied = comparable(await send(Number(new URL(proxy.url).port), `/s3/${object.name}`, matrixRequest));
          const differing = (Object.keys(direct) as Field[]).filter((field) => !isDeepStrictEqual(proxied[field], direct[field])).sort();
          observations.push({ variant: variant.label, request: matrixRequest.label, name: object.name, koaStatus: direct.status as number, proxiedStatus: proxied.status as number, differing });
          const shown = Object.fromEntries(differing.filter((field) => field !== 'body').map((field) => [field, { proxy: proxied[field], koa: direct[field] }]));
          expect(differing, `fields that differ: ${JSON.stringify(differing)}, ${JSON.stringify(shown)}`).to.deep.equal(documented);
        });
      }
    }
  }
});

describe('docs/proxy-differences.md: S3 offload', function () {
  it('shows the S3 tables this run measured (UPDATE_DOCS=1 rewrites them)', async function () {
    const whole = S3_VARIANTS.length * S3_OBJECTS.length * requests.length;
    if (observations.length !== whole) failInCiSkipElsewhere(this, [`The S3 parity run measured ${observations.length} of ${whole} exchanges: no whole table to compare.`]);
    const doc = await readFile(DOC, 'utf8');
    const updated = replaceBlock(doc, START, END, renderS3Tables(observations, S3_DIFFERENCES));
    if (process.env['UPDATE_DOCS']) await writeFile(DOC, updated);
    expect(doc, 'docs/proxy-differences.md differs from the S3 tables measured: run UPDATE_DOCS=1 CI=true npx mocha test/proxies/s3Parity.test.ts, and read the diff').to.equal(updated);
  });
});
