/**
 * library.ts with the OpenTelemetry example of docs/observability.md
 * (bench/tracing.ts) subscribed and unsubscribed in turn, in windows of
 * BENCH_TOGGLE_MS on average, while wrk loads it. Two servers measured one
 * after the other differ by more than 3 % from one run to the next on a
 * shared machine; the two states of one server share the same seconds, so
 * that the machine's swings fall on both.
 *
 * The Node CPU (every thread: process.cpuUsage) and the bytes written to
 * client sockets are counted apart for the subscribed and the unsubscribed
 * windows; a GET on 127.0.0.1:BENCH_CONTROL_PORT answers the tallies so far
 * (bench/traced.ts reads them before and after each run).
 *
 * Spans are batched as in production to an exporter that drops them (sending
 * them is the collector's cost, not the library's). Spans end only while
 * subscribed, so a full batch of 512 is handed to the exporter in a
 * subscribed window; the exporter's callback (a timer) and the 5 s timer's
 * partial batch may fall in either state. Flushing at the end of each window
 * instead would bill a flush (some 150 µs) to every dozen downloads of 64 KiB:
 * far more than production pays.
 *
 * BENCH_SUBSCRIBER=none toggles between two unsubscribed states: the A/A
 * check of the method, which must read about 0 %; =noop subscribes listeners
 * that do nothing (what the library's own messages cost); =otel subscribes
 * the example, and times its listeners where they run: the subscribed
 * windows' tally adds up the microseconds spent inside them (SDK included),
 * between two listeners of our own subscribed before and after them.
 *
 * BENCH_WINDOWS_LOG (set by `npm run bench -- --cpu-prof`) names a file that
 * gets, at exit, when each window began and the tallies at each control
 * request, on the clock of V8's profiles: bench/splitProfile.ts splits the
 * server's CPU profile by state with it.
 */
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { dirname } from 'node:path';
import type { Socket } from 'node:net';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { DroppingExporter } from '../droppingExporter.js';
import { traceDownloads } from '../tracing.js';

export interface Tally {
  cpuMicros: number;
  /** Bytes handed to client sockets, headers included. */
  bytes: number;
  micros: number;
  /** Microseconds spent inside the example's listeners (otel only). */
  listenerMicros: number;
}
export type Tallies = Record<'subscribed' | 'unsubscribed', Tally>;

const windowMs = Number(process.env['BENCH_TOGGLE_MS']);
/** `otel`, `noop`, or `none` for the A/A check (bench/traced.ts VARIANTS). */
const subscriber = process.env['BENCH_SUBSCRIBER'];
const CHANNELS = ['start', 'finish', 'abort', 'error'].map((name) => `koa-downloadview:download:${name}`);

const provider = new BasicTracerProvider({ spanProcessors: [new BatchSpanProcessor(new DroppingExporter())] });
const tracer = provider.getTracer('koa-downloadview-bench');
const control = createServer((_request, response) => {
  settle();
  if (windowsLog) windows.reads.push({ at: clock(), tallies: structuredClone(tallies) });
  response.setHeader('content-type', 'application/json').end(JSON.stringify(tallies));
});

// Client sockets only: the control server's own answers are no download.
const sockets = new Set<Socket>();
let closedBytes = 0;
subscribe('net.server.socket', (message) => {
  const { socket } = message as { socket: Socket & { server?: Server } };
  if (socket.server === control) return;
  sockets.add(socket);
  socket.once('close', () => {
    sockets.delete(socket);
    closedBytes += socket.bytesWritten;
  });
});
const bytesWritten = () => [...sockets].reduce((total, socket) => total + socket.bytesWritten, closedBytes);

const zero = (): Tally => ({ cpuMicros: 0, bytes: 0, micros: 0, listenerMicros: 0 });
const tallies: Tallies = { subscribed: zero(), unsubscribed: zero() };
let state: keyof Tallies = 'unsubscribed';

/** µs on CLOCK_MONOTONIC, as V8's profiles count time. */
const clock = () => Number(process.hrtime.bigint() / 1000n);
export interface WindowsLog {
  /** When each window began, and its state; the first window (unsubscribed) began at start. */
  switches: { at: number; state: keyof Tallies }[];
  /** The tallies answered to each control request: a run lies between a pair of them. */
  reads: { at: number; tallies: Tallies }[];
}
const windows: WindowsLog = { switches: [{ at: clock(), state }], reads: [] };
const windowsLog = process.env['BENCH_WINDOWS_LOG'];
if (windowsLog) {
  process.once('exit', () => {
    mkdirSync(dirname(windowsLog), { recursive: true });
    writeFileSync(windowsLog, JSON.stringify(windows));
  });
}
let stopListening: (() => void) | undefined;
let mark = now();

function now(): Tally {
  const { user, system } = process.cpuUsage();
  return { cpuMicros: user + system, bytes: bytesWritten(), micros: performance.now() * 1000, listenerMicros: 0 };
}

/** Counts everything since the last mark in the current state's window. */
function settle(): void {
  const [from, to] = [mark, now()];
  const tally = tallies[state];
  for (const key of ['cpuMicros', 'bytes', 'micros'] as const) tally[key] += to[key] - from[key];
  mark = to;
}

/** Subscribes `listener` to every download channel; returns what unsubscribes it. */
function listenAll(listener: (message: unknown) => void): () => void {
  for (const name of CHANNELS) subscribe(name, listener);
  return () => {
    for (const name of CHANNELS) unsubscribe(name, listener);
  };
}

/**
 * The example, between two listeners that read the clock: node:diagnostics_channel calls
 * a channel's listeners in the order they subscribed. Their own cost (two listener calls
 * and two clock reads per message, some 0.1 µs) is billed to the subscribed windows too.
 */
function timedTracing(): () => void {
  let entered = 0;
  const stops = [
    listenAll(() => void (entered = performance.now())),
    traceDownloads(tracer),
    listenAll(() => void (tallies.subscribed.listenerMicros += (performance.now() - entered) * 1000)),
  ];
  return () => {
    for (const stop of stops) stop();
  };
}

function subscribeAll(): () => void {
  return subscriber === 'otel' ? timedTracing() : listenAll(() => {});
}

/**
 * Between half and one and a half times BENCH_TOGGLE_MS: with windows of one
 * length, a periodic cost (a scavenge every so many requests) could keep
 * falling in the same state's windows (an A/A check read +6 % and +9 % so).
 */
function nextWindow(): number {
  return windowMs * (0.5 + Math.random());
}

function toggle(): void {
  if (state === 'subscribed') stopListening?.();
  settle();
  state = state === 'subscribed' ? 'unsubscribed' : 'subscribed';
  if (windowsLog) windows.switches.push({ at: clock(), state });
  if (state === 'subscribed' && subscriber !== 'none') stopListening = subscribeAll();
  setTimeout(toggle, nextWindow());
}

control.listen(Number(process.env['BENCH_CONTROL_PORT']), '127.0.0.1');
await import('./library.js');
// Only once the library holds its channels. Node 20 keeps channels by weak reference: a window's
// subscriber, gone and collected before the library's module made its own channel of that name,
// has its finalizer delete the library's entry (fixed in Node by nodejs/node#59910). Later
// subscribers then get a new channel that the library never publishes on: the example never ran.
setTimeout(toggle, nextWindow());
