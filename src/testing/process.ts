/**
 * Starting and stopping a server as a process group, so that its workers go
 * with it, and knowing when it accepts connections.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { openSync, closeSync, readFileSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

export interface Running {
  /** The process started, leader of the group its workers run in. */
  pid: number;
  /** Stops the whole process group; resolves once the leader has exited. */
  stop(): Promise<void>;
  /** What the server printed so far, for failure messages. */
  output(): string;
}

/**
 * A port free on 127.0.0.1 right now, drawn at random below the kernel's
 * ephemeral range. The kernel's own choice (listen on port 0) comes from that
 * range, where it soon hands the same port to the next caller: with test
 * files run in parallel, two servers were then started on one port, and a
 * test talked to the other's.
 */
export async function freePort(): Promise<number> {
  const lowest = ephemeralStart();
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = FIRST_UNPRIVILEGED + Math.floor(Math.random() * (lowest - FIRST_UNPRIVILEGED));
    if (!BAD_PORTS.has(port) && (await canListen(port))) return port;
  }
  return listenedPort(0);
}

const FIRST_UNPRIVILEGED = 1024;

/**
 * The unprivileged ports of the Fetch standard's "bad port" list: Node's
 * fetch and every browser refuse them ("bad port"), so a test server there
 * fails the tests that fetch from it, once in a few thousand draws.
 */
const BAD_PORTS = new Set([1719, 1720, 1723, 2049, 3659, 4045, 4190, 5060, 5061, 6000, 6566, 6665, 6666, 6667, 6668, 6669, 6679, 6697, 10080]);

/** Where Linux's ephemeral range starts; elsewhere, where IANA's does. */
function ephemeralStart(): number {
  try {
    const low = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
    if (low > FIRST_UNPRIVILEGED) return low;
  } catch {
    // Not Linux.
  }
  return 49152;
}

function canListen(port: number): Promise<boolean> {
  return listenedPort(port).then(
    () => true,
    () => false,
  );
}

/** Listens on `port` (0: the kernel picks), closes, and resolves with the port it had. */
async function listenedPort(port: number): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  const { port: had } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return had;
}

/** Spawns `command` with its output in `logFile`, and waits until 127.0.0.1:`port` accepts connections. */
export async function startProcess(command: string, args: string[], options: { cwd: string; logFile: string; port: number; env?: NodeJS.ProcessEnv }): Promise<Running> {
  const log = openSync(options.logFile, 'a');
  const child = spawn(command, args, { cwd: options.cwd, env: { ...process.env, ...options.env }, detached: true, stdio: ['ignore', log, log] });
  closeSync(log);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const output = () => readFileSync(options.logFile, 'utf8');
  const running = { pid: child.pid!, stop: () => stopGroup(child, exited), output };
  try {
    await waitForPort(options.port, exited);
  } catch (error) {
    await running.stop();
    throw new Error(`${command} did not start: ${(error as Error).message}\n${output()}`);
  }
  return running;
}

async function waitForPort(port: number, exited: Promise<void>): Promise<void> {
  let gone = false;
  void exited.then(() => (gone = true));
  for (const deadline = Date.now() + 15_000; Date.now() < deadline; await sleep(50)) {
    if (gone) throw new Error('it exited');
    if (await accepts(port)) return;
  }
  throw new Error(`port ${port} still closed after 15 s`);
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });
}

async function stopGroup(child: ChildProcess, exited: Promise<void>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  signalGroup(child, 'SIGTERM');
  // The grace timer is cancelled once the group leader exits: left pending, it would keep the test run alive 5 s more.
  const grace = new AbortController();
  const timedOut = await Promise.race([exited.then(() => false), sleep(5_000, true, { signal: grace.signal }).catch(() => false)]);
  grace.abort();
  if (timedOut) signalGroup(child, 'SIGKILL');
  await exited;
  // Workers that outlive their leader still belong to its group.
  signalGroup(child, 'SIGKILL');
}

function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  try {
    process.kill(-child.pid!, signal);
  } catch {
    // The group is already gone.
  }
}
