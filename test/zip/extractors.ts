/**
 * Real extractors from Debian check every archive the zip tests make:
 * Info-ZIP unzip, 7-Zip, libarchive's bsdtar, and Python's zipfile (run as
 * bench/zipExtractors.ts runs them, for the benchmark too). Each one
 * tests the archive, then extracts it into a folder of its own, and the
 * files found there must be exactly the ones expected, byte for byte.
 * Missing extractors skip the test, except under CI, where they fail it.
 */
import { expect } from 'chai';
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, stat } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { EXTRACTOR_OPTIONS as OPTIONS, EXTRACTORS, pythonDigests, runExtractor as run, testArchive, type Extractor } from '../../bench/zipExtractors.js';

import { failInCiSkipElsewhere, missingCommands } from '../support/requireProxy.js';

export { EXTRACTORS, testArchive, type Extractor };

const PACKAGES: Record<Extractor, string> = { unzip: 'unzip', '7z': 'p7zip-full', bsdtar: 'libarchive-tools', python3: 'python3' };

/** Skips the suite where an extractor is missing; under CI a missing one fails it. */
export async function requireExtractors(context: Mocha.Context, extractors: readonly Extractor[] = EXTRACTORS): Promise<void> {
  failInCiSkipElsewhere(context, missingCommands(Object.fromEntries(extractors.map((extractor) => [extractor, PACKAGES[extractor]]))));
}

/** Extracts `archive` into `folder` with one extractor; resolves with each file's sha256 by path. */
export async function extract(extractor: Extractor, archive: string, folder: string): Promise<Record<string, string>> {
  await mkdir(folder, { recursive: true });
  switch (extractor) {
    case 'unzip':
      await run('unzip', ['-q', '-o', archive, '-d', folder], OPTIONS);
      break;
    case '7z':
      await run('7z', ['x', '-y', `-o${folder}`, archive], OPTIONS);
      break;
    case 'bsdtar':
      await run('bsdtar', ['-xf', archive, '-C', folder], OPTIONS);
      break;
    case 'python3':
      // zipfile has no command that keeps hostile names: read it as a library does.
      return pythonDigests(archive);
  }
  return hashTree(folder);
}

export async function hashTree(folder: string): Promise<Record<string, string>> {
  const files: Record<string, string> = {};
  for (const entry of await readdir(folder, { recursive: true, withFileTypes: true })) {
    const path = join(entry.parentPath, entry.name);
    if ((await stat(path)).isFile()) files[relative(folder, path)] = sha256(await readFile(path));
  }
  return files;
}

export function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/**
 * The whole check: every extractor tests the archive and extracts exactly
 * `expected` (path → content), nothing more, nothing elsewhere.
 */
export async function checkArchive(archive: string, work: string, expected: Record<string, string | Uint8Array>, extractors: readonly Extractor[] = EXTRACTORS): Promise<void> {
  const wanted = Object.fromEntries(Object.entries(expected).map(([path, content]) => [path, sha256(typeof content === 'string' ? Buffer.from(content) : content)]));
  for (const extractor of extractors) {
    await testArchive(extractor, archive).catch((error: { stderr?: string; stdout?: string }) => expect.fail(`${extractor} test failed: ${error.stderr || error.stdout}`));
    // Nested two levels down, so that a name climbing out would land in the test's own folder, and be seen.
    const folder = join(work, extractor, 'inside', 'here');
    const found = await extract(extractor, archive, folder);
    // libarchive writes names in NFC (a decomposed é comes out composed); the others keep the bytes.
    const composed = (files: Record<string, string>) => (extractor === 'bsdtar' ? Object.fromEntries(Object.entries(files).map(([path, hash]) => [path.normalize('NFC'), hash])) : files);
    expect(composed(found), `${extractor} extracted`).to.deep.equal(composed(wanted));
    if (extractor !== 'python3') expect(await readdir(join(work, extractor)), `${extractor}: nothing outside its folder`).to.deep.equal(['inside']);
  }
}
