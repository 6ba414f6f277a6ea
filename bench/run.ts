/**
 * `npm run bench [-- --quick | --smoke] [--only streaming,offload,memory,s3,s3offload,zip,hello] [--sizes 13,65536] [--runs 3] [--out FILE] [--cpu-prof]`
 * `npm run bench -- --refresh-findings [--out FILE]`: measures nothing; puts
 * bench/findings.md, as it is now, in place of the report's Findings section.
 *
 * Starts each group of servers, measures them with wrk, stops them, and
 * writes the report (bench/RESULTS.md unless --out). To find where the time
 * goes: --sizes replaces the file sizes streamed and offloaded (in bytes),
 * --runs the number of rounds,
 * --cpu-prof writes V8 profiles of every Node server into bench/profiles/
 * (read them with bench/hotSpots.ts; a toggled server's with
 * bench/splitProfile.ts, which splits it by window).
 */
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { stopAll, stopAllOnExit } from './cleanup.js';
import { fileCase, HELLO, measureGroup, type Case, type Cell, type Contender } from './measure.js';
import { fixtureName, formatSize, makeFixtures, GiB } from './fixtures.js';
import { checkGoals, MEMORY_LIMITS, TWIN, type GoalRow, type MemoryResult } from './goals.js';
import { describeMachine } from './machine.js';
import { startNodeServer, type NodeServer } from './nodeServer.js';
import { OFFLOAD_PROXIES } from './offloadProxies.js';
import { PLANS } from './plan.js';
import { startOffloadProxy, startStaticProxy, type ProxyServer } from './proxies.js';
import { FINDINGS_HEADING, renderReport } from './report.js';
import { startS3 } from './s3.js';
import { presignCost, startS3OffloadProxy } from './s3Offload.js';
import { S3_OFFLOAD_GROUP, s3OffloadGoals } from './s3OffloadGoals.js';
import { slowDownload, slowDownloads } from './slowDownload.js';
import { spanCostRows } from './spanCost.js';
import { measureSubscriber, startToggled, tracedBehind } from './traced.js';
import { ZIP_GROUP, zipGroup } from './zip.js';

const GROUPS = ['streaming', 'offload', 'memory', 's3', S3_OFFLOAD_GROUP, ZIP_GROUP, 'hello'] as const;
const BENCH = fileURLToPath(new URL('.', import.meta.url));

const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean' },
    smoke: { type: 'boolean' },
    only: { type: 'string' },
    sizes: { type: 'string' },
    runs: { type: 'string' },
    out: { type: 'string', default: join(BENCH, 'RESULTS.md') },
    'cpu-prof': { type: 'boolean' },
    'refresh-findings': { type: 'boolean' },
  },
});
if (args['refresh-findings']) {
  await refreshFindings();
  process.exit(0);
}
const chosen = PLANS[args.smoke ? 'smoke' : args.quick ? 'quick' : 'full'];
const plan = { ...chosen, ...(args.sizes && { sizes: args.sizes.split(',').map(Number) }), ...(args.runs && { runs: Number(args.runs) }) };
const groups = new Set(args.only?.split(',') ?? GROUPS);
for (const group of groups) if (!(GROUPS as readonly string[]).includes(group)) throw new Error(`--only: unknown group ${group}; groups: ${GROUPS.join(', ')}`);

/** Where one run keeps its fixtures, logs and proxy configurations. */
interface Workspace {
  dir: string;
  files: string;
  logs: string;
  profiles: string | undefined;
}

const cells: Cell[] = [];
const memory: MemoryResult[] = [];
/** Goals judged outside the cells: the zip group's extractor check. */
const checks: GoalRow[] = [];
/** Microseconds per presign, one median per round (s3Offload.ts). */
let presigns: number[] | undefined;
const progress = (line: string) => console.error(line);

const machine = describeMachine();
const workspace = await createWorkspace();
// Interrupted: the large fixtures go; the logs stay, small, for whoever wonders why.
stopAllOnExit(() => rm(workspace.files, { recursive: true, force: true }));
let failed = true;
try {
  await makeFixtures(workspace.files, [...plan.sizes, ...plan.s3Sizes, ...plan.s3OffloadSizes, plan.slowDownload.size, plan.slowDownloads.size], GiB);
  if (groups.has('streaming')) await streaming();
  if (groups.has('offload')) for (const proxy of OFFLOAD_PROXIES) await offload(proxy);
  if (groups.has('memory')) await slowClients();
  if (groups.has('s3')) await s3();
  if (groups.has(S3_OFFLOAD_GROUP)) await s3Offload();
  if (groups.has(ZIP_GROUP)) await zip();
  if (groups.has('hello')) await hello();
  const findings = await readFile(join(BENCH, 'findings.md'), 'utf8').catch(() => 'None written yet.');
  const report = renderReport({ machine, plan, goals: [...checkGoals(cells, memory, plan), ...s3OffloadGoals(cells, presigns, plan), ...(await spanCostRows(cells, plan, progress)), ...checks], cells, memory, findings });
  console.log(report);
  await writeFile(args.out, report);
  console.error(`Written to ${args.out}`);
  failed = false;
} finally {
  await stopAll();
  // On failure the servers' logs say why: keep them, not the large fixtures.
  await rm(failed ? workspace.files : workspace.dir, { recursive: true, force: true });
  if (failed) console.error(`Logs kept in ${workspace.logs}`);
}

/** The analysis is written after the run it explains: only its section of the report changes. */
async function refreshFindings(): Promise<void> {
  const report = await readFile(args.out, 'utf8');
  const heading = report.indexOf(FINDINGS_HEADING);
  if (heading === -1) throw new Error(`${args.out} has no "${FINDINGS_HEADING.trim()}" section.`);
  const findings = await readFile(join(BENCH, 'findings.md'), 'utf8');
  await writeFile(args.out, `${report.slice(0, heading + FINDINGS_HEADING.length)}${findings.trim()}\n`);
  console.error(`Findings of ${args.out} replaced by bench/findings.md.`);
}

async function streaming(): Promise<void> {
  const [floor, library, twin, koaSend, fastify, traced, noop, aa] = await Promise.all([
    node('stream-floor', 'contenders/koaStream.ts'),
    node('stream-library', 'contenders/library.ts'),
    node('stream-library-twin', 'contenders/library.ts'),
    node('koa-send', 'contenders/koaSend.ts'),
    node('fastify-static', 'contenders/fastifyStatic.ts'),
    startToggled(node, 'stream-library-traced', 'otel'),
    startToggled(node, 'stream-library-noop', 'noop'),
    startToggled(node, 'stream-library-aa', 'none'),
  ]);
  const nginx = await startStaticProxy('nginx', workspace.files, workspace.logs);
  const subscriber = [];
  for (const server of [traced, noop, aa]) subscriber.push(...(await measureSubscriber('streaming', 'koa-downloadview storageDownload', { origin: server.origin, server }, plan.sizes.map(fileCase), plan, progress)));
  await measure('streaming', plan.sizes.map(fileCase), [
    direct('floor', 'Koa createReadStream (floor)', floor),
    direct('library', 'koa-downloadview storageDownload', library),
    direct(TWIN, 'koa-downloadview storageDownload, a second process (A/A)', twin),
    direct('koaSend', '@koa/send', koaSend),
    direct('fastify', '@fastify/static', fastify),
    { id: 'static', label: 'nginx static', origin: nginx.origin },
  ]);
  cells.push(...subscriber);
}

async function offload(proxy: (typeof OFFLOAD_PROXIES)[number]): Promise<void> {
  // Behind Apache the app looks each file up, since mod_xsendfile follows symlinks; a storage
  // that follows them out itself skips it. Measured where per-request work shows: small files.
  const withLookUp = proxy === 'apache' && plan.sizes.some((size) => size < plan.staticFrom);
  const [floor, library, twin, trusting, traced] = await Promise.all([
    node(`offload-floor-${proxy}`, 'contenders/koaOffload.ts', { BENCH_BACKEND: proxy }),
    node(`offload-library-${proxy}`, 'contenders/library.ts', { BENCH_BACKEND: proxy }),
    node(`offload-library-twin-${proxy}`, 'contenders/library.ts', { BENCH_BACKEND: proxy }),
    withLookUp ? node(`offload-trusting-${proxy}`, 'contenders/library.ts', { BENCH_BACKEND: proxy, BENCH_FOLLOW_SYMLINKS_OUTSIDE: '1' }) : undefined,
    tracedBehind(plan, proxy) ? startToggled(node, `offload-traced-${proxy}`, 'otel', { BENCH_BACKEND: proxy }) : undefined,
  ]);
  const [floorProxy, libraryProxy, twinProxy, staticProxy, trustingProxy, tracedProxy] = await Promise.all([
    startOffloadProxy(proxy, floor.origin, workspace.files, workspace.logs),
    startOffloadProxy(proxy, library.origin, workspace.files, workspace.logs),
    startOffloadProxy(proxy, twin.origin, workspace.files, workspace.logs),
    startStaticProxy(proxy, workspace.files, workspace.logs),
    trusting && startOffloadProxy(proxy, trusting.origin, workspace.files, workspace.logs),
    traced && startOffloadProxy(proxy, traced.origin, workspace.files, workspace.logs),
  ]);
  const subscriber = traced && tracedProxy
    ? await measureSubscriber(`offload ${proxy}`, `${proxy} + koa-downloadview xSendfile`, { origin: tracedProxy.origin, server: traced, proxyPid: tracedProxy.pid }, plan.sizes.map(fileCase), plan, progress)
    : [];
  await measure(`offload ${proxy}`, plan.sizes.map(fileCase), [
    behind('floor', `${proxy} + Koa setting the header (floor)`, floor, floorProxy),
    behind('library', `${proxy} + koa-downloadview xSendfile`, library, libraryProxy),
    behind(TWIN, `${proxy} + koa-downloadview xSendfile, a second pair of processes (A/A)`, twin, twinProxy),
    ...(trusting && trustingProxy
      ? [{ ...behind('trusting', `${proxy} + koa-downloadview xSendfile, storage with followSymlinksOutside (no look-up)`, trusting, trustingProxy), belowLength: plan.staticFrom }]
      : []),
    { id: 'static', label: `${proxy} static`, origin: staticProxy.origin, minLength: plan.staticFrom },
  ]);
  cells.push(...subscriber);
}

async function slowClients(): Promise<void> {
  const { slowDownload: one, slowDownloads: many } = plan;
  const [single, concurrent] = [formatSize(one.size), `${many.count} × ${formatSize(many.size)}`];
  // A fresh pair of servers for each measure: the first would leave the second a warm heap.
  for (const [load, name, measureOn] of [
    [single, 'single', (server: NodeServer) => slowDownload(server.origin + fileCase(one.size).path, server.pid, one.bytesPerSecond)],
    [concurrent, 'concurrent', (server: NodeServer) => slowDownloads(server.origin + fileCase(many.size).path, server.pid, many)],
  ] as const) {
    const [library, floor] = await Promise.all([node(`memory-${name}-library`, 'contenders/library.ts'), node(`memory-${name}-floor`, 'contenders/koaStream.ts')]);
    for (const [label, server, isLibrary] of [['koa-downloadview storageDownload', library, true], ['Koa createReadStream (floor)', floor, false]] as const) {
      progress(`memory · ${label}: ${load}…`);
      const limit = isLibrary ? (load === single ? MEMORY_LIMITS.single : MEMORY_LIMITS.concurrent) : undefined;
      memory.push({ label, load, limit, ...(await measureOn(server)) });
    }
    await stopAll();
  }
}

async function s3(): Promise<void> {
  const { env } = await startS3(workspace.files, plan.s3Sizes, workspace.dir, workspace.logs);
  const [floor, library] = await Promise.all([node('s3-floor', 'contenders/s3Direct.ts', env), node('s3-library', 'contenders/s3Library.ts', env)]);
  await measure('s3', plan.s3Sizes.map(fileCase), [direct('floor', 'Koa piping GetObject (floor)', floor), direct('library', 'koa-downloadview S3Storage', library)]);
}

/** Streamed by Node against offloaded to nginx, which fetches from the same s3rver, and the floor of offloading; then the presign each hand-off costs. */
async function s3Offload(): Promise<void> {
  const { env } = await startS3(workspace.files, plan.s3OffloadSizes, workspace.dir, workspace.logs);
  const [streamed, offloading, floor, bare] = await Promise.all([
    node('s3offload-streamed', 'contenders/s3Library.ts', env),
    node('s3offload-offloading', 'contenders/s3Library.ts', { ...env, BENCH_BACKEND: 'nginx' }),
    node('s3offload-floor', 'contenders/s3OffloadFloor.ts', env),
    node('s3offload-bare', 'contenders/s3OffloadFloor.ts', { ...env, BENCH_BARE_HTTP: '1' }),
  ]);
  const endpoint = env['S3_ENDPOINT']!;
  const [nginx, floorNginx, bareNginx] = await Promise.all([offloading, floor, bare].map((server) => startS3OffloadProxy(server.origin, endpoint)));
  await measure(S3_OFFLOAD_GROUP, plan.s3OffloadSizes.map(fileCase), [
    behind('floor', 'nginx + Koa setting a hand-off presigned at start-up (floor)', floor, floorNginx!),
    behind('bare', 'nginx + node:http setting a hand-off presigned at start-up (no framework)', bare, bareNginx!),
    direct('streamed', 'koa-downloadview S3Storage, streamed', streamed),
    behind('offloaded', 'nginx + koa-downloadview xSendfile S3 rule (nginx fetches)', offloading, nginx!),
  ]);
  progress(`${S3_OFFLOAD_GROUP} · presign: ${plan.runs} × ${plan.presigns}…`);
  presigns = await presignCost(env, fixtureName(plan.s3OffloadSizes[0]!), plan.runs, plan.presigns);
}

async function zip(): Promise<void> {
  const { memory: result, check } = await zipGroup({ plan, files: workspace.files, node, measure, progress });
  memory.push(result);
  checks.push(check);
}

async function hello(): Promise<void> {
  const [bare, withXSendfile, withEmpty] = await Promise.all([
    node('hello', 'contenders/hello.ts'),
    node('hello-xsendfile', 'contenders/hello.ts', { BENCH_MIDDLEWARE: 'xsendfile' }),
    node('hello-empty-middleware', 'contenders/hello.ts', { BENCH_MIDDLEWARE: 'empty' }),
  ]);
  await measure('hello', [HELLO], [
    direct('floor', 'Koa hello world', bare),
    direct('library', 'Koa hello world + xSendfile', withXSendfile),
    direct('empty', 'Koa hello world + an empty async middleware', withEmpty),
  ]);
}

/** Measures a group, then stops every server it started. */
async function measure(group: string, cases: Case[], contenders: Contender[]): Promise<void> {
  cells.push(...(await measureGroup(group, contenders, cases, plan, progress)));
  await stopAll();
}

function node(name: string, script: string, env: NodeJS.ProcessEnv = {}): Promise<NodeServer> {
  // A toggling server's windows, to split its profile by state (bench/splitProfile.ts); the others ignore it.
  const windowsLog = workspace.profiles && { BENCH_WINDOWS_LOG: join(workspace.profiles, name, 'windows.json') };
  return startNodeServer(name, script, { logDir: workspace.logs, cpuProfileDir: workspace.profiles, env: { BENCH_FILES: workspace.files, ...windowsLog, ...env } });
}

function direct(id: string, label: string, server: NodeServer): Contender {
  return { id, label, origin: server.origin, nodePid: server.pid };
}

/** A Node server reached through its proxy: both processes' CPU is counted. */
function behind(id: string, label: string, server: NodeServer, proxy: ProxyServer): Contender {
  return { id, label, origin: proxy.origin, nodePid: server.pid, proxyPid: proxy.pid };
}

async function createWorkspace(): Promise<Workspace> {
  const dir = await mkdtemp(join(tmpdir(), 'koa-downloadview-bench-'));
  // The proxies' workers run as www-data and must reach the files.
  await chmod(dir, 0o755);
  const logs = join(dir, 'logs');
  await mkdir(logs);
  const profiles = args['cpu-prof'] ? join(BENCH, 'profiles') : undefined;
  if (profiles) await mkdir(profiles, { recursive: true });
  return { dir, files: join(dir, 'files'), logs, profiles };
}
