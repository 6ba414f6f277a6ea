/** A description of the machine and the software measured, for the top of RESULTS.md. */
import { spawnSync } from 'node:child_process';
import { cpus, loadavg, release, totalmem } from 'node:os';
import { GiB } from './fixtures.js';

export function describeMachine(): string[] {
  const cores = cpus();
  return [
    `- Date: ${new Date().toISOString()}`,
    `- CPU: ${cores[0]?.model ?? 'unknown'}, ${cores.length} cores; memory ${(totalmem() / GiB).toFixed(1)} GiB; Linux ${release()}`,
    `- Load average when the run started (1, 5, 15 min): ${loadavg().map((load) => load.toFixed(2)).join(', ')}`,
    `- Node ${process.version}; ${version('nginx', '-v')}; ${version('apache2', '-v')}; ${version('lighttpd', '-v')}; ${version('wrk', '-v')}; ${version('curl', '--version')}`,
  ];
}

/** The first line a tool prints about its version (nginx and wrk print it on stderr). */
function version(command: string, flag: string): string {
  const result = spawnSync(command, [flag], { encoding: 'utf8' });
  const text = `${result.stdout ?? ''}${result.stderr ?? ''}`.trim();
  return text.split('\n')[0]?.replace(/^Server version: /, '') || `${command}: not found`;
}
