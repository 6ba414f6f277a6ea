import { expect } from 'chai';
import { mkdtemp, readFile, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, normalize, resolve } from 'node:path';
import { bundlerConfig, COMMONJS, ESM, nodeNextConfig, S3 } from './package/consumers.js';
import { consumerApp, link, packFreshCopy, run, type Packed } from './package/tarball.js';

const root = resolve(import.meta.dirname, '..');
const AWS_SDK = ['@aws-sdk/client-s3', '@aws-sdk/s3-request-presigner'];
const AWS_SDK_INSTALL = `npm install ${AWS_SDK.join(' ')}`;
const PUBLIC_API = ['download', 'storageDownload', 'pathDownload', 'virtualDownload', 'httpDownload', 'sendFile', 'StorageFile', 'VirtualFile', 'HTTPFile', 'xSendfile', 'FileSystemStorage', 'MemoryStorage', 'FileNotFoundError', 'InvalidNameError', 'ImproperlyConfiguredError', 'zipDownload', 'ZipArchive', 'signedLinks', 'downloadChannels', 'completedDownloads'];

async function importedModules(entry: string): Promise<string[]> {
  const seen = new Set<string>();
  const bare: string[] = [];
  const visit = async (file: string): Promise<void> => {
    if (seen.has(file)) return;
    seen.add(file);
    const source = await readFile(file, 'utf8');
    for (const [, specifier] of source.matchAll(/(?:^|\n)\s*(?:import|export)[^'"]*from\s+'([^']+)'/g)) {
      // A declaration file names the module ('./x.js') whose declarations are beside it ('./x.d.ts').
      if (specifier!.startsWith('.')) await visit(join(dirname(file), entry.endsWith('.d.ts') ? specifier!.replace(/\.js$/, '.d.ts') : specifier!));
      else bare.push(specifier!);
    }
  };
  await visit(join(root, entry));
  return bare;
}

describe('The built package', function () {
  it('never loads the AWS SDK, nor its types, from the main entry point', async function () {
    const modules = await importedModules('dist/src/index.js');
    expect(modules.filter((m) => m.startsWith('@aws-sdk'))).to.deep.equal([]);
    expect(modules).to.include('mime-types');
    const types = await importedModules('dist/src/index.d.ts');
    expect(types.filter((m) => m.startsWith('@aws-sdk'))).to.deep.equal([]);
    expect(types).to.include('koa');
  });
});

describe('The packed tarball, installed in a new app', function () {
  this.timeout(120_000);
  let work: string;
  let packed: Packed;
  let app: string;
  let installed: string;
  let nodeNextErrors: string[];

  // Runs `node args…` in the app; resolves with what it printed, or rejects with its stderr.
  const node = (...args: string[]) => run(process.execPath, args, { cwd: app }).then(({ stdout }) => stdout.trim());
  // Type-checks (and, for NodeNext, compiles beside them) the app's files with the tsconfig `config`; resolves with the errors.
  const tsc = async (config: string, name: string): Promise<string[]> => {
    await writeFile(join(app, name), config);
    const output = await run(process.execPath, [join(app, 'node_modules/typescript/bin/tsc'), '-p', name], { cwd: app }).then(
      () => '',
      (error: { stdout: string }) => error.stdout,
    );
    // Libraries are checked too (skipLibCheck: false), but the linked tools' own declarations see the
    // project's node_modules layout, not the one npm would give the app: only the app's files and the
    // package's count. (In the project, @types/koa finds content-disposition 2's own types, not
    // @types/content-disposition; npm gives an app koa's content-disposition 1 at the top.)
    return output.split(/\n(?=\S)/).filter((diagnostic) => diagnostic && !diagnostic.startsWith('../'));
  };

  before(async function () {
    work = await mkdtemp(join(tmpdir(), 'kdv-package-'));
    packed = await packFreshCopy(root, work);
    app = await consumerApp(root, work, packed, ['koa', '@koa/router', 'typescript', '@types/node', '@types/koa']);
    installed = join(app, 'node_modules', 'koa-downloadview');
    await writeFile(join(app, 'esm.ts'), ESM);
    await writeFile(join(app, 'commonjs.cts'), COMMONJS);
    await writeFile(join(app, 's3.ts'), S3);
    for (const name of AWS_SDK) await link(root, app, name);
    nodeNextErrors = await tsc(nodeNextConfig(['esm.ts', 'commonjs.cts', 's3.ts']), 'tsconfig.nodenext.json');
  });
  after(() => rm(work, { recursive: true, force: true }));

  it('holds the build of a fresh clone: every entry point, its types and the CLI', function () {
    const targets = Object.values(packed.manifest.exports).flatMap((target) => (typeof target === 'string' ? [target] : Object.values(target)));
    for (const target of [...targets, ...Object.values(packed.manifest.bin ?? {})]) {
      expect(packed.files, target).to.include(normalize(target));
    }
    expect(packed.files.filter((file) => file.startsWith('test/') || file.includes('.test.'))).to.deep.equal([]);
  });

  it('holds the licence its package.json names, and says where the project lives', async function () {
    expect(packed.manifest['license']).to.equal('BSD-3-Clause');
    expect(packed.files).to.include('LICENSE');
    const licence = await readFile(join(installed, 'LICENSE'), 'utf8');
    expect(licence).to.match(/^BSD 3-Clause License\n\nCopyright \(c\) 2026, the koa-downloadview authors\n/);
    expect(licence).to.include('Neither the name of the copyright holder nor the names of its\n   contributors may be used');
    const repository = 'https://github.com/koa-downloadview/koa-downloadview';
    expect(packed.manifest['repository']).to.deep.equal({ type: 'git', url: `git+${repository}.git` });
    expect(packed.manifest['homepage']).to.equal(`${repository}#readme`);
    expect(packed.manifest['bugs']).to.deep.equal({ url: `${repository}/issues` });
  });

  it('holds the source every source map names', async function () {
    const maps = packed.files.filter((file) => file.endsWith('.map'));
    expect(maps.filter((file) => file.endsWith('.d.ts.map'))).to.not.be.empty;
    for (const map of maps) {
      const { sources } = JSON.parse(await readFile(join(installed, map), 'utf8')) as { sources: string[] };
      for (const source of sources) expect(packed.files, `${map} names ${source}`).to.include(join(dirname(map), source));
    }
  });

  it('links from its Markdown only to files it holds, or to absolute URLs', async function () {
    for (const page of packed.files.filter((file) => file.endsWith('.md'))) {
      const text = await readFile(join(installed, page), 'utf8');
      for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
        if (/^[a-z]+:|^#/.test(target!)) continue;
        expect(packed.files, `${page} links to ${target}`).to.include(join(dirname(page), target!.replace(/#.*/, '')));
      }
    }
  });

  it('type-checks every app under strict NodeNext: ES module, CommonJS and S3', function () {
    expect(nodeNextErrors, nodeNextErrors.join('\n')).to.deep.equal([]);
  });

  it('type-checks every app for a bundler (strict, moduleResolution "bundler")', async function () {
    expect(await tsc(bundlerConfig(['esm.ts', 's3.ts']), 'tsconfig.bundler.json')).to.deep.equal([]);
  });

  describe('without the AWS SDK', function () {
    before(() => Promise.all(AWS_SDK.map((name) => unlink(join(app, 'node_modules', name)))));

    it('serves a download from an ES module app, with the public API', async function () {
      expect(await node('esm.js')).to.equal('ok');
      const names = await node('--input-type=module', '-e', "console.log(Object.keys(await import('koa-downloadview')).join())");
      expect(names.split(',')).to.include.members(PUBLIC_API);
    });

    it('serves a download from a CommonJS app that loads the package with await import()', async function () {
      expect(await node('commonjs.cjs')).to.equal('ok');
    });

    it("fails to load 'koa-downloadview/s3' with a sentence that says what to install", async function () {
      const failure = "(error) => console.log(error.message, '|', error.cause?.code)";
      const expected = new RegExp(`${AWS_SDK_INSTALL}.* \\| ERR_MODULE_NOT_FOUND$`);
      expect(await node('--input-type=module', '-e', `await import('koa-downloadview/s3').catch(${failure})`)).to.match(expected);
      expect(await node('--input-type=commonjs', '-e', `import('koa-downloadview/s3').catch(${failure})`)).to.match(expected);
    });
  });

  it("signs URLs from 'koa-downloadview/s3' once the AWS SDK is installed, with the exports of src/s3.ts", async function () {
    expect(await node('s3.js')).to.equal('ok');
  });
});
