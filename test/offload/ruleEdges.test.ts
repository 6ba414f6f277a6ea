import { expect } from 'chai';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ImproperlyConfiguredError } from '../../src/errors.js';
import { compileRules, type Rule } from '../../src/rules.js';
import { VirtualFile } from '../../src/virtualFile.js';

const nginx = (rule: Partial<Rule> = {}) => compileRules({ sourceDir: '/srv/media', destinationUrl: '/protected/', ...rule } as Rule, { backend: 'nginx' })[0]!;

describe('Compiled offload rules', function () {
  it('hands off no path whose rest ends in an empty, . or .. segment', function () {
    const rule = nginx();
    expect(rule.match({ name: 'a', path: '/srv/media/a.txt' } as never)).to.equal('a.txt');
    for (const path of ['/srv/media/a/..', '/srv/media/a/.', '/srv/media/a/', '/srv/media/..']) {
      expect(rule.match({ name: 'a', path } as never), path).to.equal(undefined);
    }
  });

  it('knows no proxy ETag for a file without a path or one that is gone', async function () {
    const folder = await mkdtemp(join(tmpdir(), 'kdv-etags-'));
    try {
      await writeFile(join(folder, 'here.txt'), 'x');
      const rule = compileRules({ sourceDir: folder, destinationUrl: '/p/' }, { backend: 'caddy' })[0]!;
      expect(await rule.proxyEtags!(new VirtualFile({ name: 'v.txt', content: 'x' }))).to.deep.equal([]);
      expect(await rule.proxyEtags!({ name: 'gone.txt', path: join(folder, 'gone.txt') } as never)).to.deep.equal([]);
      expect(await rule.proxyEtags!({ name: 'here.txt', path: join(folder, 'here.txt') } as never)).to.have.length(2);
      // The generated Apache configuration says FileETag None: Apache sends no ETag to compare with.
      const apache = compileRules({ sourceDir: folder, destinationDir: folder, backend: 'apache' })[0]!;
      expect(await apache.proxyEtags!({ name: 'here.txt', path: join(folder, 'here.txt') } as never)).to.deep.equal([]);
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  });

  it("spells lighttpd's ETag as a quoted number that changes with the file", async function () {
    const folder = await mkdtemp(join(tmpdir(), 'kdv-etags-'));
    try {
      const file = { name: 'f.txt', path: join(folder, 'f.txt') } as never;
      const rule = compileRules({ sourceDir: folder, destinationDir: folder, backend: 'lighttpd' })[0]!;
      await writeFile(join(folder, 'f.txt'), 'x');
      const [before] = await rule.proxyEtags!(file);
      await writeFile(join(folder, 'f.txt'), 'xy');
      const after = await rule.proxyEtags!(file);
      expect(before).to.match(/^"\d+"$/);
      expect(after).to.have.length(1);
      expect(after[0]).to.match(/^"\d+"$/).and.not.equal(before);
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  });

  it("moves Content-Disposition to nginx's header, given or by default, and leaves it when told to", function () {
    expect(nginx().dispositionHeader).to.equal('X-Accel-Content-Disposition');
    expect(nginx({ dispositionHeader: 'X-Accel-Content-Disposition' }).dispositionHeader).to.equal('X-Accel-Content-Disposition');
    expect(nginx({ dispositionHeader: 'Content-Disposition' }).dispositionHeader).to.equal(undefined);
    expect(() => nginx({ dispositionHeader: 'X-Other' as never })).to.throw(ImproperlyConfiguredError, /dispositionHeader must be 'X-Accel-Content-Disposition' .*; got "X-Other"\./);
  });

  it('accepts / as destinationUrl, and refuses one that is no string or holds a . or .. segment', function () {
    expect(() => nginx({ destinationUrl: '/' })).to.not.throw();
    for (const destinationUrl of ['/./', '/../', '/a/./', 42]) {
      expect(() => nginx({ destinationUrl: destinationUrl as never }), String(destinationUrl)).to.throw(ImproperlyConfiguredError, /rule 1 \(nginx\): destinationUrl must be a URI path/);
    }
  });

  it('refuses a rule that is null with a sentence, and names the backend an option belongs to', function () {
    expect(() => compileRules([null as never], { backend: 'nginx' })).to.throw(ImproperlyConfiguredError, /^xSendfile rule 1 \(nginx\): a rule is an object such as .*; got null\.$/);
    expect(() => compileRules({ sourceDir: '/srv', destinationDir: '/d', backend: 'lighttpd', limitRate: 1 } as Rule)).to.throw(ImproperlyConfiguredError, /^xSendfile rule 1 \(lighttpd\): limitRate is understood by nginx only, not lighttpd: remove it, or give this rule backend: 'nginx'\.$/);
    expect(() => compileRules({ sourceDir: '/srv', destinationUrl: '/p/' }, { backend: 'nginxx' as never })).to.throw(ImproperlyConfiguredError, /^xSendfile: unknown backend "nginxx"/);
    expect(() => nginx({ limit_rates: 1 } as never)).to.throw(ImproperlyConfiguredError, /unknown option "limit_rates"\. Rule options:/);
    for (const source of [{ sourceDir: 42 }, { sourceDir: undefined, sourceUrl: 42 }]) {
      expect(() => nginx(source as never), JSON.stringify(source)).to.throw(ImproperlyConfiguredError, /must be/);
    }
    // A String object that reads 'nginx' is no backend name: configuration values are plain strings.
    expect(() => compileRules({ sourceDir: '/srv', destinationUrl: '/p/', backend: new String('nginx') as never })).to.throw(ImproperlyConfiguredError, /unknown backend/);
  });
});
