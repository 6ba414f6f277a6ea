/**
 * Smoke test of `npm run bench`: its tiniest configuration (--smoke: one
 * size, one 1 s run per contender) starts every server, prints the table and
 * stops everything it started. No timing is asserted.
 */
import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { readdir, readFile, rm } from 'node:fs/promises';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { proxyFolder } from '../support/proxyFolder.js';

const REPO = fileURLToPath(new URL('../..', import.meta.url));
const SAMPLE_EVERY_MS = 200;

describe('npm run bench -- --smoke', function () {
  this.timeout(180_000);
  let dir: string;

  before(async () => {
    dir = await proxyFolder('bench-smoke-');
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('measures every group, writes the report, and leaves no process or workspace behind', async () => {
    const out = join(dir, 'RESULTS.md');
    const started = new Set<number>();
    // Every server of the run has the run's folder in its command line or environment.
    const watch = setInterval(() => processGroupsMentioning(dir).forEach((group) => started.add(group)), SAMPLE_EVERY_MS);
    const { code, stdout, stderr } = await runBench(['--smoke', '--out', out], { ...process.env, TMPDIR: dir }).finally(() => clearInterval(watch));

    expect(code, `${stderr}${code === 0 ? '' : await keptLogs(stderr)}`).to.equal(0);
    expect(stdout).to.include('| measure | file | judged on | figure | spread of the rounds | goal | verdict | throughput ratio (spread) |');
    for (const group of ['streaming', 'offload nginx', 'offload apache', 'offload lighttpd', 's3', 's3offload', 'hello']) expect(stdout).to.include(`| ${group} |`);
    // Issues 16 and 17: each new goal has its row, judged (but zip throughput, left out of the smoke run: summary.test.ts judges it).
    for (const measure of ['RSS growth, koa-downloadview zipDownload, generated files, slow clients', 'a zip of generated files, downloaded whole, tested by 7z t and unzip -t', 'streaming, an OpenTelemetry subscriber vs none, toggled in one server']) {
      expect(stdout).to.match(new RegExp(`^\\| ${measure} \\|.*\\| (pass|\\*\\*miss\\*\\*|within noise) \\|`, 'm'));
    }
    // Issue 17's reported parts: the library's messages alone, and the example's listeners timed in the server.
    expect(stdout).to.match(/^\| streaming, a do-nothing subscriber \(the library's messages alone\) vs none, toggled in one server \| 1 MiB \| Node CPU per request \| -?\d+\.\d %/m);
    expect(stdout).to.match(/^\| the OpenTelemetry example's listeners timed in the server \(SDK included\), [^|]*\| 1 MiB \| µs inside the listeners per subscribed download \(\d+\.\d\d µs/m);
    // Issue 18: the library against a second server of its own code, streamed and behind each proxy, with no goal.
    expect(stdout).to.match(/^\| streaming, A\/A check: the library vs a second process of itself \| 1 MiB \| Node CPU per request \| \d+\.\d{3}× \|[^|]*\| reported \|/m);
    for (const proxy of ['nginx', 'apache', 'lighttpd']) {
      expect(stdout).to.match(new RegExp(`^\\| offloaded behind ${proxy}, A/A check: the library vs a second pair of processes of itself \\| 1 MiB \\| server CPU per request \\(Node \\+ proxy\\) \\| \\d+\\.\\d{3}× \\|`, 'm'));
    }
    // S3 offloaded through nginx, judged against streaming; the presign reported in µs.
    expect(stdout).to.match(/^\| S3 offloaded behind nginx vs streamed by S3Storage: Node CPU per GiB \| 1 MiB \|/m);
    expect(stdout).to.match(/^\| presign per S3 hand-off [^|]*\| any \| [^|]*\| \d+ µs \|/m);
    expect(stdout).to.include('RSS growth');
    // Both memory measures, for the library and the floor.
    expect(stdout.match(/^\| (koa-downloadview storageDownload|Koa createReadStream \(floor\)) \| (16 MiB|20 × 1 MiB) \|/gm)).to.have.length(4);
    // Offloaded goals count the proxy's CPU with Node's.
    expect(stdout).to.include('| server CPU per request (Node + proxy) |');
    expect(await readFile(out, 'utf8')).to.equal(`${stdout.trimEnd()}\n`);

    // --refresh-findings measures nothing: only the Findings section becomes bench/findings.md as it is now.
    const refreshed = await runBench(['--refresh-findings', '--out', out], process.env);
    expect(refreshed.code, refreshed.stderr).to.equal(0);
    const findings = await readFile(new URL('../../bench/findings.md', import.meta.url), 'utf8');
    const [measured] = stdout.split('\n## Findings\n');
    expect(await readFile(out, 'utf8')).to.equal(`${measured}\n## Findings\n\n${findings.trim()}\n`);

    expect(started.size, 'servers seen while the benchmark ran').to.be.greaterThan(10);
    expect(livingMembers(started), 'processes still running').to.deep.equal([]);
    // tsx keeps its cache in TMPDIR too; only the benchmark's workspace must be gone.
    expect((await readdir(dir)).filter((name) => name.startsWith('koa-downloadview-bench-'))).to.deep.equal([]);
  });
});

/** The last lines of every server log a failed run kept (it names their folder), since after() removes them. */
async function keptLogs(stderr: string): Promise<string> {
  const folder = /^Logs kept in (.+)$/m.exec(stderr)?.[1];
  if (!folder) return '';
  const names = await readdir(folder).catch(() => []);
  const tails = await Promise.all(names.map(async (name) => `--- ${name}\n${(await readFile(join(folder, name), 'utf8').catch(() => '')).split('\n').slice(-15).join('\n')}`));
  return `\n${tails.join('\n')}`;
}

function runBench(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    // Detached: the benchmark leads a process group of its own (wrk and curl run in it), apart from mocha's.
    const child = spawn(process.execPath, ['--import', 'tsx', 'bench/run.ts', ...args], { cwd: REPO, env, detached: true });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** The process groups of the processes whose command line or environment mentions `text`. */
function processGroupsMentioning(text: string): number[] {
  return processes().filter((pid) => ['cmdline', 'environ'].some((file) => read(pid, file).includes(text))).map(processGroup);
}

/** The processes still alive in any of `groups` (a worker can outlive its master). Zombies have exited: only their reaping is pending. */
function livingMembers(groups: Set<number>): string[] {
  return processes()
    .filter((pid) => groups.has(processGroup(pid)) && statFields(pid)[0] !== 'Z')
    .map((pid) => `${pid}: ${read(pid, 'cmdline').replaceAll('\0', ' ')}`);
}

function processes(): number[] {
  return readdirSync('/proc').filter((name) => /^\d+$/.test(name)).map(Number);
}

function processGroup(pid: number): number {
  return Number(statFields(pid)[2]);
}

/** The fields of /proc/<pid>/stat after the command name (which may hold spaces): state, ppid, pgrp… */
function statFields(pid: number): string[] {
  const stat = read(pid, 'stat');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}

/** A /proc file, or '' once the process is gone. */
function read(pid: number, file: string): string {
  try {
    return readFileSync(`/proc/${pid}/${file}`, 'latin1');
  } catch {
    return '';
  }
}
