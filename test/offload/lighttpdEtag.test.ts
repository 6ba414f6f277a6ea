/**
 * lighttpd's ETag, as lighttpd 1.4.69 itself sent it (Debian bookworm,
 * x86-64, little-endian) for two files it sent by X-Sendfile, recorded with
 * their stat: the fast suites check the formula against the server's own
 * answers, not against our reading of its source.
 */
import { expect } from 'chai';
import type { BigIntStats } from 'node:fs';
import { endianness } from 'node:os';
import { lighttpdEtag } from '../../src/backends/etags.js';

const RECORDED = [
  // Written a second before it was asked for: mtime with nanoseconds.
  { ino: 2154608n, size: 15n, mtimeNs: 1796205224694981360n, etag: '"1387101471"' },
  // Set by utimes to 1700000000.123456 s: a whole-microsecond time, 70,000 bytes.
  { ino: 2154609n, size: 70000n, mtimeNs: 1700000000123456000n, etag: '"3585375985"' },
];

describe("lighttpd's ETag", function () {
  before(function () {
    // lighttpd hashes the words in machine order; these were recorded on a little-endian machine.
    if (endianness() !== 'LE') this.skip();
  });

  for (const { etag, ...stat } of RECORDED) {
    it(`is ${etag}, as lighttpd 1.4.69 sent it, for inode ${stat.ino}, ${stat.size} bytes, mtime ${stat.mtimeNs} ns`, function () {
      expect(lighttpdEtag(stat as unknown as BigIntStats)).to.equal(etag);
    });
  }

  it('changes with the nanoseconds of the mtime alone', function () {
    const [{ etag, ...stat }] = RECORDED;
    expect(lighttpdEtag({ ...stat, mtimeNs: stat.mtimeNs + 1n } as unknown as BigIntStats)).not.to.equal(etag);
  });
});
