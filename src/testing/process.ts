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

/** A port free on 127.0.0.1 right now. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
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
  const timedOut = await Promise.race([exited.then(() => false), sleep(5_000).then(() => true)]);
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
