import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

const root = resolve(import.meta.dirname, '..');
const SETUP = 'test/support/awsSdkWarning.ts';

describe("The AWS SDK's NodeVersionSupportWarning in the tests", function () {
  this.timeout(30_000);

  it('is turned off by a file mocha loads first', async function () {
    const config = JSON.parse(await readFile(join(root, '.mocharc.json'), 'utf8')) as { require?: string[] };
    expect(config.require).to.include(SETUP);
  });

  it('is silenced, and only it: another warning still shows', async function () {
    const script = "const { S3Client } = await import('@aws-sdk/client-s3'); new S3Client({ region: 'us-east-1' }); process.emitWarning('another warning');";
    const run = (setup: string[]) =>
      promisify(execFile)(process.execPath, ['--import', 'tsx', ...setup, '--input-type=module', '-e', script], {
        cwd: root,
        env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: undefined },
      });
    const without = await run([]);
    // On Node 22 and later the SDK has nothing to warn about.
    if (Number(process.versions.node.split('.')[0]) < 22) expect(without.stderr).to.include('NodeVersionSupportWarning');
    const { stderr } = await run(['--import', `./${SETUP}`]);
    expect(stderr).not.to.include('NodeVersionSupportWarning');
    expect(stderr).to.include('Warning: another warning');
  });
});
