/**
 * `npm run fuzz -- --seed 42 --iterations 20000 [--only 17]`: the fuzz test
 * with another seed, more requests, or one request replayed, and the count
 * of each class of the table printed.
 */
import { spawnSync } from 'node:child_process';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { seed: { type: 'string' }, iterations: { type: 'string' }, only: { type: 'string' } } });
const env: NodeJS.ProcessEnv = { ...process.env, FUZZ_REPORT: '1' };
if (values.seed !== undefined) env.FUZZ_SEED = values.seed;
if (values.iterations !== undefined) env.FUZZ_ITERATIONS = values.iterations;
if (values.only !== undefined) env.FUZZ_ONLY = values.only;
const run = spawnSync('npx', ['mocha', 'test/proxies/fuzz.test.ts'], { stdio: 'inherit', env });
process.exit(run.status ?? 1);
