import { expect } from 'chai';
import { ImproperlyConfiguredError } from '../../src/errors.js';
import type { Rule, XSendfileOptions } from '../../src/rules.js';
import { xSendfile } from '../../src/xSendfile.js';

const nginxRule = { sourceDir: '/srv/media', destinationUrl: '/protected/' };
const apacheRule = { sourceDir: '/srv/media', destinationDir: '/var/media', backend: 'apache' } as const;

// [what is wrong, rules, options, words the message must contain (it says how to fix it)]
const CASES: [string, unknown, XSendfileOptions | undefined, RegExp][] = [
  ['no rule at all', [], undefined, /needs at least one rule, e\.g\. xSendfile\(\{ sourceDir/],
  ['undefined rules', undefined, undefined, /needs at least one rule/],
  ['a rule that is not an object', ['/srv/media'], { backend: 'nginx' }, /rule 1 \(nginx\): a rule is an object such as/],
  ['no backend anywhere', nginxRule, undefined, /rule 1: no backend: set backend on the rule or pass xSendfile\(rules, \{ backend \}\), one of 'nginx', 'apache', 'lighttpd', 'caddy'/],
  ['an unknown default backend', nginxRule, { backend: 'ngnix' as never }, /unknown backend "ngnix"; use one of 'nginx', 'apache', 'lighttpd', 'caddy'/],
  ['an unknown rule backend', { ...nginxRule, backend: 'iis' }, { backend: 'nginx' }, /rule 1: unknown backend "iis"; use one of/],
  ['django snake_case option names', { source_dir: '/srv/media', destinationUrl: '/p/' }, { backend: 'nginx' }, /unknown option "source_dir"; did you mean sourceDir\?/],
  ["django's with_buffering", { ...nginxRule, with_buffering: false }, { backend: 'nginx' }, /unknown option "with_buffering"; did you mean buffering\?/],
  ['an unknown option', { ...nginxRule, limit: 5 }, { backend: 'nginx' }, /unknown option "limit"\. Rule options: backend, sourceDir/],
  ['neither sourceDir nor sourceUrl', { destinationUrl: '/p/' }, { backend: 'nginx' }, /it matches nothing: give sourceDir .* or sourceUrl/],
  ['both sourceDir and sourceUrl', { ...nginxRule, sourceUrl: '/media/' }, { backend: 'nginx' }, /both sourceDir and sourceUrl: keep one, or write two rules/],
  ['a relative sourceDir', { sourceDir: 'media', destinationUrl: '/p/' }, { backend: 'nginx' }, /sourceDir must be an absolute folder .* path\.resolve\('media'\) rather than 'media'; got "media"/],
  ['a sourceDir with a newline', { sourceDir: '/srv/me\ndia', destinationUrl: '/p/' }, { backend: 'nginx' }, /sourceDir must be an absolute folder without control characters/],
  ['a sourceUrl with a query', { sourceUrl: '/media/?x=1', destinationUrl: '/p/' }, { backend: 'nginx' }, /sourceUrl must be the URL prefix .* without query or fragment/],
  ['an empty sourceUrl', { sourceUrl: '', destinationUrl: '/p/' }, { backend: 'nginx' }, /sourceUrl must be the URL prefix/],
  ['nginx without destinationUrl', { sourceDir: '/srv/media' }, { backend: 'nginx' }, /rule 1 \(nginx\): no destinationUrl: set it to where nginx serves files from an internal location, e\.g\. destinationUrl: '\/protected\/'/],
  ['apache without destinationDir', { sourceDir: '/srv/media' }, { backend: 'apache' }, /rule 1 \(apache\): no destinationDir: .* e\.g\. destinationDir: '\/srv\/media\/'/],
  ['destinationDir given to nginx', { sourceDir: '/srv/media', destinationDir: '/var/media' }, { backend: 'nginx' }, /nginx serves files from an internal location: replace destinationDir with destinationUrl/],
  ['destinationDir given to caddy', { sourceDir: '/srv/media', destinationDir: '/var/media' }, { backend: 'caddy' }, /\(caddy\): caddy serves files from an internal location: replace destinationDir with destinationUrl/],
  ['destinationUrl given to apache', { sourceDir: '/srv/media', destinationUrl: '/p/' }, { backend: 'apache' }, /apache opens files by path: replace destinationUrl with destinationDir/],
  ['destinationUrl given to lighttpd', { sourceDir: '/srv/media', destinationUrl: '/p/' }, { backend: 'lighttpd' }, /lighttpd opens files by path: replace destinationUrl with destinationDir/],
  ['both destinations', { ...nginxRule, destinationDir: '/var/media' }, { backend: 'nginx' }, /remove destinationDir; it uses destinationUrl only/],
  ['a relative destinationUrl', { sourceDir: '/srv/media', destinationUrl: 'protected/' }, { backend: 'nginx' }, /destinationUrl must be a URI path starting with '\/'/],
  ['an unencoded destinationUrl', { sourceDir: '/srv/media', destinationUrl: '/pro tected/' }, { backend: 'nginx' }, /destinationUrl must be a URI path .* percent-encoded/],
  ['a destinationUrl with ..', { sourceDir: '/srv/media', destinationUrl: '/a/../b/' }, { backend: 'nginx' }, /without '\.\.'/],
  ['a relative destinationDir', { sourceDir: '/srv/media', destinationDir: 'var/media' }, { backend: 'apache' }, /destinationDir must be an absolute folder/],
  ['nginx options given to apache', { ...apacheRule, expires: 60 }, undefined, /expires is understood by nginx only, not apache: remove it, or give this rule backend: 'nginx'/],
  ['nginx options given to caddy', { ...nginxRule, buffering: false }, { backend: 'caddy' }, /buffering is understood by nginx only, not caddy/],
  ['an apache option given to nginx', { ...nginxRule, percentEncode: true }, { backend: 'nginx' }, /percentEncode is understood by apache only, not nginx/],
  ['dispositionHeader given to caddy', { ...nginxRule, dispositionHeader: 'Content-Disposition' }, { backend: 'caddy' }, /dispositionHeader is understood by nginx only, not caddy/],
  ['an unknown dispositionHeader', { ...nginxRule, dispositionHeader: 'X-Filename' as never }, { backend: 'nginx' }, /dispositionHeader must be 'X-Accel-Content-Disposition' \(the default: .*\) or 'Content-Disposition' \(for a hand-written configuration .*\); got "X-Filename"\./],
  ['a negative expires', { ...nginxRule, expires: -1 }, { backend: 'nginx' }, /expires must be whole seconds \(0 or more\), a Date after 1970, or false \(off\); got -1/],
  ['a fractional expires', { ...nginxRule, expires: 1.5 }, { backend: 'nginx' }, /expires must be whole seconds/],
  ['an invalid Date expires', { ...nginxRule, expires: new Date('nope') }, { backend: 'nginx' }, /expires must be .* got Invalid Date/],
  ['expires: true', { ...nginxRule, expires: true }, { backend: 'nginx' }, /expires must be whole seconds .* got true/],
  ['a negative limitRate', { ...nginxRule, limitRate: -100 }, { backend: 'nginx' }, /limitRate must be a whole number of bytes per second \(0 = no limit\) or false; got -100/],
  ['limitRate: true', { ...nginxRule, limitRate: true }, { backend: 'nginx' }, /limitRate must be .* got true/],
  ['buffering: "no"', { ...nginxRule, buffering: 'no' }, { backend: 'nginx' }, /buffering must be true or false \(X-Accel-Buffering: yes \/ no\); got "no"/],
  ['percentEncode: "yes"', { ...apacheRule, percentEncode: 'yes' }, undefined, /percentEncode must be true or false; got "yes"/],
  ['the second rule broken', [nginxRule, { sourceDir: '/srv/other' }], { backend: 'nginx' }, /^xSendfile rule 2 \(nginx\): no destinationUrl/],
];

describe('xSendfile validation when the middleware is built', function () {
  for (const [problem, rules, options, message] of CASES) {
    it(`refuses ${problem}`, function () {
      expect(() => xSendfile(rules as Rule[], options))
        .to.throw(ImproperlyConfiguredError)
        .with.property('message')
        .that.matches(message);
    });
  }

  it('accepts every backend with its own destination and options', function () {
    expect(() =>
      xSendfile([
        { ...nginxRule, backend: 'nginx', expires: new Date(0), buffering: true, limitRate: 0 },
        { ...nginxRule, backend: 'caddy' },
        { ...apacheRule, percentEncode: false },
        { sourceUrl: 'https://cdn.example/media', destinationDir: '/var/media', backend: 'lighttpd' },
      ]),
    ).not.to.throw();
  });
});
