import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';

// npm test builds dist/ before mocha runs: these tests prove what a user gets.
const root = resolve(import.meta.dirname, '..');

async function importedModules(entry: string): Promise<string[]> {
  const seen = new Set<string>();
  const bare: string[] = [];
  const visit = async (file: string): Promise<void> => {
    if (seen.has(file)) return;
    seen.add(file);
    const source = await readFile(file, 'utf8');
    for (const [, specifier] of source.matchAll(/(?:^|\n)\s*(?:import|export)[^'"]*from\s+'([^']+)'/g)) {
      if (specifier!.startsWith('.')) await visit(join(dirname(file), specifier!));
      else bare.push(specifier!);
    }
  };
  await visit(join(root, entry));
  return bare;
}

describe('The built package', function () {
  this.timeout(30_000);

  it("is importable by name as 'koa-downloadview', with the public API", async function () {
    const { stdout } = await promisify(execFile)(process.execPath, [
      '--input-type=module',
      '-e',
      "const m = await import('koa-downloadview'); console.log(Object.keys(m).sort().join(','))",
    ], { cwd: root });
    const names = stdout.trim().split(',');
    for (const name of ['download', 'storageDownload', 'pathDownload', 'virtualDownload', 'httpDownload', 'sendFile', 'StorageFile', 'VirtualFile', 'HTTPFile', 'FileSystemStorage', 'MemoryStorage', 'FileNotFoundError', 'InvalidNameError', 'ImproperlyConfiguredError']) {
      expect(names).to.include(name);
    }
  });

  it('never loads the AWS SDK from the main entry point', async function () {
    const modules = await importedModules('dist/src/index.js');
    expect(modules.filter((m) => m.startsWith('@aws-sdk'))).to.deep.equal([]);
    expect(modules).to.include('mime-types');
  });

  it('ships type declarations for every entry point it exports', async function () {
    const pkg = JSON.parse(await readFile(join(root, 'package.json'), 'utf8')) as { exports: Record<string, { types?: string; default?: string } | string> };
    for (const [entry, target] of Object.entries(pkg.exports)) {
      if (typeof target === 'string') continue;
      await readFile(join(root, target.types!), 'utf8').catch(() => expect.fail(`${entry}: ${target.types} missing`));
      await readFile(join(root, target.default!), 'utf8').catch(() => expect.fail(`${entry}: ${target.default} missing`));
    }
  });
});
