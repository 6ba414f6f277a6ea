/**
 * Issue 17: the rows that say where one span of the OpenTelemetry example
 * is more than 3 % of a download's CPU, from the span measured in this
 * process and the toggled rows' unsubscribed windows.
 */
import { expect } from 'chai';
import type { Cell } from '../../bench/measure.js';
import { PLANS } from '../../bench/plan.js';
import { spanCostRows } from '../../bench/spanCost.js';
import { VARIANTS } from '../../bench/traced.js';

/** Two rounds of 1,000 requests of `length` bytes, each costing `nodeCpu` (a round's own, if two are given; and `proxyCpu`) seconds. */
function cell(group: string, id: string, length: number, nodeCpu: number | [number, number], proxyCpu?: number, listenerMicros?: number[]): Cell {
  return {
    group,
    contender: { id, label: id, origin: 'http://127.0.0.1:1', ...(proxyCpu !== undefined && { proxyPid: 1 }) },
    case: { label: `${length} B`, path: '/', length },
    samples: [0, 1].map((round) => ({
      requests: 1000,
      bytes: 1000 * length,
      seconds: 1,
      errors: 0,
      cpuSeconds: typeof nodeCpu === 'number' ? nodeCpu : nodeCpu[round],
      ...(proxyCpu !== undefined && { proxyCpuSeconds: proxyCpu }),
      ...(listenerMicros && { listenerMicros: listenerMicros[round] }),
    })),
  };
}

const plan = { ...PLANS.smoke, runs: 3 };
const { subscribed, unsubscribed } = VARIANTS.otel.ids;

describe("The OpenTelemetry example's span, alone", function () {
  it('is neither measured nor reported when no server toggled the example', async function () {
    const progress: string[] = [];
    expect(await spanCostRows([cell('streaming', 'library', 13, 0.1)], plan, (line) => progress.push(line))).to.deep.equal([]);
    expect(progress).to.deep.equal([]);
  });

  it("is reported in µs, and as a share of each unsubscribed window's server CPU per request, the proxy's included", async function () {
    const cells = [
      cell('streaming', subscribed, 13, 0.2),
      cell('streaming', unsubscribed, 13, 0.1),
      cell('offload nginx', unsubscribed, 13, 0.02, 0.02),
    ];
    const [span, streamed, offloaded, ...others] = await spanCostRows(cells, plan, () => undefined);
    expect(others).to.deep.equal([]);
    expect(span!.measure).to.equal("the OpenTelemetry example's span alone (no download)");
    const micros = Number.parseFloat(span!.figure);
    expect(span!.figure).to.match(/^\d+\.\d\d µs$/);
    expect(micros).to.be.above(0).and.below(100);
    // 100 µs of Node per streamed request; 20 of Node and 20 of nginx per offloaded one.
    expect(streamed).to.deep.include({ case: '13 B', goal: 'reported', verdict: undefined });
    expect(streamed!.measure).to.include('(streaming, toggled in one server)');
    expect(streamed!.basis).to.include('Node CPU per request of the unsubscribed windows (100.0 µs)');
    expect(Number.parseFloat(streamed!.figure)).to.be.closeTo(micros, 0.06);
    expect(offloaded!.basis).to.include('server (Node + proxy) CPU per request of the unsubscribed windows (40.0 µs)');
    expect(Number.parseFloat(offloaded!.figure)).to.be.closeTo((micros / 40) * 100, 0.06);
  });

  it("is reported as timed inside the server's listeners too, per subscribed download, beside each round's unsubscribed CPU per request", async function () {
    // 1,000 subscribed downloads a round, 4,000 then 6,000 µs inside the listeners: 4 and 6 µs each.
    const cells = [cell('offload nginx', subscribed, 13, 0.03, 0.02, [4000, 6000]), cell('offload nginx', unsubscribed, 13, [0.02, 0.03], 0.02)];
    const [, loop, timed, ...others] = await spanCostRows(cells, plan, () => undefined);
    expect(others).to.deep.equal([]);
    expect(loop!.measure).to.include('span alone');
    expect(timed!.measure).to.equal("the OpenTelemetry example's listeners timed in the server (SDK included), as a share of a download without subscriber (offload nginx, toggled in one server)");
    expect(timed!.basis).to.equal('µs inside the listeners per subscribed download (5.00 µs, rounds 4.00–6.00) over the server (Node + proxy) CPU per request of the unsubscribed windows');
    // Of the same round's Node and nginx per unsubscribed download, 40 then 50 µs: 10 % and 12 %.
    expect(timed).to.deep.include({ case: '13 B', figure: '11.0 %', spread: '10.0 % – 12.0 %', goal: 'reported' });
  });
});
