import { expect } from 'chai';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { makeNoFiles, noFiles } from './harness/cases.js';
import { expectedDifferences, type Field } from './harness/differences.js';
import { DOC, renderTables, replaceTables, type Observation } from './harness/differencesTable.js';
import { comparable } from './harness/comparable.js';
import { fixtures, urlPath } from './harness/fixtures.js';
import { requests, send } from './harness/requests.js';
import { PROXIES, proxySuite } from './harness/suite.js';
import { failInCiSkipElsewhere } from '../support/requireProxy.js';

/** Without the body, which the table does not show (the 20 MiB file would be kept 50 times). */
function headersOf({ body: _body, ...answer }: Record<Field, unknown>): Omit<Record<Field, unknown>, 'body'> {
  return answer;
}

// Every exchange of the run, for the table of docs/proxy-differences.md.
const observations: Observation[] = [];
const names = [...fixtures.map((fixture) => ({ name: fixture.name, large: fixture.large ?? false })), ...noFiles.map(({ name }) => ({ name, large: false }))];

proxySuite('parity with Koa', (proxy, stack) => {
  before(() => makeNoFiles(stack().root, stack().media));

  for (const { name, large } of names) {
    for (const matrixRequest of requests.filter((request) => request.large || !large)) {
      const documented = expectedDifferences(proxy, matrixRequest.label, name);
      const title = documented.length ? `differs from Koa only in ${documented.join(', ')} (docs/proxy-differences.md)` : 'answers like Koa';
      it(`${matrixRequest.label} of ${JSON.stringify(name)} ${title}`, async function () {
        const direct = comparable(await send(stack().appPort, urlPath('/direct/', name), matrixRequest));
        const proxied = comparable(await send(stack().proxyPort, urlPath('/files/', name), matrixRequest));
        const differing = (Object.keys(direct) as Field[]).filter((field) => !isDeepStrictEqual(proxied[field], direct[field])).sort();
        observations.push({ proxy, request: matrixRequest.label, name, koa: headersOf(direct), proxied: headersOf(proxied), differing });
        const shown = (fields: Field[]) => Object.fromEntries(fields.filter((field) => field !== 'body').map((field) => [field, { proxy: proxied[field], koa: direct[field] }]));
        expect(differing, `fields that differ: ${JSON.stringify(shown(differing))}`).to.deep.equal(documented);
      });
    }
  }

  if (proxy === 'nginx') {
    // Debian's nginx.conf logs at error level; the harness at warn, stricter. A refused symlink is logged (crit), as it should.
    it("logs nothing in nginx's error log for a download, nor for a missing file or a folder", async function () {
      const log = await readFile(join(stack().serverDir, 'error.log'), 'utf8');
      const refusedSymlink = /^\S+ \S+ \[crit\] .*openat\(\) ".*\/link-out\.txt" failed \(40: Too many levels of symbolic links\).*request: "(GET|HEAD) \/files\/link-out\.txt /;
      expect(log.split('\n').filter((line) => line && !refusedSymlink.test(line))).to.deep.equal([]);
    });
  }
});

describe('docs/proxy-differences.md', function () {
  it('shows the table this run measured (UPDATE_DOCS=1 rewrites it)', async function () {
    // A proxy not installed, or a filtered run: no whole table to compare (in CI, a failure: every proxy must run).
    const whole = PROXIES.length * names.reduce((count, { large }) => count + requests.filter((request) => request.large || !large).length, 0);
    if (observations.length !== whole) failInCiSkipElsewhere(this, [`The parity run measured ${observations.length} of ${whole} exchanges: no whole table to compare.`]);
    const doc = await readFile(DOC, 'utf8');
    const updated = replaceTables(doc, renderTables(observations));
    if (process.env.UPDATE_DOCS) await writeFile(DOC, updated);
    expect(doc, 'docs/proxy-differences.md differs from the table measured: run UPDATE_DOCS=1 CI=true npx mocha test/proxies/parity.test.ts, and read the diff').to.equal(updated);
  });
});
