/**
 * What a user gets from the registry: the working tree's files copied as a
 * fresh clone would have them (no dist/, no node_modules of its own), packed
 * with `npm pack`, and unpacked into a new app in a temporary folder.
 *
 * The app's node_modules holds the unpacked package and links to the
 * project's own copies of exactly its declared dependencies and of what the
 * consumer brings (koa, @koa/router, typescript, @types/node, @types/koa):
 * no registry, no network, and a dependency the tarball forgot to declare is
 * missing there as it would be for a user. Linked packages find their own
 * dependencies from where they really are; nothing in the app can see the
 * AWS SDK until `link` puts it there.
 */
import { execFile } from 'node:child_process';
import { cp, mkdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';

export const run = promisify(execFile);

export interface Packed {
  tarball: string;
  /** The paths inside the tarball, relative to the package root. */
  files: string[];
  manifest: {
    dependencies?: Record<string, string>;
    peerDependencies?: Record<string, string>;
    exports: Record<string, string | Record<string, string>>;
    bin?: Record<string, string>;
    [field: string]: unknown;
  };
}

/** Copies the files git tracks (or would track) into `work/clone` and packs them there. */
export async function packFreshCopy(root: string, work: string): Promise<Packed> {
  const clone = join(work, 'clone');
  const { stdout: listed } = await run('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: root, maxBuffer: 16 << 20 });
  for (const file of listed.split('\0').filter(Boolean)) {
    await cp(join(root, file), join(clone, file), { dereference: false }).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'ENOENT') throw error; // deleted in the working tree, not yet in the index
    });
  }
  await symlink(join(root, 'node_modules'), join(clone, 'node_modules'), 'dir');
  const { stdout } = await run('npm', ['pack', '--json', '--pack-destination', work, '--loglevel=error'], { cwd: clone, maxBuffer: 16 << 20 });
  // Scripts that npm pack runs (the build) may print before the report.
  const [report] = JSON.parse(stdout.slice(stdout.indexOf('[\n'))) as { filename: string; files: { path: string }[] }[];
  const manifest = JSON.parse(await readFile(join(clone, 'package.json'), 'utf8')) as Packed['manifest'];
  return { tarball: join(work, report!.filename), files: report!.files.map((f) => f.path), manifest };
}

/** Links the project's copy of `name` into `app`'s node_modules. */
export async function link(root: string, app: string, name: string): Promise<void> {
  const target = join(app, 'node_modules', name);
  await mkdir(dirname(target), { recursive: true });
  await symlink(join(root, 'node_modules', name), target, 'dir');
}

/** A new app in `work/app`, with the tarball unpacked into its node_modules and `tools` linked beside it. */
export async function consumerApp(root: string, work: string, packed: Packed, tools: string[]): Promise<string> {
  const app = join(work, 'app');
  const installed = join(app, 'node_modules', 'koa-downloadview');
  await mkdir(installed, { recursive: true });
  await run('tar', ['-xzf', packed.tarball, '-C', installed, '--strip-components=1']);
  const needed = new Set([...Object.keys(packed.manifest.dependencies ?? {}), ...tools]);
  for (const name of needed) await link(root, app, name);
  await writeFile(join(app, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
  return app;
}
