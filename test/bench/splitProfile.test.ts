/**
 * bench/splitProfile.ts: a toggled server's profile split by window, per byte
 * each state wrote, on a profile and a log made up so that every figure is known.
 */
import { expect } from 'chai';
import { pathToFileURL } from 'node:url';
import type { Tallies } from '../../bench/contenders/libraryTraced.js';
import { kindOf, splitByWindow, type Profile } from '../../bench/splitProfile.js';

const repoFile = (path: string) => pathToFileURL(new URL(`../../${path}`, import.meta.url).pathname).href;

function tallies(subscribedBytes: number, unsubscribedBytes: number): Tallies {
  const tally = (bytes: number) => ({ cpuMicros: 0, bytes, micros: 0, listenerMicros: 0 });
  return { subscribed: tally(subscribedBytes), unsubscribed: tally(unsubscribedBytes) };
}

describe('Splitting a toggled server’s profile by window', function () {
  it('names the kinds of code by where they live', function () {
    expect(kindOf('startSpan', 'file:///app/node_modules/@opentelemetry/sdk-trace/build/src/Tracer.js')).to.equal('OpenTelemetry SDK');
    expect(kindOf('open', repoFile('bench/tracing.ts'))).to.equal('the example (bench/tracing.ts)');
    expect(kindOf('observeDownload', repoFile('dist/src/events.js'))).to.equal("the library's events");
    expect(kindOf('observeDownload', repoFile('src/events.ts'))).to.equal("the library's events");
    expect(kindOf('sendFile', repoFile('dist/src/sendFile.js'))).to.equal('everything else');
    expect(kindOf('publish', 'node:diagnostics_channel')).to.equal('node:diagnostics_channel');
    expect(kindOf('toggle', repoFile('bench/contenders/libraryTraced.ts'))).to.equal('the toggling server');
    expect(kindOf('(garbage collector)', '')).to.equal('garbage collector');
  });

  it('bills each sample to the window it fell in, per MB each state wrote, within each run only', function () {
    const nodes = [
      { id: 1, callFrame: { functionName: '(idle)', url: '' } },
      { id: 2, callFrame: { functionName: 'startSpan', url: 'file:///x/node_modules/@opentelemetry/sdk-trace/build/src/Tracer.js' } },
      { id: 3, callFrame: { functionName: 'writev', url: '' } },
    ];
    // One sample every 10 µs, at 1,000 to 1,200 µs: S the SDK, I idle, W writev.
    const pattern = 'SSIWWSWIWSWSIWWSWIWWS';
    const samples = [...pattern].map((kind) => ({ S: 2, I: 1, W: 3 })[kind as 'S' | 'I' | 'W']);
    const profile: Profile = { nodes, startTime: 990, samples, timeDeltas: samples.map(() => 10) };
    const log = {
      // Unsubscribed until 1,100 µs, subscribed from then on.
      switches: [
        { at: 900, state: 'unsubscribed' as const },
        { at: 1100, state: 'subscribed' as const },
      ],
      // One run, from 1,005 to 1,195 µs (the samples at 1,000 and 1,200 lie outside it): 1 MB written in each state.
      reads: [
        { at: 1005, tallies: tallies(0, 0) },
        { at: 1195, tallies: tallies(1e6, 1e6) },
      ],
    };
    const [run, ...others] = splitByWindow(profile, log);
    expect(others).to.deep.equal([]);
    // 1,010–1,090, unsubscribed: 3 S and 4 W. 1,100 (the switch itself) to 1,190, subscribed: 2 S and 6 W.
    expect(run!.perMB).to.deep.equal({ unsubscribed: 7, subscribed: 8 });
    expect(run!.kinds.get('OpenTelemetry SDK')).to.deep.equal({ unsubscribed: 3 / 7, subscribed: 2 / 7 });
    expect(run!.kinds.get('everything else')).to.deep.equal({ unsubscribed: 4 / 7, subscribed: 6 / 7 });
  });
});
