/** Short-lived tools (wrk, curl) run to their end, and killed if the benchmark is interrupted. */
import { spawn } from 'node:child_process';
import { trackChild } from './cleanup.js';

/** Runs `command` to its end and returns its standard output; a failure carries its standard error. */
export function run(command: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    trackChild(child);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.once('error', reject);
    child.once('close', (code, signal) => (code === 0 ? resolve(stdout) : reject(new Error(`${command} ${args.join(' ')} failed (${signal ?? code}): ${stderr}`))));
  });
}
