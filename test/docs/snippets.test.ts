/**
 * Docs that match the code: every ```ts block of README.md and docs/*.md is
 * type-checked against the built package (npm test builds it first), as a
 * user would import it.
 */
import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { proxyConfig } from '../../src/index.js';

const root = resolve(import.meta.dirname, '../..');
const work = join(root, 'test', '.snippets');

// A snippet may lean on the imports and names of the snippets before it, as
// prose does: the library's exports and the reader's own names are global here.
const LIBRARY = ['download', 'storageDownload', 'pathDownload', 'virtualDownload', 'httpDownload', 'sendFile', 'xSendfile', 'StorageFile', 'VirtualFile', 'HTTPFile', 'FileSystemStorage', 'MemoryStorage', 'proxyConfig', 'healthcheck'];
const AMBIENT = `
import type Koa from 'koa';
import type Router from '@koa/router';
import type { Readable } from 'node:stream';
declare global {
${LIBRARY.map((name) => `  var ${name}: typeof import('koa-downloadview').${name};`).join('\n')}
  var signedUrlRedirect: typeof import('koa-downloadview/s3').signedUrlRedirect;
  var app: Koa;
  var router: Router;
  var request: typeof import('supertest').default;
  var storage: import('koa-downloadview/s3').S3Storage;
  var reports: import('koa-downloadview').Storage;
  var stream: Readable;
  var Invoice: { findByPk(id: string | undefined): Promise<{ file: string } | null> };
  function rows(): AsyncIterable<string>;
  function invoicePath(id: string | undefined): Promise<string>;
}
export {};
`;

async function snippets(): Promise<{ source: string; code: string }[]> {
  const files = ['README.md', ...(await readdir(join(root, 'docs'))).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];
  const found: { source: string; code: string }[] = [];
  for (const file of files) {
    const text = await readFile(join(root, file), 'utf8');
    let index = 0;
    for (const [, code] of text.matchAll(/```ts\n([\s\S]*?)```/g)) found.push({ source: `${file.replace(/[/.]/g, '_')}_${++index}`, code: code! });
  }
  return found;
}

describe('Code in README.md and docs/', function () {
  it('quotes, in each proxy guide, exactly the configuration proxyConfig prints for its rules', async function () {
    for (const proxy of ['nginx', 'apache', 'lighttpd', 'caddy'] as const) {
      const guide = await readFile(join(root, 'docs', `${proxy}.md`), 'utf8');
      const [, rules] = /holding `(\{[^`]*\})`/.exec(guide) ?? [];
      const [, command] = /```sh\n(npx koa-downloadview proxy-config [^\n]*)\n```/.exec(guide) ?? [];
      const [, printed] = /\nprints[^\n]*:\n\n```[a-z]*\n([\s\S]*?)```/.exec(guide) ?? [];
      expect(rules && command && printed, `${proxy}.md: rules, command and printed configuration`).to.be.a('string');
      const option = (name: string) => new RegExp(`--${name} (\\S+)`).exec(command!)?.[1];
      const expected = proxyConfig(JSON.parse(rules!), proxy, { appUrl: option('app')!, ...(option('listen') && { listen: option('listen')! }) });
      expect(printed, `docs/${proxy}.md`).to.equal(expected);
    }
  });


  this.timeout(120_000);
  after(() => rm(work, { recursive: true, force: true }));

  it('type-checks against the built package', async function () {
    await rm(work, { recursive: true, force: true });
    await mkdir(work, { recursive: true });
    const blocks = await snippets();
    expect(blocks.length).to.be.greaterThan(5);
    await writeFile(join(work, 'ambient.d.ts'), AMBIENT);
    // Top-level await and imports make each block a module of its own.
    for (const block of blocks) await writeFile(join(work, `${block.source}.ts`), `${block.code}\nexport {};\n`);
    await writeFile(
      join(work, 'tsconfig.json'),
      JSON.stringify({ extends: '../../tsconfig.json', compilerOptions: { noUnusedLocals: false, noUnusedParameters: false, rootDir: '.' }, include: ['*.ts'] }),
    );
    const tsc = join(root, 'node_modules', '.bin', 'tsc');
    const result = await promisify(execFile)(tsc, ['--noEmit', '-p', work], { cwd: root }).then(
      () => '',
      (error: { stdout: string }) => error.stdout,
    );
    expect(result, result).to.equal('');
  });
});
