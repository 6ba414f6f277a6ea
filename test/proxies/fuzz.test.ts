/**
 * The differential fuzz (issue 11): one folder served by the library, by
 * nginx static and by Apache static; the same seeded requests to all three;
 * the library must answer as RFC 9110 does, and the oracles may depart from
 * it only as docs/http-differences.md (fuzz/differences.ts) says.
 * FUZZ_SEED, FUZZ_ITERATIONS and FUZZ_ONLY (one request's index) replay or
 * widen a run: `npm run fuzz -- --seed 42 --iterations 20000`.
 */
import { expect } from 'chai';
import { assess } from './fuzz/check.js';
import { differences } from './fuzz/differences.js';
import { runFuzz } from './fuzz/run.js';
import { startTrio, type Trio } from './fuzz/servers.js';
import { requireProxy } from '../support/requireProxy.js';

const DEFAULT_SEED = 1;
const DEFAULT_ITERATIONS = 2000;
const seed = Number(process.env.FUZZ_SEED ?? DEFAULT_SEED);
const iterations = Number(process.env.FUZZ_ITERATIONS ?? DEFAULT_ITERATIONS);
const only = process.env.FUZZ_ONLY === undefined ? undefined : Number(process.env.FUZZ_ONLY);
const SHOWN = 10;

describe('Differential fuzz: the library, nginx static and Apache static serving one folder', function () {
  this.timeout(Math.max(60_000, iterations * 50));
  let trio: Trio | undefined;

  before(async function () {
    requireProxy(this, 'nginx', 'apache');
    trio = await startTrio();
  });
  after(() => trio?.stop());

  it(`answers ${only === undefined ? `${iterations} requests` : `request #${only}`} of seed ${seed} as RFC 9110 does, where nginx and Apache differ only as docs/http-differences.md says`, async function () {
    const observations = await runFuzz(trio!.ports, seed, iterations, { only });
    const { failures, tally } = assess(seed, observations, { wholeRun: only === undefined, everyClass: seed === DEFAULT_SEED && iterations === DEFAULT_ITERATIONS });
    if (process.env.FUZZ_REPORT) {
      for (const difference of differences)
        for (const server of difference.servers) {
          const counts = tally[server].get(difference.id);
          console.log(`      ${server.padEnd(7)} ${difference.id}: ${counts ? `${counts.departures} of ${counts.requests} requests differ` : 'not exercised'}`);
        }
    }
    if (failures.length) {
      for (const failure of failures.slice(1, SHOWN)) console.log(`\n${failure}`);
      const replay = `npm run fuzz -- --seed ${seed} --iterations ${iterations}${only === undefined ? '' : ` --only ${only}`}`;
      expect.fail(`${failures.length} failures${failures.length > 1 ? ` (${Math.min(SHOWN, failures.length) - 1} more printed above)` : ''}; replay with: ${replay}\n${failures[0]}`);
    }
  });
});
