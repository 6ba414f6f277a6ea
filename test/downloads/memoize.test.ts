import { expect } from 'chai';
import { clearMemos, memoize } from '../../src/memoize.js';

describe('Per-name header memo', function () {
  it('computes each key once, false included', function () {
    const computed: string[] = [];
    const isText = memoize((key) => (computed.push(key), key.endsWith('.txt')));
    expect([isText('a.txt'), isText('a.bin'), isText('a.txt'), isText('a.bin')]).to.deep.equal([true, false, true, false]);
    expect(computed).to.deep.equal(['a.txt', 'a.bin']);
  });

  it('never holds more than its size: a stream of distinct names empties it', function () {
    const computed: string[] = [];
    const upper = memoize((key) => (computed.push(key), key.toUpperCase()), 2);
    for (const key of ['a', 'b', 'c', 'a']) upper(key);
    // 'c' arrived with the memo full: it was emptied, so 'a' is computed again.
    expect(computed).to.deep.equal(['a', 'b', 'c', 'a']);
  });

  it('computes again after clearMemos, which the mutation run calls before each test', function () {
    const computed: string[] = [];
    const upper = memoize((key) => (computed.push(key), key.toUpperCase()));
    upper('a');
    clearMemos();
    upper('a');
    expect(computed).to.deep.equal(['a', 'a']);
  });
});
