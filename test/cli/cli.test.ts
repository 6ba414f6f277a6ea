import { expect } from 'chai';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../src/cli.js';
import { ImproperlyConfiguredError } from '../../src/errors.js';
import { proxyConfig } from '../../src/proxyConfig.js';

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
    await writeFile(rulesFile, JSON.stringify([{ sourceDir: '/srv/media', destinationUrl: '/_protected/media/' }]));
  });
  after(() => rm(folder, { recursive: true, force: true }));

  it('proxy-config prints exactly what proxyConfig returns, exit code 0', async function () {
    const result = await run(['proxy-config', 'nginx', '--rules', rulesFile, '--app', 'http://127.0.0.1:3000', '--listen', '8080']);
    expect(result).to.deep.equal({ code: 0, out: proxyConfig({ sourceDir: '/srv/media', destinationUrl: '/_protected/media/' }, 'nginx', { appUrl: 'http://127.0.0.1:3000', listen: '8080' }), err: '' });
  });

  const usageErrors: [string, string[], RegExp][] = [
    ['no command', [], /^No command given\./],
    ['an unknown command', ['serve'], /^Unknown command "serve"\./],
    ['an unknown server', ['proxy-config', 'iis', '--rules', 'x', '--app', 'http://a'], /proxy-config needs one server: nginx, apache, lighttpd, caddy/],
    ['no --app', ['proxy-config', 'nginx', '--rules', 'rules.json'], /needs --rules .* and --app/],
    ['an unreadable rules file', ['proxy-config', 'nginx', '--rules', '/nonexistent/rules.json', '--app', 'http://a'], /^Cannot read the rules from \/nonexistent\/rules.json/],
    ['an unknown option', ['check', 'http://a/x', '--md5', 'x'], /Unknown option '--md5'/],
    ['check without a URL', ['check'], /^check needs one URL/],
    ['both --sha256 and --file', ['check', 'http://a/x', '--sha256', 'a'.repeat(64), '--file', 'f'], /^Give --sha256 or --file, not both/],
    ['a malformed --sha256', ['check', 'http://a/x', '--sha256', 'abc'], /^--sha256 takes 64 hexadecimal digits/],
  ];
  for (const [what, args, message] of usageErrors) {
    it(`exits 2 with the usage on ${what}`, async function () {
      const result = await run(args);
      expect(result.code).to.equal(2);
      expect(result.err).to.match(message).and.to.include('Usage:');
    });
  }

  it('exits 2 with the configuration error, without the usage, on an --app that is not an http origin', async function () {
    const result = await run(['proxy-config', 'apache', '--rules', rulesFile, '--app', 'ftp://127.0.0.1']);
    expect(result.code).to.equal(2);
    expect(result.err).to.match(/^appUrl must be the http:\/\/ origin of the Koa app/).and.not.to.include('Usage:');
  });
});

describe('proxyConfig validation', function () {
  const app = { appUrl: 'http://127.0.0.1:3000' };
  const cases: [string, () => string, RegExp][] = [
    ['a relative sourceDir', () => proxyConfig({ sourceDir: 'media', destinationUrl: '/p/' }, 'nginx', app), /absolute sourceDir/],
    ['nginx without destinationUrl', () => proxyConfig({ sourceDir: '/srv/media', destinationDir: '/srv/media' }, 'nginx', app), /give the rule for \/srv\/media a destinationUrl/],
    ['no rule for this server', () => proxyConfig({ backend: 'apache', sourceDir: '/srv/media', destinationDir: '/srv/media' }, 'nginx', app), /No rule is for nginx/],
    ['an app URL with a path', () => proxyConfig({ sourceDir: '/srv/media', destinationUrl: '/p/' }, 'nginx', { appUrl: 'http://127.0.0.1:3000/app' }), /appUrl must be the http:\/\/ origin/],
    ['a malformed listen', () => proxyConfig({ sourceDir: '/srv/media', destinationUrl: '/p/' }, 'nginx', { ...app, listen: 'localhost' }), /listen must be "PORT" or "HOST:PORT"/],
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
