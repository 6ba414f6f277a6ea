import { expect } from 'chai';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { main } from '../../src/cli.js';
import { healthcheck } from '../../src/healthcheck.js';
import { fixtures } from './harness/fixtures.js';
import type { ProxyName } from './harness/servers.js';
import { handOffHeader } from './harness/stack.js';
import { proxySuite } from './harness/suite.js';

const plain = fixtures.find((fixture) => fixture.name === 'héllo wörld.txt')!;
const PATH = '/files/h%C3%A9llo%20w%C3%B6rld.txt';

proxySuite('healthcheck against the generated configuration', (proxy, stack) => {
  it('passes: the proxy serves the right bytes and leaks no header', async function () {
    const result = await healthcheck(`http://127.0.0.1:${stack().proxyPort}${PATH}`, { sha256: createHash('sha256').update(plain.content).digest('hex') });
    expect(result.problems).to.deep.equal([]);
    expect(result).to.include({ ok: true, status: 200, bytes: plain.content.length });
    expect(result.sentences[0]).to.match(/^Offload works: .* answered 200 with the expected bytes, sent by the proxy: the app did not stream it/);
  });

  it('passes from the command line with --file, exit code 0', async function () {
    const lines: string[] = [];
    const code = await main(['check', `http://127.0.0.1:${stack().proxyPort}${PATH}`, '--file', join(stack().media, plain.name)], { out: (line) => lines.push(line), err: (line) => lines.push(line) });
    expect({ code, lines }).to.deep.include({ code: 0 });
    expect(lines.join('\n')).to.match(/Offload works/);
  });

  it('fails when the bytes differ from the expected file, exit code 1', async function () {
    const errors: string[] = [];
    const code = await main(['check', `http://127.0.0.1:${stack().proxyPort}${PATH}`, '--sha256', '0'.repeat(64)], { out: () => undefined, err: (line) => errors.push(line) });
    expect(code).to.equal(1);
    expect(errors[0]).to.match(/^The body differs from the expected file: SHA-256 [0-9a-f]{64} \(\d+ bytes\), expected 0{64}/);
  });

  // The three ways Node ends up sending the file while check used to say "Offload works".
  const streamedBy = async (url: string) => {
    const lines: string[] = [];
    const code = await main(['check', url, '--file', join(stack().media, plain.name)], { out: (line) => lines.push(`out: ${line}`), err: (line) => lines.push(`err: ${line}`) });
    return { code, lines };
  };
  const NODE_SENT = /^err: Node sent the file, not the proxy: the answer carries X-Downloadview: streamed/;

  it('fails on a route without xSendfile, through the proxy or with no proxy at all: Node sent the bytes, exit code 1', async function () {
    for (const url of [`http://127.0.0.1:${stack().proxyPort}/direct/${PATH.slice('/files/'.length)}`, `http://127.0.0.1:${stack().appPort}/direct/${PATH.slice('/files/'.length)}`]) {
      const { code, lines } = await streamedBy(url);
      expect(code, url).to.equal(1);
      expect(lines[0], url).to.match(NODE_SENT);
      expect(lines.at(-1), url).to.match(/^err: Offload does not work for /);
    }
  });

  it('fails when a typo in sourceDir leaves every file to Node, exit code 1', async function () {
    const { code, lines } = await streamedBy(`http://127.0.0.1:${stack().proxyPort}/typo/${PATH.slice('/files/'.length)}`);
    expect({ code, first: lines[0] }).to.deep.include({ code: 1 });
    expect(lines[0]).to.match(NODE_SENT);
    expect(lines[0]).to.include('a sourceDir or sourceUrl that is not the storage\'s folder or baseUrl');
  });

  if (proxy === 'caddy') {
    it("fails for a name with '?', which Caddy cannot be handed and Node streams, exit code 1", async function () {
      const question = fixtures.find((fixture) => fixture.name === 'why?.txt')!;
      const lines: string[] = [];
      const code = await main(['check', `http://127.0.0.1:${stack().proxyPort}/files/why%3F.txt`, '--file', join(stack().media, question.name)], { out: (line) => lines.push(`out: ${line}`), err: (line) => lines.push(`err: ${line}`) });
      expect(code).to.equal(1);
      expect(lines[0]).to.match(NODE_SENT);
      expect(lines[0]).to.include('(Caddy: one with "?")');
    });
  }

  it('fails for a generated file or a ZIP, which Node always streams, and says so, exit code 1', async function () {
    for (const path of ['/generated.txt', '/generated.zip']) {
      const lines: string[] = [];
      const code = await main(['check', `http://127.0.0.1:${stack().proxyPort}${path}`], { out: (line) => lines.push(`out: ${line}`), err: (line) => lines.push(`err: ${line}`) });
      expect(code, path).to.equal(1);
      expect(lines[0], path).to.match(NODE_SENT);
      expect(lines[0], path).to.include('or the file is one no proxy can be handed (generated content');
    }
  });

  it('fails against the app itself, which no proxy intercepts: the hand-off header leaked, and only that is said', async function () {
    const result = await healthcheck(`http://127.0.0.1:${stack().appPort}${PATH}`);
    expect(result.ok).to.equal(false);
    expect(result.leakedHeaders).to.include(handOffHeader(proxy).toLowerCase());
    expect(result.problems[0]).to.match(/^The response carries .*x-(sendfile|accel-redirect): .*, so the proxy did not intercept/);
    // The answer's empty body is the app's, not a hand-off the proxy dropped.
    expect(result.problems).to.have.length(1);
  });
});

/** Deliberately broken deployments, and what the healthcheck must say about each. */
const broken: Record<ProxyName, { change: string; breakConfig: (config: string) => string; expect: RegExp }> = {
  nginx: { change: 'the alias points at the wrong folder', breakConfig: (config) => config.replace(/alias "([^"]*)\/";/, 'alias "$1-wrong/";'), expect: /^The answer is 404: / },
  apache: { change: 'XSendFile is off', breakConfig: (config) => config.replace('XSendFile On', 'XSendFile Off'), expect: /^The response carries x-sendfile: .*did not intercept/ },
  // lighttpd drops the header even when x-sendfile is disabled: the client gets an empty 200.
  lighttpd: { change: 'x-sendfile is disabled', breakConfig: (config) => config.replace('"x-sendfile" => "enable"', '"x-sendfile" => "disable"'), expect: /^The proxy answered with an empty body/ },
  caddy: { change: 'the root points at the wrong folder', breakConfig: (config) => config.replace(/root \* "([^"]*)"/, 'root * "$1-wrong"'), expect: /^The answer is 404: / },
};

for (const [proxy, breakage] of Object.entries(broken) as [ProxyName, (typeof broken)[ProxyName]][]) {
  proxySuite(
    `healthcheck against a broken configuration (${breakage.change})`,
    (name, stack) => {
      if (name !== proxy) return;
      it(`fails and says why, exit code 1`, async function () {
        expect(stack().config).not.to.equal(breakage.breakConfig(''), 'the breakage changed nothing');
        const errors: string[] = [];
        const code = await main(['check', `http://127.0.0.1:${stack().proxyPort}${PATH}`], { out: () => undefined, err: (line) => errors.push(line) });
        expect(code).to.equal(1);
        expect(errors[0]).to.match(breakage.expect);
        expect(errors.at(-1)).to.match(/^Offload does not work for /);
      });
    },
    { breakConfig: breakage.breakConfig },
  );
}

proxySuite(
  'healthcheck behind a hand-written nginx location without the add_header line',
  (proxy, stack) => {
    if (proxy !== 'nginx') return;
    it('fails: the download arrives without Content-Disposition, and the sentence says which line to add, exit code 1', async function () {
      const errors: string[] = [];
      const code = await main(['check', `http://127.0.0.1:${stack().proxyPort}${PATH}`, '--file', join(stack().media, plain.name)], { out: () => undefined, err: (line) => errors.push(line) });
      expect(code).to.equal(1);
      expect(errors[0]).to.match(/^The answer has no Content-Disposition: .*add_header Content-Disposition \$upstream_http_x_accel_content_disposition;.*dispositionHeader: 'Content-Disposition'/);
    });
  },
  { breakConfig: (config) => config.replace(/\n *add_header Content-Disposition [^\n]*/, '') },
);
