import { expect } from 'chai';
import fc from 'fast-check';
import { safeEntryName, uniqueNames } from '../../src/zip/names.js';

describe('Zip entry names', function () {
  it('are relative, with no dot segment, drive, backslash, control or invisible character', function () {
    expect(safeEntryName('../../a.txt')).to.equal('a.txt');
    expect(safeEntryName('/abs/a.txt')).to.equal('abs/a.txt');
    expect(safeEntryName('C:\\Users\\x.txt')).to.equal('Users/x.txt');
    expect(safeEntryName('d:x.txt')).to.equal('d_x.txt');
    expect(safeEntryName('a\u0000b\nc.txt')).to.equal('a_b_c.txt');
    expect(safeEntryName('a\u202egnp.exe')).to.equal('a_gnp.exe');
    expect(safeEntryName('x/.../y')).to.equal('x/y');
    expect(safeEntryName('.env')).to.equal('.env');
    expect(safeEntryName('')).to.equal('file');
    expect(safeEntryName('../', true)).to.equal('folder/');
    expect(safeEntryName('a/b', true)).to.equal('a/b/');
  });

  it('cut a segment to 255 bytes between characters, keeping its extension', function () {
    const name = safeEntryName(`${'é'.repeat(200)}.txt`);
    expect(Buffer.byteLength(name)).to.be.at.most(255);
    expect(name.endsWith('é.txt')).to.equal(true);
  });

  it('are safe for any input', function () {
    fc.assert(fc.property(fc.string({ unit: 'binary' }), fc.boolean(), (raw, folder) => {
      const name = safeEntryName(raw, folder);
      const segments = name.replace(/\/$/, '').split('/');
      return !name.startsWith('/') && !name.includes('\\') && !/[\u0000-\u001f\u007f-\u009f:]/.test(name) &&
        segments.every((segment) => segment.length > 0 && !/^\.+$/.test(segment) && Buffer.byteLength(segment) <= 255) && name.endsWith('/') === folder;
    }));
  });

  it('are made unique predictably: the first keeps its name, a later one takes the next free number', function () {
    expect(uniqueNames(['a.txt', 'a.txt', 'A.TXT', 'a (2).txt', 'b', 'b', 'x.tar.gz', 'x.tar.gz', '.env', '.env'])).to.deep.equal(
      ['a.txt', 'a (3).txt', 'A (4).TXT', 'a (2).txt', 'b', 'b (2)', 'x.tar.gz', 'x.tar (2).gz', '.env', '.env (2)'],
    );
  });

  it('never give a file the name of a folder, and keep a repeated folder once', function () {
    expect(uniqueNames(['a', 'a/b.txt', 'd/', 'd/', 'D/'])).to.deep.equal(['a (2)', 'a/b.txt', 'd/', undefined, undefined]);
  });
});
