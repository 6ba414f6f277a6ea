import { expect } from 'chai';
import { contentDisposition, safeBasename } from '../../src/contentDisposition.js';

describe('The name a browser saves a download under', function () {
  it('trims surrounding spaces and puts _ for separators and for each leading dot', function () {
    expect(safeBasename('  report.pdf  ')).to.equal('report.pdf');
    expect(safeBasename('a/b\\c.txt')).to.equal('a_b_c.txt');
    expect(safeBasename('...hidden.txt')).to.equal('___hidden.txt');
  });

  it('is "download" when nothing of the name is left', function () {
    expect(safeBasename('')).to.equal('download');
    expect(safeBasename('   ')).to.equal('download');
  });

  it('keeps a name of 200 characters and cuts a longer one to 200, keeping an extension of up to 16', function () {
    const exact = `${'a'.repeat(196)}.pdf`;
    expect(safeBasename(exact)).to.equal(exact);
    expect(safeBasename(`${'a'.repeat(300)}.pdf`)).to.equal(`${'a'.repeat(196)}.pdf`);
    const sixteen = `.${'e'.repeat(15)}`;
    expect(safeBasename(`${'a'.repeat(300)}${sixteen}`)).to.equal(`${'a'.repeat(184)}${sixteen}`);
    // An "extension" of 17 characters is rather part of the name: cut like the rest.
    expect(safeBasename(`${'a'.repeat(300)}.${'e'.repeat(16)}`)).to.equal('a'.repeat(200));
  });

  it('cuts a long name without an extension to its first 200 characters', function () {
    expect(safeBasename(`${'a'.repeat(250)}Z`)).to.equal('a'.repeat(200));
  });

  it('never cuts an emoji in half, however many the name has', function () {
    // '😀' is two UTF-16 units: the 200th unit is the first half of the second one.
    const cut = safeBasename(`😀${'a'.repeat(197)}😀😀`);
    expect(cut).to.equal(`😀${'a'.repeat(197)}`);
    expect(cut.isWellFormed()).to.equal(true);
  });

  it('says attachment or inline, as asked', function () {
    expect(contentDisposition('x.txt', true)).to.equal('attachment; filename=x.txt');
    expect(contentDisposition('x.txt', false)).to.equal('inline; filename=x.txt');
    expect(contentDisposition('é.txt', true)).to.equal("attachment; filename=e.txt; filename*=UTF-8''%C3%A9.txt");
  });
});
