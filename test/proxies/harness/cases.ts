/**
 * The names the parity matrix asks for, beyond the fixtures: names that
 * carry no file, which Koa answers 404 and a proxy must answer without
 * Content-Disposition; and the groups the table of docs/proxy-differences.md
 * shows the files in.
 */
import { symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { fixtures } from './fixtures.js';

export interface NoFile {
  name: string;
  what: string;
}

export const noFiles: NoFile[] = [
  { name: 'missing.pdf', what: 'a missing file' },
  { name: 'nested', what: 'a folder' },
  { name: 'link-out.txt', what: 'a symlink out of the folder' },
];

/** Makes the names of `noFiles` that need it in the stack's media folder (`root` holds it and secret.txt). */
export async function makeNoFiles(root: string, media: string): Promise<void> {
  await symlink(join(root, 'secret.txt'), join(media, 'link-out.txt'));
}

export interface FileGroup {
  label: string;
  has(name: string): boolean;
}

const EMPTY = 'empty.bin';
const large = new Set(fixtures.filter((fixture) => fixture.large).map((fixture) => fixture.name));
const noFileNames = new Set(noFiles.map((noFile) => noFile.name));

export const files = {
  all: { label: 'all', has: () => true },
  small: { label: `the ${fixtures.length - large.size - 1} small files`, has: (name) => name !== EMPTY && !large.has(name) && !noFileNames.has(name) },
  nonEmpty: { label: 'non-empty', has: (name) => name !== EMPTY && !noFileNames.has(name) },
  empty: { label: 'the 0-byte file', has: (name) => name === EMPTY },
  large: { label: 'the 20 MiB file', has: (name) => large.has(name) },
  existing: { label: 'every file', has: (name) => !noFileNames.has(name) },
  noFile: { label: `no file (${noFiles.map((noFile) => noFile.what).join(', ')})`, has: (name) => noFileNames.has(name) },
  handedToCaddy: { label: "every file without '?' in its name", has: (name) => !noFileNames.has(name) && !name.includes('?') },
} satisfies Record<string, FileGroup>;

/** The groups the table shows, in order: each name is in exactly one. */
export const tableGroups: FileGroup[] = [files.small, files.empty, files.large, files.noFile];
