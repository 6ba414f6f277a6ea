/**
 * Imports point one way (DESIGN.md, issue 19): storages/ knows nothing of
 * Koa or of src/; src/ uses storages/; demo/ and bench/ use src/ and
 * storages/; nothing outside test/ imports from test/.
 */
import { expect } from 'chai';
import { readdir, readFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '../..');

/** Which top-level folders each folder may import from. */
const ALLOWED: Record<string, string[]> = {
  storages: ['storages'],
  src: ['src', 'storages'],
  demo: ['demo', 'src', 'storages'],
  bench: ['bench', 'src', 'storages'],
};

async function sources(folder: string): Promise<string[]> {
  const entries = await readdir(join(root, folder), { withFileTypes: true, recursive: true });
  return entries.filter((entry) => entry.isFile() && /\.(ts|mts|mjs|js)$/.test(entry.name)).map((entry) => relative(root, join(entry.parentPath, entry.name)));
}

/** The top-level folders `file` imports from, by its relative specifiers. */
async function importedFolders(file: string): Promise<Set<string>> {
  const text = await readFile(join(root, file), 'utf8');
  const specifiers = [...text.matchAll(/(?:\bfrom\s+|\bimport\s*\(\s*|^\s*import\s+)['"](\.{1,2}\/[^'"]+)['"]/gm)].map((match) => match[1]!);
  return new Set(specifiers.map((specifier) => relative(root, resolve(root, dirname(file), specifier)).split('/')[0]!));
}

describe('Imports point one way', function () {
  it('storages/, src/, demo/ and bench/ import only what they may', async function () {
    const wrong: string[] = [];
    for (const [folder, allowed] of Object.entries(ALLOWED)) {
      for (const file of await sources(folder)) {
        for (const target of await importedFolders(file)) if (!allowed.includes(target)) wrong.push(`${file} -> ${target}`);
      }
    }
    expect(wrong.sort()).to.deep.equal([]);
  });
});
