/** The files every contender serves, made once per run in one folder. */
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, open } from 'node:fs/promises';
import { join } from 'node:path';

export const KiB = 1024;
export const MiB = 1024 * KiB;
export const GiB = 1024 * MiB;

/** `file-64KiB.bin`: the URL path and the storage name of a fixture. */
export function fixtureName(size: number): string {
  return `file-${formatSize(size).replace(' ', '')}.bin`;
}

export function formatSize(size: number): string {
  for (const [unit, scale] of [['GiB', GiB], ['MiB', MiB], ['KiB', KiB]] as const) {
    if (size >= scale && size % scale === 0) return `${size / scale} ${unit}`;
  }
  return `${size} B`;
}

/**
 * Random content up to `sparseFrom` bytes; larger files are sparse (zeros
 * that cost no disk), which is enough to watch memory while they stream.
 * The folder is world-readable: the proxies' workers run as www-data.
 */
export async function makeFixtures(dir: string, sizes: number[], sparseFrom: number): Promise<void> {
  await mkdir(dir, { recursive: true });
  await chmod(dir, 0o755);
  for (const size of new Set(sizes)) {
    const file = await open(join(dir, fixtureName(size)), 'w', 0o644);
    try {
      if (size >= sparseFrom) await file.truncate(size);
      for (let written = 0; size < sparseFrom && written < size; written += MiB) await file.write(randomBytes(Math.min(MiB, size - written)));
    } finally {
      await file.close();
    }
  }
}
