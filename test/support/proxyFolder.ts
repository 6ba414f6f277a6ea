import { chmod, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A new folder, named `prefix` and random letters, under `parent` (the
 * system's temporary folder by default) that the proxies' worker users
 * (www-data) can enter: mkdtemp makes folders private.
 */
export async function proxyFolder(prefix: string, parent = tmpdir()): Promise<string> {
  const folder = await mkdtemp(join(parent, prefix));
  await chmod(folder, 0o755);
  return folder;
}
