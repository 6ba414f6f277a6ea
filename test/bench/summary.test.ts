import { expect } from 'chai';
import { checkGoals, verdictOf } from '../../bench/goals.js';
import type { Cell, Sample } from '../../bench/measure.js';
import { PLANS } from '../../bench/plan.js';
import { checkRow } from '../../bench/zip.js';
import { s3OffloadGoals } from '../../bench/s3OffloadGoals.js';
import { costRatios, pairedRatio } from '../../bench/summary.js';

const MiB = 1024 * 1024;

/** A cell whose runs answered `perSecond[i]` requests of `length` bytes in one second each, spending `cpu[i]` seconds of Node CPU. */
function cell(length: number, perSecond: number[], cpu?: number[], extra: Partial<Cell['contender']> & { group?: string; proxyCpu?: number[] } = {}): Cell {
  const { group = 'g', proxyCpu, ...contender } = extra;
  return {
    group,
    contender: { id: 'c', label: 'c', origin: 'http://127.0.0.1:1', ...contender },
    case: { label: `${length} B`, path: '/', length },
    samples: perSecond.map((requests, run): Sample => ({
      requests,
      bytes: requests * length,
      seconds: 1,
      errors: 0,
      cpuSeconds: cpu?.[run],
      ...(proxyCpu && { proxyCpuSeconds: proxyCpu[run] }),
    })),
  };
}

describe('Benchmark ratios', function () {
  it('compare runs round by round, so that a slow phase of the machine cancels out', function () {
    // Ours is 0.9x theirs. The machine slows to 0.6x from the middle of round 3, between our run and theirs:
    // the ratio of the two medians would say 0.54x.
    const ours = [900, 900, 540, 540, 540];
    const theirs = [1000, 1000, 1000, 600, 600];
    const ratio = pairedRatio(cell(13, ours), cell(13, theirs));
    expect(ratio.median).to.be.closeTo(0.9, 1e-9);
    // The round caught by the slow phase shows in the spread.
    expect(ratio.min).to.be.closeTo(0.54, 1e-9);
    expect(ratio.max).to.be.closeTo(0.9, 1e-9);
  });

  it('compare MiB/s from 1 MiB up, and requests/s below', function () {
    expect(pairedRatio(cell(MiB, [10]), cell(2 * MiB, [10])).median).to.equal(0.5);
    expect(pairedRatio(cell(13, [10]), cell(26, [10])).median).to.equal(1);
  });

  it('compare CPU per request: how many times cheaper ours serves one than theirs', function () {
    // 1000 requests each; ours spends 0.02 s, theirs 0.03 s: 1.5x cheaper, whatever the requests per second.
    expect(costRatios(cell(13, [1000, 500]), cell(13, [1000, 2000]))).to.equal(undefined);
    const ratios = costRatios(cell(13, [1000, 1000], [0.02, 0.02]), cell(13, [1000, 1000], [0.03, 0.024]));
    expect(ratios![0]).to.be.closeTo(1.5, 1e-9);
    expect(ratios![1]).to.be.closeTo(1.2, 1e-9);
  });

  it('count CPU per byte from 1 MiB up, and add the proxy in front', function () {
    // Same CPU per byte, different counts of whole requests (a run ends with responses half sent): equal.
    const ours = cell(MiB, [10], [0.1]);
    const theirs = { ...cell(MiB, [10], [0.1]), samples: [{ requests: 8, bytes: 10 * MiB, seconds: 1, errors: 0, cpuSeconds: 0.1 }] };
    expect(costRatios(ours, theirs)![0]).to.be.closeTo(1, 1e-9);
    // Node 0.01 + proxy 0.03 against Node 0.02 + proxy 0.03: 1.25x, where Node alone would say 2x.
    const behind = costRatios(cell(13, [1000], [0.01], { proxyCpu: [0.03] }), cell(13, [1000], [0.02], { proxyCpu: [0.03] }));
    expect(behind![0]).to.be.closeTo(1.25, 1e-9);
  });
});

describe('Benchmark verdicts', function () {
  it('pass when every round meets the goal, miss when none does, within noise when they straddle it', function () {
    expect(verdictOf({ median: 1.1, min: 1, max: 1.2 }, 0.95, 'atLeast')).to.equal('pass');
    expect(verdictOf({ median: 0.9, min: 0.8, max: 0.94 }, 0.95, 'atLeast')).to.equal('miss');
    expect(verdictOf({ median: 0.97, min: 0.9, max: 1.1 }, 0.95, 'atLeast')).to.equal('within noise');
    expect(verdictOf({ median: 0.05, min: 0.02, max: 0.08 }, 0.1, 'atMost')).to.equal('pass');
    expect(verdictOf({ median: 0.3, min: 0.2, max: 0.4 }, 0.1, 'atMost')).to.equal('miss');
    expect(verdictOf({ median: 0.09, min: 0.05, max: 0.15 }, 0.1, 'atMost')).to.equal('within noise');
  });

  it('judge a goal against the floor on CPU per request, with the throughput ratio beside it', function () {
    const plan = { ...PLANS.full, sizes: [13], s3Sizes: [] };
    // Fewer requests per second (a busy machine in our runs), but each 1.6x cheaper than the floor's.
    const library = cell(13, [800, 900, 1000], [0.05, 0.05625, 0.0625], { id: 'library', group: 'streaming' });
    const floor = cell(13, [1000, 1000, 1000], [0.1, 0.09, 0.1], { id: 'floor', group: 'streaming' });
    const [row] = checkGoals([library, floor], [], plan);
    expect(row).to.include({ measure: 'streaming vs the streaming floor', basis: 'Node CPU per request', figure: '1.600×', spread: '1.440× – 1.600×', verdict: 'pass' });
    expect(row!.throughput).to.equal('0.900× (0.800× – 1.000×)');
  });

  it('asks big files to beat the floor: 1.2x at 1 MiB, 1.5x at 100 MiB', function () {
    const plan = { ...PLANS.full, sizes: [MiB, 100 * MiB], s3Sizes: [] };
    const cells = [MiB, 100 * MiB].flatMap((size) => [
      cell(size, [1], [0.01], { id: 'library', group: 'streaming' }),
      cell(size, [1], [0.013], { id: 'floor', group: 'streaming' }),
    ]);
    const rows = checkGoals(cells, [], plan).filter((row) => row.measure === 'streaming vs the streaming floor');
    expect(rows.map((row) => [row.goal, row.verdict])).to.deep.equal([
      ['≥ 1.20×', 'pass'],
      ['≥ 1.50×', 'miss'],
    ]);
  });

  it('report an overhead as our CPU per request over theirs, less one', function () {
    const plan = { ...PLANS.full, sizes: [], s3Sizes: [MiB] };
    const library = cell(MiB, [100, 100], [0.105, 0.125], { id: 'library', group: 's3' });
    const floor = cell(MiB, [100, 100], [0.1, 0.1], { id: 'floor', group: 's3' });
    const [row] = checkGoals([library, floor], [], plan);
    expect(row).to.include({ measure: 'S3Storage vs GetObject piped', figure: '15.0 %', spread: '5.0 % – 25.0 %', goal: '≤ 10 %', verdict: 'within noise' });
  });

  it('judge S3 offload on Node CPU per GiB against streaming round by round (≤ 2 %), on throughput at 100 MiB (≥ 1.5×), and report the floor\'s share and the presign', function () {
    const plan = { ...PLANS.full, s3OffloadSizes: [MiB, 100 * MiB], presigns: 1000 };
    const cells = [
      // 1 MiB: the floor's hand-offs cost 2 % and 4 % of streaming per byte, the library's 5 % and 10 %.
      cell(MiB, [20, 10], [0.004, 0.004], { id: 'floor', group: 's3offload', proxyCpu: [0.1, 0.1] }),
      cell(MiB, [20, 10], [0.01, 0.01], { id: 'offloaded', group: 's3offload', proxyCpu: [0.1, 0.1] }),
      cell(MiB, [10, 10], [0.1, 0.1], { id: 'streamed', group: 's3offload' }),
      // 100 MiB: 1 % in both rounds, at 2x and 4x the throughput.
      cell(100 * MiB, [2, 4], [0.01, 0.02], { id: 'offloaded', group: 's3offload', proxyCpu: [0.2, 0.4] }),
      cell(100 * MiB, [1, 1], [0.5, 0.5], { id: 'streamed', group: 's3offload' }),
    ];
    const rows = s3OffloadGoals(cells, [100, 120, 110], plan);
    expect(rows.map((row) => [row.case, row.figure, row.spread, row.goal, row.verdict])).to.deep.equal([
      ['1 MiB', '3.0 %', '2.0 % – 4.0 %', 'reported', undefined],
      ['1 MiB', '7.5 %', '5.0 % – 10.0 %', '≤ 2 %', 'miss'],
      ['1 MiB', '1.500×', '1.000× – 2.000×', 'reported', undefined],
      ['100 MiB', '1.0 %', '', '≤ 2 %', 'pass'],
      ['100 MiB', '3.000×', '2.000× – 4.000×', '≥ 1.50×', 'pass'],
      ['any', '110 µs', '100 µs – 120 µs', 'reported', undefined],
    ]);
    expect(rows[0]!.measure).to.equal('S3 offload floor (bare Koa, a hand-off presigned at start-up) vs streamed by S3Storage: Node CPU per GiB');
    expect(rows[1]!.basis).to.equal('Node CPU per GiB (0.768 vs 10.24 s/GiB)');
  });

  it('judge an OpenTelemetry subscriber on the subscribed windows of the toggling server against its unsubscribed ones, Node and proxy alike, and report its A/A check without a goal (issue 17)', function () {
    const plan = { ...PLANS.full, sizes: [13], s3Sizes: [] };
    const cells = [
      // Streaming: 2 % and 4 % more CPU per request: the rounds straddle the 3 % goal.
      cell(13, [1000, 1000], [0.102, 0.104], { id: 'traced', group: 'streaming' }),
      cell(13, [1000, 1000], [0.1, 0.1], { id: 'untraced', group: 'streaming' }),
      // Behind nginx the proxy's CPU counts on both sides: 1 % more in both rounds.
      cell(13, [1000, 1000], [0.101, 0.101], { id: 'traced', group: 'offload nginx', proxyPid: 1, proxyCpu: [0.1, 0.1] }),
      cell(13, [1000, 1000], [0.1, 0.1], { id: 'untraced', group: 'offload nginx', proxyPid: 1, proxyCpu: [0.099, 0.099] }),
      // The library's own cell of the group is no baseline for the subscriber: it ran at other moments.
      cell(13, [1000, 1000], [0.05, 0.05], { id: 'library', group: 'streaming' }),
      // The A/A check, reported without a goal: -1 % and +1 %.
      cell(13, [1000, 1000], [0.099, 0.101], { id: 'aa-first', group: 'streaming' }),
      cell(13, [1000, 1000], [0.1, 0.1], { id: 'aa-second', group: 'streaming' }),
    ];
    const rows = checkGoals(cells, [], plan).filter((row) => row.measure.endsWith('toggled in one server'));
    expect(rows.map((row) => [row.measure, row.basis, row.figure, row.spread, row.goal, row.verdict])).to.deep.equal([
      ['streaming, an OpenTelemetry subscriber vs none, toggled in one server', 'Node CPU per request', '3.0 %', '2.0 % – 4.0 %', '≤ 3 %', 'within noise'],
      ['offload nginx, an OpenTelemetry subscriber vs none, toggled in one server', 'server CPU per request (Node + proxy)', '1.0 %', '', '≤ 3 %', 'pass'],
      ['streaming, A/A check of the toggling: no subscriber vs none, toggled in one server', 'Node CPU per request', '0.0 %', '-1.0 % – 1.0 %', 'reported', undefined],
    ]);
  });

  it('judge a zip against the same bytes as one file on CPU per byte, ≥ 0.9× (issue 16)', function () {
    const plan = { ...PLANS.full, sizes: [], s3Sizes: [] };
    const length = 10 * 100 * MiB + 1234;
    // The zip costs 1/0.8 and 1/0.95 of the file per byte.
    const cells = [cell(length, [1, 1], [1.25, 1 / 0.95], { id: 'zip', group: 'zip' }), cell(length, [1, 1], [1, 1], { id: 'file', group: 'zip' })];
    const [row] = checkGoals(cells, [], plan);
    expect([row!.measure, row!.basis, row!.figure, row!.spread, row!.goal, row!.verdict]).to.deep.equal(['zipDownload of 10 files vs the same bytes streamed as one file', 'Node CPU per byte', '0.875×', '0.800× – 0.950×', '≥ 0.90×', 'within noise']);
  });

  it('pass the zip past 4 GiB only when both extractors pass and the end records are ZIP64 exactly when needed (issue 16)', function () {
    const GiB = 1024 * MiB;
    expect(checkRow(4.5 * GiB, { bytes: 0, zip64: true, failures: {} })).to.include({ case: '4.5 GiB file', figure: 'ZIP64, both pass', goal: 'ZIP64, both pass', verdict: 'pass' });
    expect(checkRow(4.5 * GiB, { bytes: 0, zip64: false, failures: {} })).to.include({ figure: 'plain zip, both pass', verdict: 'miss' });
    expect(checkRow(4.5 * GiB, { bytes: 0, zip64: true, failures: { '7z': 'Headers Error' } })).to.include({ figure: 'ZIP64, 7z failed', verdict: 'miss' });
    expect(checkRow(MiB, { bytes: 0, zip64: false, failures: {} })).to.include({ case: '1 MiB file', goal: 'plain zip, both pass', verdict: 'pass' });
    expect(checkRow(MiB, { bytes: 0, zip64: true, failures: {} })).to.include({ verdict: 'miss' });
  });
});
