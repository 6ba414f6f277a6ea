import { expect } from 'chai';
import { evaluateConditions, httpDate, rangeIsFresh } from '../../src/conditional.js';
import { selectRanges } from '../../src/ranges.js';

const LAST_MODIFIED = 'Sun, 06 Nov 1994 08:49:37 GMT';
const strong = { etag: '"v2"', lastModified: LAST_MODIFIED };
const weak = { etag: 'W/"v2"', lastModified: LAST_MODIFIED };

describe('Conditional request evaluation', function () {
  it('matches If-Match against any tag of its list, spaces around tags and * included', function () {
    expect(evaluateConditions('GET', { 'if-match': '"v1", "v2"' }, strong)).to.equal('proceed');
    expect(evaluateConditions('GET', { 'if-match': '"v2" ,"v3"' }, strong)).to.equal('proceed');
    expect(evaluateConditions('GET', { 'if-match': ' * ' }, strong)).to.equal('proceed');
    expect(evaluateConditions('GET', { 'if-match': '"v1", "v3"' }, strong)).to.equal('precondition-failed');
  });

  it('fails If-Match for a weak ETag, even its own, and for a file without an ETag', function () {
    expect(evaluateConditions('GET', { 'if-match': 'W/"v2"' }, weak)).to.equal('precondition-failed');
    expect(evaluateConditions('GET', { 'if-match': '"v2"' }, { lastModified: LAST_MODIFIED })).to.equal('precondition-failed');
  });

  it('answers If-None-Match with 304 for GET and HEAD only', function () {
    expect(evaluateConditions('GET', { 'if-none-match': '"v2"' }, strong)).to.equal('not-modified');
    expect(evaluateConditions('HEAD', { 'if-none-match': '"v2"' }, strong)).to.equal('not-modified');
    expect(evaluateConditions('HEAD', { 'if-modified-since': LAST_MODIFIED }, strong)).to.equal('not-modified');
    expect(evaluateConditions('POST', { 'if-none-match': '"v2"' }, strong)).to.equal('proceed');
    expect(evaluateConditions('DELETE', { 'if-modified-since': LAST_MODIFIED }, strong)).to.equal('proceed');
  });
});

describe('If-Range', function () {
  it('honours the Range for its own strong ETag, spaces around it allowed, and never for a weak one', function () {
    expect(rangeIsFresh(' "v2" ', strong)).to.equal(true);
    expect(rangeIsFresh('W/"v2"', weak)).to.equal(false);
    expect(rangeIsFresh('"v2"', { lastModified: LAST_MODIFIED })).to.equal(false);
  });

  it('honours the Range for a date equal to Last-Modified only, and not for what is no date', function () {
    expect(rangeIsFresh(LAST_MODIFIED, strong)).to.equal(true);
    expect(rangeIsFresh('Sun, 06 Nov 1994 08:49:38 GMT', strong)).to.equal(false);
    expect(rangeIsFresh('yesterday', {})).to.equal(false);
    expect(rangeIsFresh('yesterday', strong)).to.equal(false);
  });
});

describe('HTTP dates', function () {
  it('reads the three formats alike, with surrounding spaces, and nothing else', function () {
    const time = Date.UTC(1994, 10, 6, 8, 49, 37);
    expect(httpDate(` ${LAST_MODIFIED} `)).to.equal(time);
    expect(httpDate('Sunday, 06-Nov-94 08:49:37 GMT')).to.equal(time);
    expect(httpDate('Sun Nov  6 08:49:37 1994')).to.equal(time);
    expect(httpDate('1994-11-06T08:49:37Z')).to.equal(undefined);
    expect(httpDate(undefined)).to.equal(undefined);
  });
});

describe('Range selection', function () {
  it('serves the whole file for a suffix longer than it', function () {
    expect(selectRanges('bytes=-500', 100)).to.deep.equal([{ start: 0, end: 99 }]);
    expect(selectRanges('bytes=0-9, -500', 100)).to.deep.equal([{ start: 0, end: 99 }]);
  });

  it('ignores another unit, even one whose name ends in "bytes", rather than finding it unsatisfiable', function () {
    expect(selectRanges('notbytes=500-600', 100)).to.equal(undefined);
    expect(selectRanges('bytes=500-600', 100)).to.equal('unsatisfiable');
  });
});
