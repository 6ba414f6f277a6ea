/**
 * The signature covers every field a link grants: whatever a holder changes
 * (path, expiry, disposition, name, address binding, key, signature), the
 * link is refused with 403, for any path and any name.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import { canonicalIp, encodePath } from '../../src/signedLinks/linkPath.js';
import { SignedLinkError } from '../../src/signedLinks/refusal.js';
import { signedLinks, type LinkOptions } from '../../src/signedLinks/signedLinks.js';
import { EDGE_SECRET, NOW, OLD_SECRET, SECRET, param, withParam } from './fixtures.js';

const links = signedLinks({ keys: [{ id: 'current', secret: SECRET }, { id: 'previous', secret: OLD_SECRET }], edge: { secret: EDGE_SECRET }, now: () => NOW });

// Segments of any Unicode (no control characters, `/` or `\`), never "." or "..".
const segment = fc.string({ unit: 'grapheme', minLength: 1, maxLength: 12 }).filter((s) => !/[\u0000-\u001f\u007f-\u009f/\\]/.test(s) && s !== '.' && s !== '..');
const path = fc.array(segment, { minLength: 1, maxLength: 4 }).map((segments) => `/${segments.join('/')}`);
const ip = fc.oneof(fc.ipV4(), fc.ipV6());
const grant = fc.record(
  { expiresIn: fc.integer({ min: 1, max: 10 ** 8 }), attachment: fc.boolean(), basename: segment, ip },
  { requiredKeys: ['expiresIn'] },
);

type Change = { link: string; client: string | undefined };
/** One change to one signed field of `link`. */
const change = fc.oneof(
  fc.record({ kind: fc.constant('path' as const), other: path }),
  fc.record({ kind: fc.constant('expires' as const), delta: fc.integer({ min: -(10 ** 6), max: 10 ** 6 }).filter((n) => n !== 0) }),
  fc.record({ kind: fc.constant('disposition' as const), to: fc.constantFrom(undefined, 'attachment', 'inline') }),
  fc.record({ kind: fc.constant('filename' as const), to: fc.option(segment, { nil: undefined }) }),
  fc.record({ kind: fc.constant('ip' as const) }),
  fc.record({ kind: fc.constant('key' as const), to: fc.constantFrom('current', 'previous') }),
  fc.record({ kind: fc.constant('signature' as const), at: fc.nat(42), to: fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_') }),
  fc.record({ kind: fc.constant('client' as const), other: ip }),
);

type Edit = typeof change extends fc.Arbitrary<infer T> ? T : never;

function applied(link: string, client: string | undefined, edit: Edit): Change | undefined {
  switch (edit.kind) {
    case 'path': {
      const [oldPath, query] = link.split('?');
      const other = encodePath(edit.other);
      return decodeURIComponent(other) === decodeURIComponent(oldPath!) ? undefined : { link: `${other}?${query}`, client };
    }
    case 'expires':
      return { link: withParam(link, 'expires', String(Number(param(link, 'expires')) + edit.delta)), client };
    case 'disposition':
    case 'filename':
    case 'key':
      return param(link, edit.kind) === (edit.to ?? null) ? undefined : { link: withParam(link, edit.kind, edit.to), client };
    case 'ip':
      return { link: withParam(link, 'ip', param(link, 'ip') ? undefined : '1'), client };
    case 'signature': {
      const signature = param(link, 'signature')!;
      return signature[edit.at] === edit.to ? undefined : { link: withParam(link, 'signature', signature.slice(0, edit.at) + edit.to + signature.slice(edit.at + 1)), client };
    }
    case 'client':
      // Another address matters only to a link bound to one.
      return param(link, 'ip') && canonicalIp(edit.other) !== canonicalIp(client) ? { link, client: edit.other } : undefined;
  }
}

describe('signedLinks: property', function () {
  this.timeout(60_000);

  it('accepts every link it made, and refuses with 403 any change to any signed field', function () {
    fc.assert(
      fc.property(path, grant, change, (target, options: LinkOptions, edit) => {
        const link = links.url(target, options);
        expect(links.check(link, { ip: options.ip }).path).to.equal(target);
        const changed = applied(link, options.ip, edit);
        fc.pre(changed !== undefined);
        let refused: unknown;
        try {
          links.check(changed!.link, { ip: changed!.client });
        } catch (error) {
          refused = error;
        }
        expect(refused, `${edit.kind}: ${changed!.link}`).to.be.instanceOf(SignedLinkError);
        expect((refused as SignedLinkError).status).to.equal(403);
      }),
      { numRuns: 400 },
    );
  });

  it('refuses any change to an edge link too', function () {
    const edgeChange = fc.oneof(
      fc.record({ kind: fc.constant('path' as const), other: path }),
      fc.record({ kind: fc.constant('expires' as const), delta: fc.integer({ min: -(10 ** 6), max: 10 ** 6 }).filter((n) => n !== 0) }),
      fc.record({ kind: fc.constant('ip' as const) }),
      fc.record({ kind: fc.constant('client' as const), other: ip }),
    );
    fc.assert(
      fc.property(path, fc.record({ expiresIn: fc.integer({ min: 1, max: 10 ** 8 }), attachment: fc.boolean(), ip: fc.option(ip, { nil: undefined }) }), edgeChange, fc.boolean(), (target, options, edit, flipInline) => {
        const link = links.url(target, { ...options, edge: true });
        expect(links.check(link, { ip: options.ip }).path).to.equal(target);
        const changed = flipInline ? { link: withParam(link, 'disposition', param(link, 'disposition') ? undefined : 'inline'), client: options.ip } : applied(link, options.ip, edit);
        fc.pre(changed !== undefined);
        expect(() => links.check(changed!.link, { ip: changed!.client })).to.throw(SignedLinkError).with.property('status', 403);
      }),
      { numRuns: 300 },
    );
  });
});
