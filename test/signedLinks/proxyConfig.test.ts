/** proxyConfig's edgeLinks option: the nginx locations of edge mode, and the settings it refuses at start-up. */
import { expect } from 'chai';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { ImproperlyConfiguredError } from '../../src/errors.js';
import { proxyConfig } from '../../src/proxyConfig.js';
import type { EdgeLinksOptions } from '../../src/signedLinks/nginxLocation.js';
import { EDGE_SECRET } from './fixtures.js';

const RULE = { sourceDir: '/srv/media', destinationUrl: '/_protected/media/' };
const config = (edgeLinks: EdgeLinksOptions, backend: 'nginx' | 'caddy' = 'nginx') => proxyConfig(RULE, backend, { appUrl: 'http://127.0.0.1:3000', edgeLinks });

describe('proxyConfig edgeLinks', function () {
  it('adds, for nginx, a public secure_link location per folder, over the string the signer signs', function () {
    const text = config({ secret: EDGE_SECRET, folders: { '/signed/': '/srv/media/', '/shared/': '/srv/shared' } });
    expect(text).to.include('location ^~ "/signed/" {\n        secure_link $arg_md5,$arg_expires;');
    expect(text).to.include(`secure_link_md5 "$secure_link_expires $kdv_link_disposition $kdv_link_ip $uri ${EDGE_SECRET}";`);
    expect(text).to.include('alias "/srv/media/";');
    expect(text).to.include('location ^~ "/shared/" {');
    // The edge locations' maps; the rule's internal location has one of its own (its Content-Disposition).
    expect(text.match(/^map .*\$kdv_link_\w+ \{$/gm)).to.have.length(3);
    expect(text.match(/location = \/_koa_downloadview\/link-/g)).to.have.length(2);
  });

  it('is quoted in docs/signed-links.md as generated, comments left out and the secret a placeholder', async function () {
    const guide = await readFile(resolve(import.meta.dirname, '../../docs/signed-links.md'), 'utf8');
    const [, quoted] = /```nginx\n([\s\S]*?)```/.exec(guide) ?? [];
    const generated = config({ secret: EDGE_SECRET, folders: { '/signed/': '/srv/media' } }).replace(EDGE_SECRET, '<edge secret>');
    const location = /^ {4}location \^~ "\/signed\/" \{\n[\s\S]*?^ {4}\}\n/m.exec(generated)![0];
    expect(quoted).to.equal(location.split('\n').filter((line) => !line.trim().startsWith('#')).join('\n'));
  });

  it('leaves the configuration as it was without edgeLinks', function () {
    expect(proxyConfig(RULE, 'nginx', { appUrl: 'http://127.0.0.1:3000' })).not.to.include('secure_link');
  });

  const bad: [string, EdgeLinksOptions, RegExp][] = [
    ['a short secret', { secret: 'short', folders: { '/signed/': '/srv' } }, /at least 32/],
    ['a secret nginx would read as a variable', { secret: `${EDGE_SECRET}$uri`, folders: { '/signed/': '/srv' } }, /goes into nginx's configuration/],
    ['no folder', { secret: EDGE_SECRET, folders: {} }, /at least one folder/],
    ['a URL without its slashes', { secret: EDGE_SECRET, folders: { signed: '/srv' } }, /path prefix such as "\/signed\/"/],
    ['the whole site', { secret: EDGE_SECRET, folders: { '/': '/srv' } }, /path prefix/],
    ['a relative folder', { secret: EDGE_SECRET, folders: { '/signed/': 'media' } }, /absolute path/],
    ["a rule's internal location", { secret: EDGE_SECRET, folders: { '/_protected/media/': '/srv/media' } }, /overlaps the internal location \/_protected\/media\//],
    ['a location around an internal one', { secret: EDGE_SECRET, folders: { '/_protected/': '/srv' } }, /overlaps/],
    ['a location inside an internal one', { secret: EDGE_SECRET, folders: { '/_protected/media/signed/': '/srv' } }, /overlaps/],
  ];
  for (const [what, edgeLinks, sentence] of bad) {
    it(`refuses ${what}`, function () {
      expect(() => config(edgeLinks)).to.throw(ImproperlyConfiguredError, sentence);
    });
  }

  it('refuses edgeLinks for a proxy without secure_link', function () {
    expect(() => config({ secret: EDGE_SECRET, folders: { '/signed/': '/srv' } }, 'caddy')).to.throw(ImproperlyConfiguredError, /nginx's secure_link module; caddy has none/);
  });
});
