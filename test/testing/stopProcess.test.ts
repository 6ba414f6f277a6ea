import { expect } from 'chai';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, startProcess } from '../../src/testing/process.js';

describe("A started process's stop()", function () {
  this.timeout(20_000);
  let dir: string;
  before(async () => (dir = await mkdtemp(join(tmpdir(), 'kdv-stop-'))));
  after(() => rm(dir, { recursive: true, force: true }));

  /** The timers of this process, as Node counts the resources that keep it alive. */
  const timers = () => process.getActiveResourcesInfo().filter((resource) => resource === 'Timeout').length;

  it('leaves no timer behind once the process has exited, so that a test run ends at once', async function () {
    const port = await freePort();
    const listener = `require('node:net').createServer().listen(${port}, '127.0.0.1')`;
    const running = await startProcess(process.execPath, ['-e', listener], { cwd: dir, logFile: join(dir, 'server.log'), port });
    const before = timers();
    await running.stop();
    expect(timers()).to.equal(before);
  });

  it('kills a process that ignores SIGTERM after its grace period', async function () {
    const port = await freePort();
    const stubborn = `process.on('SIGTERM', () => {}); require('node:net').createServer().listen(${port}, '127.0.0.1')`;
    const running = await startProcess(process.execPath, ['-e', stubborn], { cwd: dir, logFile: join(dir, 'stubborn.log'), port });
    const started = Date.now();
    await running.stop();
    expect(Date.now() - started).to.be.within(4_500, 10_000);
    expect(() => process.kill(running.pid, 0)).to.throw();
  });
});
