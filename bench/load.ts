/**
 * The load generator: wrk, in its own process, one thread (the machine has
 * two cores: one for wrk, one for the server under test).
 */
import { fileURLToPath } from 'node:url';
import { run } from './command.js';

export interface LoadResult {
  requests: number;
  /** Response bytes received, headers included. */
  bytes: number;
  seconds: number;
  /** Socket errors, timeouts and non-2xx/3xx responses. */
  errors: number;
}

export interface LoadOptions {
  seconds: number;
  connections: number;
  /** Stop after this many responses (wrkSummary.lua); the run still lasts `seconds`. */
  requests?: number | undefined;
}

const SUMMARY_SCRIPT = fileURLToPath(new URL('wrkSummary.lua', import.meta.url));

export async function wrk(url: string, options: LoadOptions): Promise<LoadResult> {
  // A generous timeout: a 100 MiB response shares the link with the other connections.
  const args = ['-t1', `-c${options.connections}`, `-d${options.seconds}s`, '--timeout', '30s', '-s', SUMMARY_SCRIPT, url, ...(options.requests ? ['--', String(options.requests)] : [])];
  const output = await run('wrk', args);
  const line = output.split('\n').find((text) => text.startsWith('{"requests"'));
  if (!line) throw new Error(`wrk printed no summary for ${url}:\n${output}`);
  const summary = JSON.parse(line) as Record<string, number>;
  return {
    requests: summary['requests']!,
    bytes: summary['bytes']!,
    seconds: summary['micros']! / 1e6,
    errors: summary['connect']! + summary['read']! + summary['write']! + summary['status']! + summary['timeout']!,
  };
}
