/**
 * The README's examples are one app. snippets.test.ts type-checks each ```ts
 * block; this test runs them all together, in the README's order, as a user
 * who copies them one after the other would, and so runs the README's own
 * requests (its "Testing your routes" block) against the app the other
 * blocks built.
 *
 * What the test adds, and nothing more: the imports of every block are merged
 * at the top; the names the prose leaves to the reader (`request`, `reports`,
 * `rows`, `invoicePath`) come from a module of its own; the folders under
 * /srv/ live in a temporary folder; `app.listen()` takes a free port of
 * 127.0.0.1; and the module exports `app` and `emailed`, for the test of the
 * error listener.
 */
import { expect } from 'chai';
import Koa from 'koa';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { mkdir, mkdtemp, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import type { Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { proxyConfig } from '../../src/index.js';
import { settles } from '../support/settles.js';

const root = resolve(import.meta.dirname, '../..');
const work = join(root, 'test', '.snippets', 'readme');

const IMPORT = /^import\s+(type\s+)?(\w+)?\s*,?\s*(?:\{([^}]*)\})?\s*from\s+'([^']+)';[^\n]*\n/gm;

/** One module: the blocks' imports, each local name once, then the blocks' code in order. */
function assemble(blocks: string[], srv: string): string {
  const imported = new Set<string>();
  const imports: string[] = [];
  const take = (binding: string) => {
    const local = binding.split(/\s+/).pop()!;
    return imported.has(local) ? false : imported.add(local);
  };
  const bodies = blocks.map((block) =>
    block.replace(IMPORT, (_, type = '', defaultName?: string, named?: string, from?: string) => {
      const names = (named ?? '').split(',').map((name) => name.trim()).filter((name) => name && take(name));
      const first = defaultName && take(defaultName) ? defaultName : '';
      if (first || names.length) imports.push(`import ${type}${[first, names.length ? `{ ${names.join(', ')} }` : ''].filter(Boolean).join(', ')} from '${from}';`);
      return '';
    }),
  );
  expect(bodies.join('\n'), 'an import the test cannot read').to.not.match(/^import /m);
  const code = bodies.map((body, index) => `// README.md, block ${index + 1}\n${body}`).join('\n');
  return `${imports.join('\n')}\nimport { request, reports, rows, invoicePath } from './reader.js';\n\n${code.replace(/(['"`])\/srv\//g, `$1${srv}/`)}\nexport { app, emailed };\n`;
}

const READER = (srv: string) => `
import { FileSystemStorage } from 'koa-downloadview';
export { default as request } from 'supertest';
export const reports = new FileSystemStorage({ location: '${srv}/reports' });
export async function* rows() { yield 'id,total\\n'; yield '1,12.50\\n'; }
export async function invoicePath(id: string | undefined) { return \`invoices/\${id}.pdf\`; }
`;

describe('The README', function () {
  this.timeout(60_000);
  const listen = Koa.prototype.listen;
  const servers: Server[] = [];
  let srv: string;
  let readmeApp: { app: Koa; emailed: string } | undefined;

  before(async function () {
    srv = join(await mkdtemp(join(tmpdir(), 'kdv-readme-')), 'srv');
    for (const folder of ['media', 'reports', 'exports']) await mkdir(join(srv, folder), { recursive: true });
    for (const file of ['terms.pdf', 'a.pdf']) await writeFile(join(srv, 'media', file), '%PDF-1.4\n%%EOF\n');
    Koa.prototype.listen = function (this: Koa) {
      const server = (listen as (this: Koa, port: number, host: string) => Server).call(this, 0, '127.0.0.1');
      servers.push(server);
      return server;
    } as typeof listen;
  });

  after(async function () {
    Koa.prototype.listen = listen;
    for (const server of servers) server.close();
    await rm(work, { recursive: true, force: true });
    await rm(resolve(srv, '..'), { recursive: true, force: true });
  });

  it('runs as one app, every ts block in order, and its own requests pass', async function () {
    const readme = await readFile(join(root, 'README.md'), 'utf8');
    const blocks = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map(([, code]) => code!);
    expect(blocks.length).to.be.greaterThan(4);
    await mkdir(work, { recursive: true });
    await writeFile(join(work, 'reader.ts'), READER(srv));
    await writeFile(join(work, 'app.ts'), assemble(blocks, srv));
    readmeApp = await import(join(work, 'app.ts'));
    expect(servers, 'the app listens').to.have.length(1);
  });

  it("has an error listener that prints the app's errors, but neither a client that left nor a refused request", async function () {
    expect(readmeApp, 'the README app, built by the test before').to.not.equal(undefined);
    const { app, emailed } = readmeApp!;
    // Behind no rule of the README's xSendfile: the app streams it, and a client can leave mid-way.
    const q4 = join(srv, 'reports', '2024', 'Q4.pdf');
    await mkdir(join(q4, '..'), { recursive: true });
    await writeFile(q4, '');
    await truncate(q4, 64 * 1024 * 1024);
    const { port } = servers[0]!.address() as AddressInfo;
    const printed: unknown[] = [];
    const emitted: unknown[] = [];
    const aborts: unknown[] = [];
    const countAbort = (message: unknown) => aborts.push(message);
    const countError = (error: unknown) => emitted.push(error);
    const consoleError = console.error;
    console.error = (...args: unknown[]) => printed.push(args[0]);
    subscribe('koa-downloadview:download:abort', countAbort);
    app.on('error', countError);
    try {
      for (let client = 0; client < 3; client++) {
        await new Promise<void>((done, fail) => {
          const socket = connect(port, '127.0.0.1', () => socket.write(`GET ${emailed} HTTP/1.1\r\nHost: localhost\r\n\r\n`));
          socket.once('data', () => socket.resetAndDestroy());
          socket.once('close', () => done());
          socket.once('error', fail);
        });
      }
      // An error meant for the client (expose): Koa emits it too.
      const unsigned = await fetch(`http://127.0.0.1:${port}${new URL(emailed, 'http://x').pathname}`);
      expect(unsigned.status).to.equal(403);
      await settles(() => aborts.length >= 3 && emitted.length >= 4, 2_000);
      expect(aborts, 'three downloads aborted').to.have.length(3);
      expect(emitted.length, 'Koa emits each abort and the 403 on app.on("error")').to.be.at.least(4);
      expect(printed, 'printed for the aborts and the 403').to.deep.equal([]);
      const failure = new Error('The disk is gone.');
      app.emit('error', failure);
      expect(printed).to.have.length(1);
      expect(printed[0]).to.include('Error: The disk is gone.');
    } finally {
      console.error = consoleError;
      app.off('error', countError);
      unsubscribe('koa-downloadview:download:abort', countAbort);
    }
  });

  it('quotes the nginx location that proxy-config generates for its rules, comments left out', async function () {
    const readme = await readFile(join(root, 'README.md'), 'utf8');
    const [, rules, app, listen] = /echo '([^']*)' > rules\.json\nnpx koa-downloadview proxy-config nginx --rules rules\.json --app (\S+) --listen (\S+)\n/.exec(readme) ?? [];
    const [, quoted] = /```nginx\n([\s\S]*?)```/.exec(readme) ?? [];
    expect(rules && quoted, 'the rules.json command and the nginx block').to.be.a('string');
    const generated = proxyConfig(JSON.parse(rules!), 'nginx', { appUrl: app!, listen: listen! });
    const location = /^( *)location \^~ [\s\S]*?^\1\}\n/m.exec(generated)![0];
    const uncommented = location.split('\n').filter((line) => !line.trim().startsWith('#'));
    const indent = /^ */.exec(location)![0].length;
    expect(quoted).to.equal(uncommented.map((line) => line.slice(indent)).join('\n'));
  });
});
