/**
 * The clients users download with (curl, wget, aria2c), through each real
 * proxy and from Koa directly: each must save the same files, under the same
 * names, with the same bytes. An answer that carries no file (404, 412, 416)
 * must not be saved under the file's name, which a copied Content-Disposition
 * made curl -OJ and wget --content-disposition do.
 */
import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findBinary } from '../../src/testing/servers.js';
import { failInCiSkipElsewhere, missingCommands } from '../support/requireProxy.js';
import { fixtures } from './harness/fixtures.js';
import { proxySuite } from './harness/suite.js';

const CLIENTS = { curl: 'curl', wget: 'wget', aria2c: 'aria2' } as const;
type Client = keyof typeof CLIENTS;


interface Outcome {
  code: number;
  /** What curl says it got (-w %{http_code}); undefined for the other clients. */
  status: string | undefined;
  /** The files the client left, by name, with a SHA-256 of each. */
  files: Record<string, string>;
}

/** Runs `client` in `dir` and tells what it left there. */
async function runIn(dir: string, client: Client, args: string[]): Promise<Outcome> {
  const { code, stdout } = await new Promise<{ code: number; stdout: string }>((resolve) => {
    execFile(findBinary(client)!, args, { cwd: dir, timeout: 30_000 }, (error, out) => resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout: out }));
  });
  const files: Record<string, string> = {};
  for (const name of (await readdir(dir)).sort()) files[name] = createHash('sha256').update(await readFile(join(dir, name))).digest('hex').slice(0, 16);
  return { code, status: client === 'curl' ? stdout.trim() || undefined : undefined, files };
}

const large = fixtures.find((fixture) => fixture.large)!;
const plain = fixtures.find((fixture) => fixture.name === 'plain.txt')!;
const sha = (content: Buffer) => createHash('sha256').update(content).digest('hex').slice(0, 16);

interface Scenario {
  title: string;
  client: Client;
  /** The client's arguments for `url` (the path percent-encoded below /direct/ or /files/). */
  args(url: (path: string) => string): string[];
  /** Files in the download folder before the client runs. */
  before?: Record<string, Buffer>;
  /** What the proxied run must also leave, beyond leaving what Koa's run leaves. */
  expect?: (outcome: Outcome) => void;
  /** Error answers: their bodies are each server's own page (lighttpd's is a 403 for a folder or a symlink), so only the names and exit codes are compared. */
  namesOnly?: boolean;
}

const HELLO = 'h%C3%A9llo%20w%C3%B6rld.txt';
const scenarios: Scenario[] = [
  { title: 'curl -OJ saves the file under the name of its Content-Disposition', client: 'curl', args: (url) => ['-s', '-w', '%{http_code}', '-OJ', url(HELLO)], expect: (outcome) => expect(Object.keys(outcome.files)).to.deep.equal(['hello world.txt']) },
  { title: 'wget --content-disposition saves it under its UTF-8 name', client: 'wget', args: (url) => ['-q', '--content-disposition', url(HELLO)], expect: (outcome) => expect(Object.keys(outcome.files)).to.deep.equal(['héllo wörld.txt']) },
  {
    title: 'aria2c -x 8 fetches the 20 MiB file in 8 parallel ranges, with its bytes',
    client: 'aria2c',
    args: (url) => ['-q', '-x', '8', '-s', '8', '-k', '1M', '--allow-overwrite=true', url(large.name)],
    expect: (outcome) => expect(outcome.files).to.deep.equal({ [large.name]: sha(large.content) }),
  },
  {
    title: 'curl -C - resumes a partial download',
    client: 'curl',
    before: { [large.name]: large.content.subarray(0, 5_000_000) },
    args: (url) => ['-s', '-w', '%{http_code}', '-C', '-', '-O', url(large.name)],
    expect: (outcome) => expect(outcome.files).to.deep.equal({ [large.name]: sha(large.content) }),
  },
  {
    title: 'curl -C - leaves a complete download as it is (416 with Content-Range)',
    client: 'curl',
    before: { [plain.name]: plain.content },
    args: (url) => ['-s', '-w', '%{http_code}', '-C', '-', '-O', url(plain.name)],
    expect: (outcome) => expect(outcome).to.deep.include({ code: 0, files: { [plain.name]: sha(plain.content) } }),
  },
  {
    title: 'wget -c resumes a partial download',
    client: 'wget',
    before: { [large.name]: large.content.subarray(0, 5_000_000) },
    args: (url) => ['-q', '-c', url(large.name)],
    expect: (outcome) => expect(outcome.files).to.deep.equal({ [large.name]: sha(large.content) }),
  },
  {
    title: 'wget -c leaves a complete download as it is',
    client: 'wget',
    before: { [plain.name]: plain.content },
    args: (url) => ['-q', '-c', url(plain.name)],
    expect: (outcome) => expect(outcome).to.deep.include({ code: 0, files: { [plain.name]: sha(plain.content) } }),
  },
  { title: 'curl -OJ -r on the 0-byte file gets 416, as from Koa', client: 'curl', args: (url) => ['-s', '-w', '%{http_code}', '-OJ', '-r', '0-99', url('empty.bin')], expect: (outcome) => expect(outcome.status).to.equal('416') },
];

// Answers that carry no file: saved, if at all, under the URL's name, never under the file's.
const NO_FILE: [string, string, string[]][] = [
  ['a missing file (404)', 'm%C3%AEssing%20file.pdf', []],
  ['a folder (404)', 'a%20f%C3%B4lder', []],
  ['a symlink out of the folder (404)', 'l%C3%AEnk%20out.txt', []],
  ['a failed If-Match (412)', HELLO, ['-H', 'If-Match: "nope"']],
  ['a failed If-Unmodified-Since (412)', HELLO, ['-H', 'If-Unmodified-Since: Mon, 01 Jan 2001 00:00:00 GMT']],
  ['a Range past the end (416)', HELLO, ['-H', 'Range: bytes=99999999-']],
];
for (const [what, path, headers] of NO_FILE) {
  scenarios.push({ title: `curl -OJ does not save ${what} under the file's name`, client: 'curl', namesOnly: true, args: (url) => ['-s', '-w', '%{http_code}', '-OJ', ...headers, url(path)] });
  const wgetHeaders = headers.flatMap((header, index) => (header === '-H' ? [] : [`--header=${headers[index]}`]));
  scenarios.push({ title: `wget --content-disposition --content-on-error does not save ${what} under the file's name`, client: 'wget', namesOnly: true, args: (url) => ['-q', '--content-disposition', '--content-on-error', ...wgetHeaders, url(path)] });
}

proxySuite('the clients users have, through the proxy and from Koa', (_proxy, stack) => {
  let work: string;
  before(async function () {
    failInCiSkipElsewhere(this, missingCommands(CLIENTS));
    work = await mkdtemp(join(tmpdir(), 'kdv-clients-'));
    await mkdir(join(stack().media, 'a fôlder'));
    await symlink(join(stack().root, 'secret.txt'), join(stack().media, 'lînk out.txt'));
  });
  after(() => work && rm(work, { recursive: true, force: true }));

  for (const [index, scenario] of scenarios.entries()) {
    it(scenario.title, async function () {
      const run = async (side: string, port: number, prefix: string) => {
        const dir = join(work, `${index}-${side}`);
        await mkdir(dir);
        for (const [name, content] of Object.entries(scenario.before ?? {})) await writeFile(join(dir, name), content);
        return runIn(dir, scenario.client, scenario.args((path) => `http://127.0.0.1:${port}${prefix}${path}`));
      };
      const koa = await run('koa', stack().appPort, '/direct/');
      const proxied = await run('proxy', stack().proxyPort, '/files/');
      const shown = (outcome: Outcome) => (scenario.namesOnly ? { code: outcome.code, names: Object.keys(outcome.files) } : outcome);
      expect(shown(proxied), 'the proxy leaves what Koa leaves').to.deep.equal(shown(koa));
      scenario.expect?.(proxied);
    });
  }
});
