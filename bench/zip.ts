/**
 * The zip group (issue 16): zipDownload of stored files against the same
 * bytes streamed as one file, its memory while a large archive of generated
 * files goes to a slow client, and the archive past 4 GiB tested by 7z and
 * Info-ZIP unzip.
 */
import { rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { run } from './command.js';
import { formatSize, GiB, makeFixtures, MiB } from './fixtures.js';
import type { GoalRow, MemoryResult } from './goals.js';
import { downloadAndTest, ZIP64_FROM } from './largeArchive.js';
import type { Case, Contender } from './measure.js';
import type { NodeServer } from './nodeServer.js';
import type { Plan } from './plan.js';
import { slowDownload } from './slowDownload.js';

export const ZIP_GROUP = 'zip';

export interface ZipPlan {
  /** The stored archive measured for throughput: `count` files of `size` on disk; none in the smoke run. */
  parts: { count: number; size: number } | undefined;
  /** The archive of generated files read by a slow client, for memory. */
  slow: { count: number; size: number; bytesPerSecond: number };
  /** The generated file inside the archive tested by 7z and unzip: past 4 GiB (ZIP64) in the full run. */
  large: number;
}

export const ZIP_PLANS: Record<Plan['name'], ZipPlan> = {
  full: { parts: { count: 10, size: 100 * MiB }, slow: { count: 5, size: GiB, bytesPerSecond: 64 * MiB }, large: 4.5 * GiB },
  // The large archive shrinks to one that needs no ZIP64: a few seconds instead of a minute.
  quick: { parts: { count: 10, size: 100 * MiB }, slow: { count: 5, size: GiB, bytesPerSecond: 512 * MiB }, large: 64 * MiB },
  // The throughput pair would add two wrk runs of 1 s to `npm test`: test/bench/summary.test.ts judges its row instead.
  smoke: { parts: undefined, slow: { count: 4, size: 4 * MiB, bytesPerSecond: 64 * MiB }, large: MiB },
};

export const ZIP_MEMORY_LIMIT = 64 * MiB;
const EXTRACTORS = ['7z', 'unzip'] as const;
/** The folder of the stored parts; contenders/zip.ts serves it as `/zip-parts.zip`. */
const PARTS = 'zip-parts';

/** What the group needs of the run. */
export interface ZipKit {
  plan: Plan;
  /** The fixtures' folder, served by the contenders. */
  files: string;
  node(name: string, script: string): Promise<NodeServer>;
  /** Measures the group, then stops every server started. */
  measure(group: string, cases: Case[], contenders: Contender[]): Promise<void>;
  progress(line: string): void;
}

export async function zipGroup({ plan, files, node, measure, progress }: ZipKit): Promise<{ memory: MemoryResult; check: GoalRow }> {
  const { parts, slow, large } = ZIP_PLANS[plan.name];
  const zip = await node('zip-library', 'contenders/zip.ts');

  const load = `${slow.count} × ${formatSize(slow.size)} zip`;
  // First, while the server is fresh: a warm heap would hide growth.
  progress(`${ZIP_GROUP} · memory · ${load}…`);
  const memory: MemoryResult = {
    label: 'koa-downloadview zipDownload, generated files',
    load,
    limit: ZIP_MEMORY_LIMIT,
    ...(await slowDownload(`${zip.origin}/generated-${slow.count}x${slow.size}.zip`, zip.pid, slow.bytesPerSecond)),
  };

  progress(`${ZIP_GROUP} · ZIP64 check · ${sizeLabel(large)} generated file, 7z t and unzip -t…`);
  const archive = join(files, 'large.zip');
  const checked = await downloadAndTest(`${zip.origin}/large-${large}.zip`, archive, EXTRACTORS).finally(() => rm(archive, { force: true }));
  for (const [extractor, said] of Object.entries(checked.failures)) progress(`${ZIP_GROUP} · ZIP64 check · ${extractor} failed: ${said}`);

  if (parts) await throughput(parts, zip, { files, node, measure });
  else await zip.stop();
  return { memory, check: checkRow(large, checked) };
}

/** The zip against the one file: it holds the archive's very bytes, so that both answers have the same length, and CPU per request is CPU per byte. */
async function throughput(parts: NonNullable<ZipPlan['parts']>, zip: NodeServer, { files, node, measure }: Pick<ZipKit, 'files' | 'node' | 'measure'>): Promise<void> {
  for (let part = 1; part <= parts.count; part++) await makeFixtures(join(files, PARTS, String(part).padStart(2, '0')), [parts.size], GiB);
  const file = await node('zip-file', 'contenders/library.ts');
  const whole = `${PARTS}.zip`;
  await run('curl', ['-sf', '-o', join(files, whole), `${zip.origin}/${whole}`]);
  const { size: length } = await stat(join(files, whole));
  await measure(ZIP_GROUP, [{ label: `${parts.count} × ${formatSize(parts.size)}`, path: `/${whole}`, length }], [
    { id: 'zip', label: 'koa-downloadview zipDownload, stored files', origin: zip.origin, nodePid: zip.pid },
    { id: 'file', label: 'koa-downloadview storageDownload, the same bytes as one file', origin: file.origin, nodePid: file.pid },
  ]);
}

/** The check's goal row: both extractors pass, and the archive is ZIP64 exactly when its big file needs it. */
export function checkRow(large: number, { zip64, failures }: Awaited<ReturnType<typeof downloadAndTest>>): GoalRow {
  const needed = large >= ZIP64_FROM;
  const failed = Object.keys(failures);
  const layout = (isZip64: boolean) => (isZip64 ? 'ZIP64' : 'plain zip');
  return {
    measure: 'a zip of generated files, downloaded whole, tested by 7z t and unzip -t',
    case: `${sizeLabel(large)} file`,
    basis: "the extractors' verdict; the end records",
    figure: `${layout(zip64)}, ${failed.length ? `${failed.join(' and ')} failed` : 'both pass'}`,
    spread: '',
    goal: `${layout(needed)}, both pass`,
    verdict: failed.length === 0 && zip64 === needed ? 'pass' : 'miss',
    throughput: '',
  };
}

function sizeLabel(size: number): string {
  return size >= GiB ? `${size / GiB} GiB` : formatSize(size);
}
