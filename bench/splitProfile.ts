/**
 * `tsx bench/splitProfile.ts bench/profiles/<toggled server>`: where a
 * subscriber's cost goes. A toggling server (contenders/libraryTraced.ts)
 * profiled by `npm run bench -- --cpu-prof` logs when each of its windows
 * began and its tallies at each control request (windows.json, beside its
 * profiles). This splits the busy samples of its main thread between the
 * subscribed and the unsubscribed windows, by kind of code, per byte the
 * server wrote in each state, run by run: what the subscribed windows spend
 * in the SDK, the example and the library, and whether the rest of the
 * server's work costs more there too.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Tallies, WindowsLog } from './contenders/libraryTraced.js';

export interface Profile {
  nodes: { id: number; callFrame: { functionName: string; url: string } }[];
  startTime: number;
  samples: number[];
  timeDeltas: number[];
}

type State = keyof Tallies;
const REPO = fileURLToPath(new URL('..', import.meta.url));

/** The kind of code a profile node runs, by where it lives. */
export function kindOf(functionName: string, url: string): string {
  const where = url.startsWith('file://') ? relative(REPO, fileURLToPath(url)) : url;
  if (functionName === '(garbage collector)') return 'garbage collector';
  if (where.includes('@opentelemetry/')) return 'OpenTelemetry SDK';
  if (where === 'bench/tracing.ts') return 'the example (bench/tracing.ts)';
  if (/^(dist\/)?src\/events\.[jt]s$/.test(where)) return "the library's events";
  if (where === 'node:diagnostics_channel') return 'node:diagnostics_channel';
  if (where.startsWith('bench/')) return 'the toggling server';
  return 'everything else';
}

export interface RunSplit {
  /** Busy samples per MB written, for each state. */
  perMB: Record<State, number>;
  /** Each kind's busy samples per MB written, as a share of the unsubscribed windows' busy samples per MB. */
  kinds: Map<string, Record<State, number>>;
}

/**
 * One split per run (the harness reads the tallies before and after each
 * run: a run lies between reads 2k and 2k+1). Samples are placed by time:
 * V8 stamps them on CLOCK_MONOTONIC, as the log does.
 */
export function splitByWindow(profile: Profile, log: WindowsLog): RunSplit[] {
  const nodes = new Map(profile.nodes.map((node) => [node.id, node.callFrame]));
  // The last window begun by `at`, by bisection: a run has thousands of windows.
  const stateAt = (at: number): State => {
    let [low, high] = [0, log.switches.length - 1];
    while (low < high) {
      const middle = (low + high + 1) >> 1;
      if (log.switches[middle]!.at <= at) low = middle;
      else high = middle - 1;
    }
    return log.switches[low]!.state;
  };
  // Each busy sample once: its time, its window's state and its kind of code; each run then counts its own.
  const busy: { at: number; state: State; kind: string }[] = [];
  let at = profile.startTime;
  profile.samples.forEach((id, index) => {
    at += profile.timeDeltas[index]!;
    const frame = nodes.get(id)!;
    if (frame.functionName !== '(idle)') busy.push({ at, state: stateAt(at), kind: kindOf(frame.functionName, frame.url) });
  });
  const runs: RunSplit[] = [];
  for (let read = 0; read + 1 < log.reads.length; read += 2) {
    const [before, after] = [log.reads[read]!, log.reads[read + 1]!];
    const counts = { subscribed: new Map<string, number>(), unsubscribed: new Map<string, number>() };
    for (const sample of busy) {
      if (sample.at < before.at || sample.at > after.at) continue;
      const tally = counts[sample.state];
      tally.set(sample.kind, (tally.get(sample.kind) ?? 0) + 1);
    }
    const megabytes = (state: State) => (after.tallies[state].bytes - before.tallies[state].bytes) / 1e6;
    const total = (state: State) => [...counts[state].values()].reduce((sum, count) => sum + count, 0);
    const perMB = { subscribed: total('subscribed') / megabytes('subscribed'), unsubscribed: total('unsubscribed') / megabytes('unsubscribed') };
    const kinds = new Map<string, Record<State, number>>();
    for (const kind of new Set([...counts.subscribed.keys(), ...counts.unsubscribed.keys()])) {
      const share = (state: State) => (counts[state].get(kind) ?? 0) / megabytes(state) / perMB.unsubscribed;
      kinds.set(kind, { subscribed: share('subscribed'), unsubscribed: share('unsubscribed') });
    }
    runs.push({ perMB, kinds });
  }
  return runs;
}

function render(runs: RunSplit[]): string {
  const percent = (value: number) => `${(value * 100).toFixed(2)} %`;
  return runs
    .map((run, index) => {
      const kinds = [...run.kinds].sort((a, b) => b[1].subscribed - b[1].unsubscribed - (a[1].subscribed - a[1].unsubscribed));
      const lines = kinds.map(([kind, share]) => `  ${kind.padEnd(32)} ${percent(share.unsubscribed).padStart(8)} -> ${percent(share.subscribed).padStart(8)}`);
      return `run ${index + 1}: busy samples per byte, subscribed over unsubscribed: ${percent(run.perMB.subscribed / run.perMB.unsubscribed - 1)}\n${lines.join('\n')}`;
    })
    .join('\n');
}

/** The largest profile of the folder is the server's main thread (tsx's loader has one too). */
async function mainThreadProfile(folder: string): Promise<string> {
  const files = (await readdir(folder)).filter((name) => name.endsWith('.cpuprofile')).map((name) => join(folder, name));
  const sizes = await Promise.all(files.map(async (file) => (await stat(file)).size));
  const largest = files[sizes.indexOf(Math.max(...sizes))];
  if (!largest) throw new Error(`${folder} holds no .cpuprofile: run npm run bench -- --cpu-prof.`);
  return largest;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const [folder] = process.argv.slice(2);
  if (!folder) throw new Error('usage: tsx bench/splitProfile.ts bench/profiles/<toggled server>');
  const profile = JSON.parse(await readFile(await mainThreadProfile(folder), 'utf8')) as Profile;
  const log = JSON.parse(await readFile(join(folder, 'windows.json'), 'utf8').catch(() => {
    throw new Error(`${folder}/windows.json is missing: only toggling servers (contenders/libraryTraced.ts) write one.`);
  })) as WindowsLog;
  console.log(render(splitByWindow(profile, log)));
}
