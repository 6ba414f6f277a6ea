/**
 * `npm run demo` as a person runs it: a busy port, Ctrl-C, a crash. Each run
 * gets a temporary folder of its own as TMPDIR, so that what the demo leaves
 * behind is seen, and nothing of another run is.
 */
import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { freePort } from '../proxies/harness/process.js';

const root = resolve(import.meta.dirname, '../..');

interface Demo {
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stdout: () => string;
  stderr: () => string;
  /** Resolves with the demo's URL once it prints it. */
  started: Promise<string>;
  kill(signal: NodeJS.Signals): void;
}

const running = new Set<{ kill(signal: NodeJS.Signals): void }>();

/** The demo as its own process (node, not npm: the signal reaches the demo itself), with `tmp` as its temporary folder. */
function startDemo(args: string[], tmp: string, preload: string[] = []): Demo {
  const child = spawn(process.execPath, ['--import', 'tsx', ...preload.flatMap((file) => ['--import', file]), 'demo/server.ts', ...args], {
    cwd: root,
    // Without the switch mocha sets (test/support/awsSdkWarning.ts): the demo must set it itself.
    env: { ...process.env, TMPDIR: tmp, S3_BUCKET: '', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: undefined },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  running.add(child);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) => child.once('exit', (code, signal) => (running.delete(child), done({ code, signal }))));
  const started = new Promise<string>((done, fail) => {
    child.stdout.on('data', () => {
      const match = /http:\/\/127\.0\.0\.1:\d+\//.exec(stdout);
      if (match) done(match[0]);
    });
    void exited.then(({ code }) => fail(new Error(`the demo exited with ${code}: ${stdout}${stderr}`)));
  });
  started.catch(() => undefined);
  return { exited, started, stdout: () => stdout, stderr: () => stderr, kill: (signal) => child.kill(signal) };
}

/** What the demo left in its temporary folder (tsx's own cache aside). */
async function leftBehind(tmp: string): Promise<string[]> {
  return (await readdir(tmp)).filter((name) => name.startsWith('koa-downloadview-'));
}

describe('npm run demo, stopped or failing', function () {
  this.timeout(60_000);
  let tmp: string;
  beforeEach(async () => (tmp = await mkdtemp(join(tmpdir(), 'kdv-demo-server-'))));
  afterEach(async function () {
    // A failed test may leave its demo running.
    for (const child of running) child.kill('SIGKILL');
    await rm(tmp, { recursive: true, force: true });
  });

  for (const proxy of [[], ['--proxy', 'nginx']]) {
    it(`says in one sentence that the port is busy and names --port, exit code 1, nothing left behind${proxy.length ? ', with --proxy' : ''}`, async function () {
      const busy: Server = createServer();
      await new Promise<void>((done) => busy.listen(0, '127.0.0.1', done));
      const { port } = busy.address() as { port: number };
      try {
        const demo = startDemo(['--port', String(port), ...proxy], tmp);
        expect(await demo.exited).to.deep.equal({ code: 1, signal: null });
        expect(demo.stderr()).to.equal(`Port ${port} of 127.0.0.1 is in use: stop what listens there, or start the demo on another port with --port, e.g. npm run demo -- --port ${port + 1}.\n`);
        expect(await leftBehind(tmp)).to.deep.equal([]);
      } finally {
        busy.close();
      }
    });
  }

  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    it(`stops on ${signal}, exit code 0, nothing left behind, though a home page's live stream is open`, async function () {
      const demo = startDemo(['--port', String(await freePort())], tmp);
      const url = await demo.started;
      expect(await (await fetch(`${url}files/hello-world.txt`)).text()).to.equal('Hello world!\n');
      expect(await leftBehind(tmp)).to.have.length(2); // the demo's files and the embedded S3
      // The panel's stream, open as a home page keeps it; a cancelled download shows in it, and prints nothing.
      const panel = (await fetch(`${url}events/downloads`)).body!.pipeThrough(new TextDecoderStream()).getReader();
      const leaving = new AbortController();
      await (await fetch(`${url}virtual/slow.bin`, { signal: leaving.signal })).body!.getReader().read();
      leaving.abort();
      let events = '';
      while (!events.includes('"state":"aborted"')) events += (await panel.read()).value ?? '';
      demo.kill(signal);
      expect(await demo.exited).to.deep.equal({ code: 0, signal: null });
      // The demo ended the stream itself before it stopped.
      while (!(await panel.read()).done);
      expect(await leftBehind(tmp)).to.deep.equal([]);
      expect(demo.stderr()).to.equal('');
    });
  }

  it('on a crash, prints the error, exits 1 and leaves nothing behind', async function () {
    // Throws, outside any handler of the demo, once the demo has started.
    const crash = join(tmp, 'crash.mjs');
    await writeFile(crash, `const write = process.stdout.write.bind(process.stdout);
process.stdout.write = (chunk, ...rest) => {
  if (String(chunk).startsWith('S3:')) setImmediate(() => { throw new Error('simulated crash'); });
  return write(chunk, ...rest);
};
`);
    const demo = startDemo(['--port', String(await freePort())], tmp, [crash]);
    await demo.started;
    expect(await demo.exited).to.deep.equal({ code: 1, signal: null });
    expect(demo.stderr()).to.match(/^Error: simulated crash\n/);
    expect(await leftBehind(tmp)).to.deep.equal([]);
  });

  it('prints no NodeVersionSupportWarning of the AWS SDK, and no other warning either', async function () {
    const demo = startDemo(['--port', String(await freePort())], tmp);
    const url = await demo.started;
    // The SDK warns once its first client is made: the S3 files are served by then.
    expect(await (await fetch(`${url}s3/hello-world.txt`)).text()).to.equal('Hello world!\n');
    demo.kill('SIGTERM');
    await demo.exited;
    expect(demo.stderr()).to.equal('');
  });
});
