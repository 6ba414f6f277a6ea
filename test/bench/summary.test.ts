import { expect } from 'chai';
import type { Cell } from '../../bench/measure.js';
import { pairedRatio } from '../../bench/summary.js';

/** A cell whose runs answered `perSecond[i]` requests of `length` bytes in one second each. */
function cell(length: number, perSecond: number[]): Cell {
  return {
    group: 'g',
    contender: { id: 'c', label: 'c', origin: 'http://127.0.0.1:1' },
    case: { label: `${length} B`, path: '/', length },
    samples: perSecond.map((requests) => ({ requests, bytes: requests * length, seconds: 1, errors: 0, cpuSeconds: undefined })),
  };
}

describe('Benchmark ratios', function () {
  it('compare runs round by round, so that a slow phase of the machine cancels out', function () {
    // Ours is 0.9x theirs. The machine slows to 0.6x from the middle of round 3, between our run and theirs:
    // the ratio of the two medians would say 0.54x.
    const ours = [900, 900, 540, 540, 540];
    const theirs = [1000, 1000, 1000, 600, 600];
    expect(pairedRatio(cell(13, ours), cell(13, theirs))).to.be.closeTo(0.9, 1e-9);
  });

  it('compare MiB/s from 1 MiB up, and requests/s below', function () {
    const MiB = 1024 * 1024;
    expect(pairedRatio(cell(MiB, [10]), cell(2 * MiB, [10]))).to.equal(0.5);
    expect(pairedRatio(cell(13, [10]), cell(26, [10]))).to.equal(1);
  });
});
