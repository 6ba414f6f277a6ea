/** The files of the parity matrix, written with fixed content and a fixed modification time. */
import { chmod, mkdir, utimes, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';

export interface Fixture {
  name: string;
  content: Buffer;
  /** A large file: only a few requests, to keep the suite fast. */
  large?: boolean;
}

const text = (name: string) => Buffer.from(`The content of ${name}.\nSecond line, for ranges.\n`);

export const LARGE_SIZE = 20 * 1024 * 1024;

export const fixtures: Fixture[] = [
  { name: 'plain.txt', content: text('plain.txt') },
  { name: 'with spaces.txt', content: text('with spaces.txt') },
  { name: 'héllo wörld.txt', content: text('héllo wörld.txt') },
  { name: '日本語.pdf', content: Buffer.from('%PDF-1.4\n% 日本語\n%%EOF\n') },
  // "%20" tells apart a proxy that percent-decodes the header from one that reads it raw.
  { name: '100% sure %20.txt', content: text('100% sure %20.txt') },
  { name: 'a+b=c.txt', content: text('a+b=c.txt') },
  { name: 'hash#tag.txt', content: text('hash#tag.txt') },
  { name: 'why?.txt', content: text('why?.txt') },
  { name: 'semi;colon.txt', content: text('semi;colon.txt') },
  { name: `"double" 'single'.txt`, content: text('quotes') },
  { name: 'nested/deeper/file.csv', content: Buffer.from('a,b\n1,2\n3,4\n') },
  { name: 'empty.bin', content: Buffer.alloc(0) },
  { name: 'large.bin', content: largeContent(), large: true },
];

function largeContent(): Buffer {
  const content = Buffer.alloc(LARGE_SIZE);
  for (let index = 0; index < content.length; index++) content[index] = (index * 7 + (index >> 12)) & 0xff;
  return content;
}

// Whole seconds: Last-Modified has no finer grain, so If-Modified-Since and If-Range compare exactly.
const MODIFIED = new Date('2024-03-01T12:00:00Z');

/** Writes every fixture (of `list`, else the parity matrix's) under `folder`, readable by the proxies' worker user. */
export async function writeFixtures(folder: string, list: Fixture[] = fixtures): Promise<void> {
  await chmod(folder, 0o755);
  for (const { name, content } of list) {
    const path = join(folder, name);
    await mkdir(dirname(path), { recursive: true, mode: 0o755 });
    await writeFile(path, content, { mode: 0o644 });
    await utimes(path, MODIFIED, MODIFIED);
  }
}

/** The URL path of a fixture under `prefix`, each segment percent-encoded as a browser would. */
export function urlPath(prefix: string, name: string): string {
  return prefix + name.split('/').map(encodeURIComponent).join('/');
}
