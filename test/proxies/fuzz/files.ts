/**
 * The folder the three servers share: the sizes that matter to ranges (0, 1,
 * 13 bytes, 1 MiB) under names that need escaping in a URL, all servable by
 * the library, nginx and Apache alike.
 */
import type { Fixture } from '../harness/fixtures.js';

const bytes = (size: number, seed: number) => Buffer.from(Array.from({ length: size }, (_, index) => (index * 31 + seed + (index >> 8)) & 0xff));

export const files: Fixture[] = [
  { name: 'empty.bin', content: Buffer.alloc(0) },
  { name: 'one byte.txt', content: Buffer.from('x') },
  { name: 'thirteen.txt', content: Buffer.from('Hello, world!') },
  { name: 'héllo wörld 日本.txt', content: Buffer.from('0123456789abc') },
  { name: `100% "sure" it's.txt`, content: Buffer.from('percent, quotes and an apostrophe\n') },
  { name: 'a+b=c;d#e?f.bin', content: bytes(300, 7) },
  { name: 'nested/dir/日本語.csv', content: Buffer.from('a,b\n1,2\n3,4\n5,6\n7,8\n') },
  { name: 'one MiB.bin', content: bytes(1024 * 1024, 3) },
];
