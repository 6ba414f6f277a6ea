/**
 * The kit's usage examples in the two other runners, each run as users run
 * it: node:test through `node --import tsx --test`, and vitest with its own
 * minimal root (vitest/), so that it never sees the mocha suites.
 */
import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { missingProxy } from '../../../src/testing/servers.js';

const here = import.meta.dirname;
const root = join(here, '../../..');

/** Runs `command` in this folder; resolves with its exit code and everything it printed. */
function run(command: string, args: string[]): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    execFile(command, args, { cwd: here, env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' } }, (error, stdout, stderr) => {
      resolve({ code: error ? Number(error.code ?? 1) : 0, output: stdout + stderr });
    });
  });
}

describe('startProxy usage examples in node:test and vitest', function () {
  this.timeout(120_000);
  const ran = missingProxy('nginx') ? 0 : 1;

  it('node:test: the example passes (or skips, outside CI, without nginx)', async function () {
    const { code, output } = await run(process.execPath, ['--import', 'tsx', '--test', 'nodeTest.example.ts']);
    expect(code, output).to.equal(0);
    expect(output).to.match(/# fail 0/);
    expect(output, output).to.match(ran ? /# pass 3/ : /# skipped 1/);
  });

  it('vitest: the example passes (or skips, outside CI, without nginx)', async function () {
    const { code, output } = await run(join(root, 'node_modules/.bin/vitest'), ['run', 'download.example.ts', '--root', 'vitest']);
    expect(code, output).to.equal(0);
    expect(output, output).to.match(ran ? /Tests\s+1 passed/ : /1 skipped/);
  });
});
