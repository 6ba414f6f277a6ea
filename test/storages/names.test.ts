import { expect } from 'chai';
import { ImproperlyConfiguredError, InvalidNameError } from '../../src/errors.js';
import { MemoryStorage } from '../../storages/memory.js';
import { encodeName, joinUrl, validateName } from '../../storages/names.js';

/** The reason validateName gives for `name`, or 'valid'. */
function verdict(name: unknown): string {
  try {
    validateName(name as string);
    return 'valid';
  } catch (error) {
    expect(error).to.be.instanceOf(InvalidNameError);
    return (error as InvalidNameError).reason;
  }
}

describe('Storage names', function () {
  it('gives each refused name the reason that applies to it', function () {
    expect({
      empty: verdict(''),
      number: verdict(42),
      nul: verdict('a\u0000b'),
      backslash: verdict('a\\b'),
      lone: verdict('\ud800.txt'),
      absolute: verdict('/etc/passwd'),
      drive: verdict('C:/win.ini'),
      parent: verdict('a/../b'),
      hollow: verdict('a//b'),
      dot: verdict('./a'),
    }).to.deep.equal({
      empty: 'a name must be a non-empty string',
      number: 'a name must be a non-empty string',
      nul: 'control characters and backslashes are not allowed',
      backslash: 'control characters and backslashes are not allowed',
      lone: 'not valid Unicode (lone surrogate)',
      absolute: 'absolute names are not allowed',
      drive: 'absolute names are not allowed',
      parent: '".." segments are not allowed',
      hollow: 'empty and "." segments are not allowed',
      dot: 'empty and "." segments are not allowed',
    });
  });

  it('refuses a hollow segment and accepts dots inside a segment alike in a short name and in a long one (past the quick path)', function () {
    const long = 'x'.repeat(100);
    for (const prefix of ['', `${long}/`]) {
      const verdicts = Object.fromEntries(['..', '.', 'a/..', 'a/.', 'a/', '../a', '.hidden', '..a', 'a..', 'a/.b/c', 'a.b/..c'].map((name) => [name, verdict(prefix + name)]));
      expect(verdicts, prefix ? 'long' : 'short').to.deep.equal({
        '..': '".." segments are not allowed',
        '.': 'empty and "." segments are not allowed',
        'a/..': '".." segments are not allowed',
        'a/.': 'empty and "." segments are not allowed',
        'a/': 'empty and "." segments are not allowed',
        '../a': '".." segments are not allowed',
        '.hidden': 'valid',
        '..a': 'valid',
        'a..': 'valid',
        'a/.b/c': 'valid',
        'a.b/..c': 'valid',
      });
    }
    // 85 characters of 3 bytes each fit a segment; 86 would not, which the quick path leaves to the byte count.
    expect(verdict('€'.repeat(85))).to.equal('valid');
    expect(verdict('€'.repeat(86))).to.equal('a segment is longer than 255 bytes');
  });

  it('accepts a colon after the first character: only a leading drive letter is absolute', function () {
    expect(verdict('notes:v2.txt')).to.equal('valid');
    expect(verdict('dir/C:x.txt')).to.equal('valid');
  });

  it('accepts a segment of exactly 255 bytes and a name of exactly 1024, and refuses one byte more', function () {
    const segment = 'x'.repeat(255);
    expect(verdict(segment)).to.equal('valid');
    expect(verdict(`${segment}x`)).to.equal('a segment is longer than 255 bytes');
    // Bytes, not characters: 128 two-byte characters are 256 bytes.
    expect(verdict('é'.repeat(128))).to.equal('a segment is longer than 255 bytes');
    const name = [...Array(4).fill('x'.repeat(200)), 'x'.repeat(220)].join('/');
    expect(Buffer.byteLength(name)).to.equal(1024);
    expect(verdict(name)).to.equal('valid');
    expect(verdict(`${name}x`)).to.equal('longer than 1024 bytes');
  });

  it('percent-encodes a name made only of characters a URL cannot carry', function () {
    expect(encodeName('日本')).to.equal('%E6%97%A5%E6%9C%AC');
    expect(encodeName("a-b_c.d!~*'()/e")).to.equal("a-b_c.d!~*'()/e");
  });

  it('joins a base URL with or without its trailing slash', function () {
    expect(joinUrl('https://cdn.example/media', 'a b.txt')).to.equal('https://cdn.example/media/a%20b.txt');
    expect(joinUrl('/media/', 'a.txt')).to.equal('/media/a.txt');
    expect(joinUrl(undefined, 'a.txt')).to.equal(undefined);
  });

  it('names the storage whose baseUrl it refuses', function () {
    expect(() => new MemoryStorage({ baseUrl: 42 as never })).to.throw(ImproperlyConfiguredError, /^MemoryStorage baseUrl must be/);
  });
});
