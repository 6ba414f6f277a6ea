import { expect } from 'chai';
import { ImproperlyConfiguredError } from '../../src/errors.js';
import { SignedLinkError } from '../../src/signedLinks/refusal.js';
import { signedLinks } from '../../src/signedLinks/signedLinks.js';
import { EDGE_SECRET, NOW, OLD_SECRET, SECRET, param, signer, withParam } from './fixtures.js';

/** The refusal `check` throws for `link`. */
function refusal(fn: () => unknown): SignedLinkError {
  try {
    fn();
  } catch (error) {
    expect(error).to.be.instanceOf(SignedLinkError);
    return error as SignedLinkError;
  }
  throw new Error('the link was accepted');
}

describe('signedLinks: configuration', function () {
  const bad: [string, unknown, RegExp][] = [
    ['no keys', [], /at least one key/],
    ['keys not a list', undefined, /at least one key/],
    ['a short secret', [{ id: 'a', secret: 'short-secret' }], /12 bytes long: it needs at least 32/],
    ['a secret of one repeated character', [{ id: 'a', secret: 'x'.repeat(40) }], /repeats a few characters/],
    ['a secret that is no string', [{ id: 'a', secret: 42 }], /must be a string or bytes/],
    ['two keys with one id', [{ id: 'a', secret: SECRET }, { id: 'a', secret: OLD_SECRET }], /two keys have the id "a"/],
    ['an id with a space', [{ id: 'key 1', secret: SECRET }], /the id must be 1 to 64 letters/],
    ['an empty id', [{ id: '', secret: SECRET }], /the id must be/],
  ];
  for (const [what, keys, sentence] of bad) {
    it(`refuses ${what} at start-up, saying what to fix`, function () {
      expect(() => signedLinks({ keys: keys as never })).to.throw(ImproperlyConfiguredError, sentence);
    });
  }

  it('accepts secrets as bytes', function () {
    const links = signedLinks({ keys: [{ id: 'bytes', secret: Buffer.from(SECRET) }], now: () => NOW });
    expect(links.check(links.url('/a.txt')).key).to.equal('bytes');
  });

  it('refuses an edge secret nginx could not read, a short one, or one equal to an HMAC secret', function () {
    const keys = [{ id: 'a', secret: SECRET }];
    expect(() => signedLinks({ keys, edge: { secret: `${EDGE_SECRET}$uri` } })).to.throw(ImproperlyConfiguredError, /goes into nginx's configuration/);
    expect(() => signedLinks({ keys, edge: { secret: 'short' } })).to.throw(ImproperlyConfiguredError, /at least 32/);
    expect(() => signedLinks({ keys, edge: { secret: SECRET } })).to.throw(ImproperlyConfiguredError, /must differ from every HMAC key/);
  });

  it('takes an edge secret read from a file with its newline as the secret itself, as the CLI does', function () {
    const keys = [{ id: 'a', secret: SECRET }];
    const fromFile = signedLinks({ keys, edge: { secret: `${EDGE_SECRET}\n` }, now: () => NOW });
    const bare = signedLinks({ keys, edge: { secret: EDGE_SECRET }, now: () => NOW });
    const link = fromFile.url('/signed/a.txt', { edge: true, expiresIn: 60 });
    expect(link).to.equal(bare.url('/signed/a.txt', { edge: true, expiresIn: 60 }));
    expect(bare.check(link).path).to.equal('/signed/a.txt');
  });

  it('refuses expiresIn, clockSkew and baseUrl that cannot work', function () {
    const keys = [{ id: 'a', secret: SECRET }];
    expect(() => signedLinks({ keys, expiresIn: 0 })).to.throw(ImproperlyConfiguredError, /expiresIn is in whole seconds/);
    expect(() => signedLinks({ keys, clockSkew: -1 })).to.throw(ImproperlyConfiguredError, /clockSkew/);
    expect(() => signedLinks({ keys, baseUrl: 'files.example.com' })).to.throw(ImproperlyConfiguredError, /baseUrl must be an http\(s\) origin/);
  });

  it('names no secret in any sentence', function () {
    const short = SECRET.slice(0, 20);
    for (const options of [{ keys: [{ id: 'a', secret: short }] }, { keys: [{ id: 'a', secret: SECRET }], edge: { secret: short } }, { keys: [{ id: 'a', secret: SECRET }], edge: { secret: `${EDGE_SECRET}$` } }]) {
      expect(() => signedLinks(options)).to.throw(ImproperlyConfiguredError).that.satisfies((error: Error) => !error.message.includes(short) && !error.message.includes(EDGE_SECRET));
    }
  });
});

describe('signedLinks: url()', function () {
  it('writes the path percent-encoded, the grant in the clear, then the key and a 43-character base64url signature', function () {
    const link = signer().url('/media/état 2024.pdf', { expiresIn: 600, attachment: false, basename: 'Q1 (final).pdf' });
    expect(link).to.match(/^\/media\/%C3%A9tat%202024\.pdf\?expires=1767226200&disposition=inline&filename=Q1%20%28final%29\.pdf&key=current&signature=[A-Za-z0-9_-]{43}$/);
  });

  it('says only that a link is bound to an address, not which one', function () {
    const link = signer().url('/a.txt', { ip: '203.0.113.7' });
    expect(link).to.include('&ip=1&').and.not.include('203.0.113');
  });

  it('expires after the signer\'s expiresIn by default, or at the given Date', function () {
    expect(param(signer({ expiresIn: 90 }).url('/a.txt'), 'expires')).to.equal(String(NOW / 1000 + 90));
    expect(param(signer().url('/a.txt', { expires: new Date(NOW + 5000) }), 'expires')).to.equal(String(NOW / 1000 + 5));
  });

  it('puts baseUrl in front, for links that leave the site', function () {
    expect(signer({ baseUrl: 'https://files.example.com/' }).url('/a.txt')).to.match(/^https:\/\/files\.example\.com\/a\.txt\?expires=/);
  });

  it('refuses a path it cannot sign once for every spelling, and expiries in the past', function () {
    const links = signer();
    for (const path of ['media/a.txt', '/a//b.txt', '/a/../b.txt', '/a/./b.txt', '/a\\b.txt', '/a\nb.txt', '/\ud800.txt']) {
      expect(() => links.url(path), path).to.throw(TypeError);
    }
    expect(() => links.url('/a.txt', { expiresIn: 0 })).to.throw(RangeError);
    expect(() => links.url('/a.txt', { expires: new Date(NOW - 1000) })).to.throw(RangeError);
    expect(() => links.url('/a.txt', { basename: 'a/b.txt' })).to.throw(TypeError, /basename/);
    expect(() => links.url('/a.txt', { ip: 'localhost' })).to.throw(TypeError, /ip must be/);
  });

  it('makes edge links only with an edge secret, and without a basename', function () {
    expect(() => signer().url('/a.txt', { edge: true })).to.throw(ImproperlyConfiguredError, /no edge secret/);
    expect(() => signer({ edge: { secret: EDGE_SECRET } }).url('/a.txt', { edge: true, basename: 'b.txt' })).to.throw(TypeError, /cannot carry a basename/);
    const link = signer({ edge: { secret: EDGE_SECRET } }).url('/signed/a b.txt', { edge: true, attachment: false, expiresIn: 60 });
    expect(link).to.match(/^\/signed\/a%20b\.txt\?expires=1767225660&disposition=inline&md5=[A-Za-z0-9_-]{22}$/);
  });
});

describe('signedLinks: check()', function () {
  const clock = { now: NOW };
  const links = signer({ keys: [{ id: 'current', secret: SECRET }] }, clock);
  afterEach(() => (clock.now = NOW));

  it('grants what a valid link says', function () {
    const grant = links.check(links.url('/media/report.pdf', { expiresIn: 60, attachment: true, basename: 'Rapport.pdf' }));
    expect(grant).to.deep.equal({ path: '/media/report.pdf', expires: new Date(NOW + 60_000), attachment: true, basename: 'Rapport.pdf', boundToIp: false, key: 'current' });
  });

  it('leaves disposition and name to the route when the link does not set them', function () {
    const grant = links.check(links.url('/media/report.pdf'));
    expect(grant.attachment).to.equal(undefined);
    expect(grant.basename).to.equal(undefined);
  });

  it('answers 410 once the link has expired and the clock skew allowance is spent, not before', function () {
    const link = links.url('/a.txt', { expiresIn: 60 });
    clock.now = NOW + 60_000 + 30_000;
    expect(links.check(link).path).to.equal('/a.txt');
    clock.now += 1000;
    const error = refusal(() => links.check(link));
    expect([error.status, error.message]).to.deep.equal([410, 'This download link has expired.']);
  });

  it('answers 403 to a link changed in any signed field, each time', function () {
    const link = links.url('/media/report.pdf', { expiresIn: 60, attachment: true, basename: 'Rapport.pdf', ip: '192.0.2.1' });
    const ip = { ip: '192.0.2.1' };
    expect(links.check(link, ip).path).to.equal('/media/report.pdf');
    const changed = [
      link.replace('/media/report.pdf', '/media/secret.pdf'),
      withParam(link, 'expires', String(NOW / 1000 + 3600)),
      withParam(link, 'disposition', 'inline'),
      withParam(link, 'disposition', undefined),
      withParam(link, 'filename', 'invoice.exe'),
      withParam(link, 'filename', undefined),
      withParam(link, 'ip', undefined),
    ];
    for (const tampered of changed) {
      const error = refusal(() => links.check(tampered, ip));
      expect(error.status, tampered).to.equal(403);
      expect(error.reason, tampered).to.match(/^tampered/);
    }
    const signature = param(link, 'signature')!;
    const flipped = signature.slice(0, -1) + (signature.endsWith('A') ? 'B' : 'A');
    expect(refusal(() => links.check(withParam(link, 'signature', flipped), ip)).reason).to.equal('tampered-or-address');
  });

  it('checks the signature before the expiry: a forged expired link is a 403, not a 410', function () {
    const link = links.url('/a.txt', { expiresIn: 60 });
    clock.now = NOW + 3600_000;
    expect(refusal(() => links.check(withParam(link, 'filename', 'x.exe'))).status).to.equal(403);
  });

  it('answers 403 to a link signed with a key it does not hold, and to one whose key id was changed', function () {
    const other = signedLinks({ keys: [{ id: 'current', secret: OLD_SECRET }], now: () => NOW });
    expect(refusal(() => links.check(other.url('/a.txt'))).reason).to.equal('tampered');
    const stranger = signedLinks({ keys: [{ id: 'stranger', secret: SECRET }], now: () => NOW });
    const error = refusal(() => links.check(stranger.url('/a.txt')));
    expect([error.status, error.message]).to.deep.equal([403, 'This download link was signed with a key that is no longer accepted.']);
  });

  it('keeps the links of an old key valid after a rotation, until the old key is removed', function () {
    const before = signedLinks({ keys: [{ id: '2025', secret: OLD_SECRET }], now: () => NOW });
    const oldLink = before.url('/a.txt');
    const rotated = signedLinks({ keys: [{ id: '2026', secret: SECRET }, { id: '2025', secret: OLD_SECRET }], now: () => NOW });
    expect(rotated.check(oldLink).key).to.equal('2025');
    expect(param(rotated.url('/a.txt'), 'key')).to.equal('2026');
    expect(rotated.check(rotated.url('/a.txt')).key).to.equal('2026');
    const removed = signedLinks({ keys: [{ id: '2026', secret: SECRET }], now: () => NOW });
    expect(refusal(() => removed.check(oldLink)).reason).to.equal('unknown-key');
  });

  it('binds a link to an address: another one is refused, IPv4-mapped IPv6 and long IPv6 spellings are the same address', function () {
    const link = links.url('/a.txt', { ip: '::ffff:192.0.2.1' });
    expect(links.check(link, { ip: '192.0.2.1' }).boundToIp).to.equal(true);
    expect(links.check(link, { ip: '::ffff:192.0.2.1' }).path).to.equal('/a.txt');
    expect(refusal(() => links.check(link, { ip: '192.0.2.2' })).reason).to.equal('tampered-or-address');
    expect(refusal(() => links.check(link)).status).to.equal(403);
    const v6 = links.url('/a.txt', { ip: '2001:DB8:0:0:0:0:0:1' });
    expect(links.check(v6, { ip: '2001:db8::1' }).path).to.equal('/a.txt');
  });

  it('reads Unicode and awkward names however the link was re-encoded on the way', function () {
    const name = '/media/rapports/Été 2024 #1 + 50% ~ (copie) 日本語 😀.txt';
    const link = links.url(name, { basename: 'Résumé + notes (1).txt' });
    const [path, query] = link.split('?');
    const spellings = [
      link,
      `${lowerEscapes(path!)}?${query}`,
      // Escapes a proxy may undo or add: `+` and `~` need none, `(` may have one.
      `${path!.replace('%2B', '+').replace('~', '%7E').replace('(', '%28').replace('%C3%89', '%c3%89')}?${query}`,
      `${path}?${query!.replace(/%20/g, '+')}`,
      `${path}?${lowerEscapes(query!)}`,
      `https://cdn.example.com${link}`,
      `${link}&utm_source=newsletter&utm_medium=email`,
    ];
    for (const spelling of spellings) {
      const grant = links.check(spelling);
      expect(grant.path, spelling).to.equal(name);
      expect(grant.basename, spelling).to.equal('Résumé + notes (1).txt');
    }
  });

  it('answers 403 and says why to links that are not signed or cannot be read', function () {
    const link = links.url('/a.txt');
    const cases: [string, RegExp][] = [
      ['/a.txt', /^This download link is not signed\.$/],
      [withParam(link, 'expires', 'soon'), /malformed: its expiry is not a time in whole seconds/],
      [withParam(link, 'expires', undefined), /malformed: it has no expiry/],
      [withParam(link, 'key', undefined), /malformed: it names no key/],
      [withParam(link, 'signature', 'abc'), /malformed: its signature is not 43 base64url characters/],
      [withParam(link, 'disposition', 'download'), /malformed: its disposition/],
      [`${link}&expires=1`, /malformed: the parameter "expires" appears more than once/],
      [link.replace('/a.txt', '/a%E9.txt'), /malformed: its path is not valid percent-encoding/],
      [`${link}&md5=AAAAAAAAAAAAAAAAAAAAAA`, /checked by the web server/],
    ];
    for (const [bad, sentence] of cases) {
      const error = refusal(() => links.check(bad));
      expect(error.status, bad).to.equal(403);
      expect(error.message, bad).to.match(sentence);
      expect(error.message).not.to.include(SECRET);
    }
  });

  it('checks edge links too, as nginx does: no clock skew, inline or attachment, no basename', function () {
    const edged = signer({ edge: { secret: EDGE_SECRET } }, clock);
    const link = edged.url('/signed/été.txt', { edge: true, expiresIn: 60, attachment: false, ip: '192.0.2.1' });
    expect(edged.check(link, { ip: '192.0.2.1' })).to.deep.include({ path: '/signed/été.txt', attachment: false, boundToIp: true, key: 'edge' });
    expect(edged.check(edged.url('/signed/a.txt', { edge: true })).attachment).to.equal(true);
    expect(refusal(() => edged.check(withParam(link, 'disposition', undefined), { ip: '192.0.2.1' })).status).to.equal(403);
    expect(refusal(() => edged.check(link, { ip: '192.0.2.2' })).status).to.equal(403);
    clock.now = NOW + 61_000;
    expect(refusal(() => edged.check(link, { ip: '192.0.2.1' })).status).to.equal(410);
  });
});

function lowerEscapes(text: string): string {
  return text.replace(/%[0-9A-F]{2}/g, (escape) => escape.toLowerCase());
}
