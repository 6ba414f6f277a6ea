import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { main, packageVersion } from '../../src/cli.js';
import { ImproperlyConfiguredError } from '../../src/errors.js';
import { proxyConfig } from '../../src/proxyConfig.js';
import { EDGE_SECRET } from '../signedLinks/fixtures.js';
import { xSendfile, type Rule } from '../../src/index.js';
import { freePort } from '../proxies/harness/process.js';

const root = resolve(import.meta.dirname, '../..');

async function run(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(args, { out: (line) => out.push(line), err: (line) => err.push(line) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('koa-downloadview CLI', function () {
  let folder: string;
  let rulesFile: string;
  before(async function () {
    folder = await mkdtemp(join(tmpdir(), 'kdv-cli-'));
    rulesFile = join(folder, 'rules.json');
    await writeFile(rulesFile, JSON.stringify([{ sourceDir: folder, destinationUrl: '/_protected/media/' }]));
  });
  after(() => rm(folder, { recursive: true, force: true }));

  it('proxy-config --s3-cache prints what proxyConfig returns with s3Cache: { path }', async function () {
    const s3Rules = join(folder, 's3-rules.json');
    await writeFile(s3Rules, JSON.stringify(S3_RULE));
    const result = await run(['proxy-config', 'nginx', '--rules', s3Rules, '--app', 'http://127.0.0.1:3000', '--s3-cache', '/var/cache/nginx/s3']);
    expect(result).to.deep.equal({ code: 0, out: proxyConfig(S3_RULE, 'nginx', { appUrl: 'http://127.0.0.1:3000', s3Cache: { path: '/var/cache/nginx/s3' } }), err: '' });
    expect(result.out).to.include('proxy_cache_path /var/cache/nginx/s3 ');
  });

  it('proxy-config prints exactly what proxyConfig returns, exit code 0', async function () {
    const result = await run(['proxy-config', 'nginx', '--rules', rulesFile, '--app', 'http://127.0.0.1:3000', '--listen', '8080']);
    expect(result).to.deep.equal({ code: 0, out: proxyConfig({ sourceDir: folder, destinationUrl: '/_protected/media/' }, 'nginx', { appUrl: 'http://127.0.0.1:3000', listen: '8080' }), err: '' });
  });

  it('proxy-config --app unix:PATH puts the app on that Unix socket', async function () {
    const result = await run(['proxy-config', 'nginx', '--rules', rulesFile, '--app', 'unix:/run/koa-app.sock']);
    expect(result).to.deep.equal({ code: 0, out: proxyConfig({ sourceDir: folder, destinationUrl: '/_protected/media/' }, 'nginx', { appUrl: 'unix:/run/koa-app.sock' }), err: '' });
    expect(result.out).to.include('    server unix:/run/koa-app.sock;\n');
  });

  const usageErrors: [string, string[], RegExp][] = [
    ['no command', [], /^No command given\./],
    ['an unknown command', ['serve'], /^Unknown command "serve"\./],
    ['an unknown server', ['proxy-config', 'iis', '--rules', 'x', '--app', 'http://a'], /^proxy-config: unknown backend "iis"; use one of nginx, apache, lighttpd, caddy\./],
    ['a misspelt server', ['proxy-config', 'ngnix', '--rules', 'x', '--app', 'http://a'], /^proxy-config: unknown backend "ngnix"; did you mean nginx\? Use one of nginx, apache, lighttpd, caddy\./],
    ['no server', ['proxy-config', '--rules', 'x', '--app', 'http://a'], /^proxy-config needs a backend: one of nginx, apache, lighttpd, caddy\./],
    ['two servers', ['proxy-config', 'nginx', 'caddy', '--rules', 'x', '--app', 'http://a'], /^proxy-config takes one backend; got "nginx", "caddy"\./],
    ['a misspelt command', ['chek', 'http://a/x'], /^Unknown command "chek"; did you mean check\?/],
    ['no --app', ['proxy-config', 'nginx', '--rules', 'rules.json'], /needs --rules .* and --app/],
    ['an unreadable rules file', ['proxy-config', 'nginx', '--rules', '/nonexistent/rules.json', '--app', 'http://a'], /^Cannot read the rules from \/nonexistent\/rules.json/],
    ['an unknown option', ['check', 'http://a/x', '--md5', 'x'], /Unknown option '--md5'/],
    ['check without a URL', ['check'], /^check needs one URL/],
    ['both --sha256 and --file', ['check', 'http://a/x', '--sha256', 'a'.repeat(64), '--file', 'f'], /^Give --sha256 or --file, not both/],
    ['a malformed --sha256', ['check', 'http://a/x', '--sha256', 'abc'], /^--sha256 takes 64 hexadecimal digits/],
    ['a --file that does not exist', ['check', 'http://127.0.0.1:9/x', '--file', '/nonexistent'], /^--file \/nonexistent cannot be read: ENOENT/],
    ['a --file that is a folder', ['check', 'http://127.0.0.1:9/x', '--file', '/'], /^--file \/ is not a file\./],
  ];
  for (const [what, args, message] of usageErrors) {
    it(`exits 2 with the usage on ${what}`, async function () {
      const result = await run(args);
      expect(result.code).to.equal(2);
      expect(result.err).to.match(message).and.to.include('Usage:');
    });
  }

  const helps: [string, string[], RegExp[]][] = [
    ['the program', ['--help'], [/^Usage:\n  koa-downloadview proxy-config /, /koa-downloadview check /, /--version/, /koa-downloadview <command> --help/]],
    ['proxy-config', ['proxy-config', '--help'], [/^Usage: koa-downloadview proxy-config <nginx\|apache\|lighttpd\|caddy>/, /--rules FILE +.*JSON/, /--app URL +.*origin of the Koa app/, /--listen \[HOST:\]PORT +/, /--server-name NAME +/, /--folder URL=DIR +.*sourceUrl/, /Example:\n  npx koa-downloadview proxy-config nginx --rules rules\.json/]],
    ['proxy-config, after its backend', ['proxy-config', 'nginx', '-h'], [/^Usage: koa-downloadview proxy-config /]],
    ['check', ['check', '--help'], [/^Usage: koa-downloadview check <url>/, /--sha256 HEX +/, /--file PATH +/, /Exit code: 0 .*, 1 .*, 2 /, /Example:\n  npx koa-downloadview check https:\/\//]],
  ];
  for (const [what, args, expected] of helps) {
    it(`prints the help of ${what} on ${args.join(' ')}, exit code 0`, async function () {
      const result = await run(args);
      expect(result).to.include({ code: 0, err: '' });
      for (const pattern of expected) expect(result.out).to.match(pattern);
    });
  }

  it('calls the offload check `check` everywhere in its help, never "healthcheck"', async function () {
    for (const args of [['--help'], ['check', '--help'], ['proxy-config', '--help']]) expect((await run(args)).out).not.to.match(/health/i);
  });

  it('prints the package version on --version', async function () {
    const { version } = JSON.parse(await readFile(join(root, 'package.json'), 'utf8')) as { version: string };
    expect(await run(['--version'])).to.deep.equal({ code: 0, out: version, err: '' });
  });

  it('finds package.json from src/ and from dist/src/ alike', async function () {
    await writeFile(join(folder, 'package.json'), JSON.stringify({ name: 'koa-downloadview', version: '9.8.7' }));
    await mkdir(join(folder, 'dist', 'src'), { recursive: true });
    await writeFile(join(folder, 'dist', 'package.json'), JSON.stringify({ type: 'module' }));
    expect(await packageVersion(pathToFileURL(join(folder, 'src', 'cli.ts')).href)).to.equal('9.8.7');
    expect(await packageVersion(pathToFileURL(join(folder, 'dist', 'src', 'cli.js')).href)).to.equal('9.8.7');
  });

  it('refuses the rules xSendfile refuses, with the same sentence, exit code 2', async function () {
    const cases: [string, Rule[]][] = [
      ['apache', [{ sourceDir: '/srv/media', destinationUrl: '/_protected/media/' }]],
      ['nginx', [{ sourceDir: '/srv/media', destinationUrl: '/_protected/media/', percentEncode: true }]],
      ['lighttpd', [{ sourceDir: '/srv/media', destinationDir: '/srv/media' }, { sourceDir: 'media', destinationDir: '/srv/media' }]],
      ['caddy', [{ sourceDir: '/srv/media', destinationUrl: '/../x/' }]],
    ];
    for (const [backend, rules] of cases) {
      const sentence = (() => {
        try {
          xSendfile(rules, { backend: backend as never });
        } catch (error) {
          return (error as Error).message;
        }
        throw new Error(`xSendfile accepted ${JSON.stringify(rules)}`);
      })();
      await writeFile(join(folder, 'bad.json'), JSON.stringify(rules));
      const result = await run(['proxy-config', backend, '--rules', join(folder, 'bad.json'), '--app', 'http://127.0.0.1:3000']);
      expect(result, backend).to.deep.equal({ code: 2, out: '', err: sentence });
    }
  });

  it('warns on stderr, naming it, about a folder that does not exist, and still prints the configuration, exit code 0', async function () {
    const missing = join(folder, 'no-such-media');
    await writeFile(join(folder, 'missing.json'), JSON.stringify({ sourceDir: missing, destinationDir: missing }));
    const result = await run(['proxy-config', 'apache', '--rules', join(folder, 'missing.json'), '--app', 'http://127.0.0.1:3000']);
    expect(result.code).to.equal(0);
    expect(result.out).to.equal(proxyConfig({ sourceDir: missing, destinationDir: missing }, 'apache', { appUrl: 'http://127.0.0.1:3000' }));
    expect(result.err).to.equal(`Warning: the folder ${missing} does not exist on this machine: apache will not find the files it is handed until it does (ignore this if the configuration is for another machine).`);
    await mkdir(missing);
    expect((await run(['proxy-config', 'apache', '--rules', join(folder, 'missing.json'), '--app', 'http://127.0.0.1:3000'])).err).to.equal('');
  });

  it('names the cause when the server cannot be reached, exit code 1', async function () {
    const port = await freePort();
    const result = await run(['check', `http://127.0.0.1:${port}/x`]);
    expect(result.code).to.equal(1);
    expect(result.err).to.include(`http://127.0.0.1:${port}/x could not be fetched: ECONNREFUSED 127.0.0.1:${port} (nothing listens there).`);
  });

  it('runs as a program: node with tsx, --version', async function () {
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', join(root, 'src', 'cli.ts'), '--version'], { cwd: root });
    const { version } = JSON.parse(await readFile(join(root, 'package.json'), 'utf8')) as { version: string };
    expect(stdout).to.equal(`${version}\n`);
  });

  it('exits 2 with the configuration error, without the usage, on an --app that is not an http origin', async function () {
    const result = await run(['proxy-config', 'nginx', '--rules', rulesFile, '--app', 'ftp://127.0.0.1']);
    expect(result.code).to.equal(2);
    expect(result.err).to.match(/^appUrl must be the http:\/\/ origin of the Koa app/).and.not.to.include('Usage:');
  });
});

const S3_RULE = { backend: 'nginx' as const, storage: 's3' as const, endpoint: 'http://127.0.0.1:9000', destinationUrl: '/_s3/' };

describe('proxyConfig validation', function () {
  const app = { appUrl: 'http://127.0.0.1:3000' };
  const cases: [string, () => string, RegExp][] = [
    ['a relative sourceDir', () => proxyConfig({ sourceDir: 'media', destinationUrl: '/p/' }, 'nginx', app), /^xSendfile rule 1 \(nginx\): sourceDir must be an absolute folder/],
    ['nginx without destinationUrl', () => proxyConfig({ sourceDir: '/srv/media', destinationDir: '/srv/media' }, 'nginx', app), /^xSendfile rule 1 \(nginx\): nginx serves files from an internal location: replace destinationDir with destinationUrl/],
    ['apache with destinationUrl', () => proxyConfig({ sourceDir: '/srv/media', destinationUrl: '/p/' }, 'apache', app), /^xSendfile rule 1 \(apache\): apache opens files by path: replace destinationUrl with destinationDir/],
    ['an unknown backend', () => proxyConfig({ sourceDir: '/srv/media', destinationUrl: '/p/' }, 'ngnix' as never, app), /^proxyConfig: unknown backend "ngnix"; use one of 'nginx', 'apache', 'lighttpd', 'caddy'\./],
    ['a URL rule without its folder', () => proxyConfig({ sourceUrl: '/media/', destinationUrl: '/p/' }, 'caddy', app), /cannot know which folder \/p\/ serves/],
    ['no rule for this server', () => proxyConfig({ backend: 'apache', sourceDir: '/srv/media', destinationDir: '/srv/media' }, 'nginx', app), /No rule is for nginx/],
    ['an app URL with a path', () => proxyConfig({ sourceDir: '/srv/media', destinationUrl: '/p/' }, 'nginx', { appUrl: 'http://127.0.0.1:3000/app' }), /appUrl must be the http:\/\/ origin/],
    ['a Unix socket that names a folder', () => proxyConfig({ sourceDir: '/srv/media', destinationUrl: '/p/' }, 'nginx', { appUrl: 'unix:/run/app/' }), /^appUrl "unix:…" must be .* \(a file: no trailing "\/"\)/],
    ['a Unix socket path with a space', () => proxyConfig({ sourceDir: '/srv/media', destinationUrl: '/p/' }, 'caddy', { appUrl: 'unix:/run/my app.sock' }), /^appUrl "unix:…" must be .* without spaces, quotes/],
    ["a Unix socket path with Apache's separator", () => proxyConfig({ sourceDir: '/srv/media', destinationDir: '/srv/media' }, 'apache', { appUrl: 'unix:/run/a|b.sock' }), /without spaces, quotes, ';', '\{', '\}', '\$', '\|', '#' or backslashes/],
    ['a malformed listen', () => proxyConfig({ sourceDir: '/srv/media', destinationUrl: '/p/' }, 'nginx', { ...app, listen: 'localhost' }), /listen must be "PORT" or "HOST:PORT"/],
    ['s3Cache for Caddy', () => proxyConfig({ ...S3_RULE, backend: 'caddy' }, 'caddy', { ...app, s3Cache: { path: '/var/cache/s3' } }), /^s3Cache: only nginx can keep S3 objects on its disk; Caddy has no cache built in/],
    ['s3Cache without an S3 rule', () => proxyConfig({ sourceDir: '/srv/media', destinationUrl: '/p/' }, 'nginx', { ...app, s3Cache: { path: '/var/cache/s3' } }), /^s3Cache: it keeps the objects of S3 rules/],
    ['an s3Cache path that is relative', () => proxyConfig(S3_RULE, 'nginx', { ...app, s3Cache: { path: 'cache' } }), /^s3Cache: path must be an absolute folder/],
    ['an s3Cache validity that is not whole seconds', () => proxyConfig(S3_RULE, 'nginx', { ...app, s3Cache: { path: '/var/cache/s3', valid: 0.5 } }), /^s3Cache: valid must be a positive whole number \(seconds\), e\.g\. 600; got 0\.5\./],
    ['an unknown s3Cache option', () => proxyConfig(S3_RULE, 'nginx', { ...app, s3Cache: { path: '/var/cache/s3', size: 5 } as never }), /^s3Cache: unknown option "size"/],
  ];
  for (const [what, build, message] of cases) {
    it(`throws ImproperlyConfiguredError on ${what}`, function () {
      expect(build).to.throw(ImproperlyConfiguredError, message);
    });
  }

  it('keeps only the rules for the server it generates', function () {
    const rules = [
      { backend: 'apache' as const, sourceDir: '/srv/a', destinationDir: '/srv/a' },
      { sourceDir: '/srv/b', destinationUrl: '/_b/' },
    ];
    const config = proxyConfig(rules, 'nginx', app);
    expect(config).to.include('alias "/srv/b/";').and.not.to.include('/srv/a');
  });
});

// Signed links checked by nginx alone (docs/signed-links.md).
describe('koa-downloadview proxy-config: edge links', function () {
  let folder: string;
  let rules: string;
  let secretFile: string;
  const base = () => ['proxy-config', 'nginx', '--rules', rules, '--app', 'http://127.0.0.1:3000'];
  before(async function () {
    folder = await mkdtemp(join(tmpdir(), 'kdv-edge-cli-'));
    rules = join(folder, 'rules.json');
    secretFile = join(folder, 'edge-secret');
    await writeFile(rules, JSON.stringify({ sourceDir: folder, destinationUrl: '/_protected/' }));
    await writeFile(secretFile, `${EDGE_SECRET}\n`);
  });
  after(() => rm(folder, { recursive: true, force: true }));

  it('prints what proxyConfig returns with edgeLinks, the secret read from its file', async function () {
    const result = await run([...base(), '--edge-link', `/signed/=${folder}`, '--edge-secret-file', secretFile]);
    const expected = proxyConfig({ sourceDir: folder, destinationUrl: '/_protected/' }, 'nginx', { appUrl: 'http://127.0.0.1:3000', edgeLinks: { secret: EDGE_SECRET, folders: { '/signed/': folder } } });
    expect(result).to.deep.equal({ code: 0, out: expected, err: '' });
  });

  it('warns about an edge folder missing on this machine', async function () {
    const result = await run([...base(), '--edge-link', '/signed/=/nowhere/at/all', '--edge-secret-file', secretFile]);
    expect(result.code).to.equal(0);
    expect(result.err).to.match(/^Warning: the folder \/nowhere\/at\/all does not exist/);
  });

  const errors: [string, string[], RegExp][] = [
    ['a location without its secret', ['--edge-link', '/signed/=/srv'], /--edge-link and --edge-secret-file go together/],
    ['a secret without a location', ['--edge-secret-file', '/dev/null'], /go together/],
    ['a location without its folder', ['--edge-link', '/signed/', '--edge-secret-file', '/dev/null'], /--edge-link takes URL=DIR, e\.g\. --edge-link \/signed\/=\/srv\/media/],
    ['a secret file that cannot be read', ['--edge-link', '/signed/=/srv', '--edge-secret-file', '/nowhere/secret'], /Cannot read the edge secret from \/nowhere\/secret/],
    ['a short secret', ['--edge-link', '/signed/=/srv', '--edge-secret-file', '/dev/null'], /edge secret is 0 bytes long/],
  ];
  for (const [what, args, sentence] of errors) {
    it(`exits 2 on ${what}, saying what to fix`, async function () {
      const result = await run([...base(), ...args]);
      expect(result.code).to.equal(2);
      expect(result.err).to.match(sentence);
      expect(result.err).not.to.include(EDGE_SECRET);
    });
  }

  it('says so for a proxy without secure_link', async function () {
    const result = await run(['proxy-config', 'caddy', '--rules', rules, '--app', 'http://127.0.0.1:3000', '--folder', `/_protected/=${folder}`, '--edge-link', `/signed/=${folder}`, '--edge-secret-file', secretFile]);
    expect(result.code).to.equal(2);
    expect(result.err).to.match(/secure_link module; caddy has none/);
  });

  it('documents the flags in proxy-config --help', async function () {
    const { out } = await run(['proxy-config', '--help']);
    expect(out).to.include('--edge-link URL=DIR').and.include('--edge-secret-file FILE');
  });
});
