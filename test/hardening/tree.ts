/**
 * A folder tree built to be attacked: a root whose files say INSIDE, and
 * next to it secrets that must never be served: a file in the parent, a
 * sibling folder sharing the root's prefix, and symlinks (to a file, and to
 * a parent folder) leading out of the root.
 */
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const INSIDE = 'INSIDE';
export const SECRET = 'SECRET';

export interface AttackTree {
  top: string;
  root: string;
  /** `${root}-sibling`: starts with the root's path, is not inside it. */
  sibling: string;
  cleanup: () => Promise<void>;
}

export async function attackTree(): Promise<AttackTree> {
  const top = await mkdtemp(join(tmpdir(), 'kdv-hardening-'));
  const root = join(top, 'root');
  const sibling = `${root}-sibling`;
  await mkdir(join(root, 'sub'), { recursive: true });
  await mkdir(sibling);
  await writeFile(join(root, 'a.txt'), INSIDE);
  await writeFile(join(root, 'sub', 'b.txt'), INSIDE);
  await writeFile(join(top, 'secret.txt'), SECRET);
  await writeFile(join(sibling, 'secret.txt'), SECRET);
  await symlink(join(top, 'secret.txt'), join(root, 'link.txt'));
  await symlink(top, join(root, 'parent'));
  await symlink(sibling, join(root, 'sub', 'sibling'));
  return { top, root, sibling, cleanup: () => rm(top, { recursive: true, force: true }) };
}

/**
 * Traversal attempts as they appear in a request path, below a route's
 * prefix (`/files/<attack>`). Each aims at a SECRET file.
 */
export const TRAVERSALS = [
  // Plain, encoded and double-encoded dots and slashes.
  '../secret.txt',
  '..%2fsecret.txt',
  '..%2Fsecret.txt',
  '%2e%2e/secret.txt',
  '%2E%2E%2Fsecret.txt',
  '.%2e/secret.txt',
  '%252e%252e%252fsecret.txt',
  '..%252fsecret.txt',
  'sub/..%2f..%2fsecret.txt',
  'sub/%2e%2e/%2e%2e/secret.txt',
  '..%2froot-sibling/secret.txt',
  // Backslashes, raw and encoded.
  '..%5csecret.txt',
  '..%5c..%5csecret.txt',
  'sub%5c..%5c..%5csecret.txt',
  // Absolute paths.
  '%2fetc%2fpasswd',
  '%2F..%2Fsecret.txt',
  'C:%5cWindows%5cwin.ini',
  'C:/Windows/win.ini',
  // NUL and other control characters.
  'a.txt%00.jpg',
  '..%00/secret.txt',
  'a%0d%0aSet-Cookie:%20x=1',
  // Overlong and invalid UTF-8 for `.` and `/`.
  '%c0%ae%c0%ae/secret.txt',
  '%c0%2e%c0%2e%c0%afsecret.txt',
  '%e0%80%ae%e0%80%ae/secret.txt',
  '..%c0%afsecret.txt',
  '..%c1%9csecret.txt',
  '%ff%fe/secret.txt',
  '%ed%a0%80.txt',
  // Unicode look-alikes and normalisation tricks (fullwidth dots, one-dot leader, fullwidth solidus).
  '%ef%bc%8e%ef%bc%8e/secret.txt',
  '%e2%80%a4%e2%80%a4/secret.txt',
  '..%ef%bc%8fsecret.txt',
  '%ef%b9%92%ef%b9%92/secret.txt',
  // IIS-style %u escapes.
  '%u002e%u002e/secret.txt',
  // Very long names.
  `${'a'.repeat(300)}.txt`,
  `${'a/'.repeat(600)}a.txt`,
  `${'../'.repeat(50)}secret.txt`,
  // Symlinks out of the root: to a file, through a linked parent, through a linked sibling.
  'link.txt',
  'parent/secret.txt',
  'parent/root-sibling/secret.txt',
  'sub/sibling/secret.txt',
  // Empty and dot segments.
  'sub//b.txt',
  './a.txt',
  'sub/./b.txt',
];
