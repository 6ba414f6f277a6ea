/**
 * `tsx bench/hotSpots.ts bench/profiles/<server>/<file>.cpuprofile [count]`: the
 * functions that spent the most CPU themselves (self time, share of the busy samples) in a V8 profile
 * written by `npm run bench -- --cpu-prof` (the largest file of a server's
 * folder is its main thread), and the files they live in.
 */
import { readFile } from 'node:fs/promises';
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}

const [file, count = '25'] = process.argv.slice(2);
if (!file) throw new Error('usage: tsx bench/hotSpots.ts <file.cpuprofile> [count]');
const { nodes, samples } = JSON.parse(await readFile(file, 'utf8')) as { nodes: ProfileNode[]; samples: number[] };
const repo = fileURLToPath(new URL('..', import.meta.url));

const hits = new Map<number, number>();
for (const id of samples) hits.set(id, (hits.get(id) ?? 0) + 1);
// A server idles while the others are measured: shares are of the busy samples.
const idle = nodes.filter((node) => node.callFrame.functionName === '(idle)').reduce((sum, node) => sum + (hits.get(node.id) ?? 0), 0);
const total = samples.length - idle;

const byFunction = new Map<string, number>();
const byFile = new Map<string, number>();
for (const node of nodes) {
  const { functionName, url, lineNumber } = node.callFrame;
  const where = url ? relative(repo, url.replace(/^file:\/\//, '')) : '(native)';
  if (functionName === '(idle)') continue;
  const self = hits.get(node.id) ?? 0;
  const name = `${functionName || '(anonymous)'}  ${where}:${lineNumber + 1}`;
  byFunction.set(name, (byFunction.get(name) ?? 0) + self);
  byFile.set(where, (byFile.get(where) ?? 0) + self);
}

const top = (table: Map<string, number>) =>
  [...table].sort((a, b) => b[1] - a[1]).slice(0, Number(count)).map(([name, self]) => `${((self / total) * 100).toFixed(1).padStart(5)} %  ${name}`);
console.log(`${total} busy samples\n\nSelf time by function:\n${top(byFunction).join('\n')}\n\nSelf time by file:\n${top(byFile).join('\n')}`);
