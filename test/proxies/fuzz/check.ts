/**
 * Holds a run against the table: the library answers as RFC 9110 does, and
 * each oracle departs from it exactly in the classes the table gives it.
 * Every failure names the seed and the request, with the three answers.
 */
import { files } from './files.js';
import { classify, differences, type Case } from './differences.js';
import type { Observation } from './run.js';
import { SERVERS, type ServerName } from './servers.js';

export interface ClassTally {
  /** Requests in the class. */
  requests: number;
  /** Of those, the ones the server answered otherwise than the RFC. */
  departures: number;
}

export interface Assessment {
  failures: string[];
  /** Per server, per class id. */
  tally: Record<ServerName, Map<string, ClassTally>>;
}

const fileOf = new Map(files.map((file) => [file.name, file]));

/** Everything needed to replay a request and see what each server made of it. */
export function describe(seed: number, observation: Observation): string {
  const { request } = observation;
  const lines = [`seed ${seed}, request #${request.index}: ${request.method} ${JSON.stringify(request.file)} ${JSON.stringify(request.headers)}`];
  for (const server of SERVERS) {
    const outcome = observation.outcomes[server];
    lines.push(`  ${server}: sent ${JSON.stringify(outcome.sent)}`);
    lines.push(`    answered ${outcome.head.split('\n').join(' | ')}`);
    lines.push(`    compared ${JSON.stringify(outcome.answer)}`);
    lines.push(`    RFC 9110 ${JSON.stringify(outcome.expected)}${outcome.departures.length ? `  (differs in ${outcome.departures.join(', ')})` : ''}`);
  }
  return lines.join('\n');
}

/** Fewer requests than this in a class say nothing about whether a server still differs in it. */
export const ENOUGH = 10;

/**
 * With `wholeRun`, a class of the table in which a server no longer differs
 * (over ENOUGH requests or more) fails too; with `everyClass` (the default
 * seed), so does a class exercised fewer than ENOUGH times.
 */
export function assess(seed: number, observations: Observation[], options: { wholeRun: boolean; everyClass: boolean }): Assessment {
  const failures: string[] = [];
  const tally = Object.fromEntries(SERVERS.map((server) => [server, new Map<string, ClassTally>()])) as Assessment['tally'];
  for (const observation of observations) {
    for (const server of SERVERS) {
      const outcome = observation.outcomes[server];
      const c: Case = { request: observation.request, file: fileOf.get(observation.request.file)!, sent: outcome.sent, expected: outcome.expected };
      const difference = server === 'library' ? undefined : classify(server, c);
      if (difference) {
        const counts = tally[server].get(difference.id) ?? { requests: 0, departures: 0 };
        counts.requests++;
        if (outcome.departures.length) counts.departures++;
        tally[server].set(difference.id, counts);
      } else if (outcome.departures.length) {
        const who = server === 'library' ? 'the library departs from RFC 9110' : `${server} departs from RFC 9110 outside the table`;
        failures.push(`${who}:\n${describe(seed, observation)}`);
      }
    }
  }
  if (!options.wholeRun) return { failures, tally };
  for (const difference of differences) {
    for (const server of difference.servers) {
      const counts = tally[server].get(difference.id) ?? { requests: 0, departures: 0 };
      if (counts.requests < ENOUGH) {
        if (options.everyClass) failures.push(`"${difference.id}" has only ${counts.requests} requests for ${server} at seed ${seed}: the generator must exercise every class of the table`);
      } else if (counts.departures === 0) failures.push(`${server} no longer differs in "${difference.id}" (${counts.requests} requests of seed ${seed} in that class): remove it from the table`);
    }
  }
  return { failures, tally };
}
