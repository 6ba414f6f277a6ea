/**
 * Issue 16: which ZIP writer should zipDownload use? Each contender writes
 * the same stored archive from the same in-memory sources (64 KiB views, as
 * MemoryStorage streams them) into a sink that counts bytes, in a child
 * process of its own, so that its peak memory is its own.
 *
 * The contenders are not dependencies of this package: install them aside,
 *   npm install --prefix /tmp/zipbench yazl zip-stream client-zip fflate @zip.js/zip.js
 * then run, from the repository:
 *   node --import tsx bench/zipLibraries.mjs /tmp/zipbench
 * It prints a Markdown table (docs/zip.md quotes one).
 */
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { fileURLToPath, pathToFileURL } from 'node:url';

const SCENARIOS = {
  '8 × 32 MiB': { count: 8, size: 32 * 2 ** 20 },
  '10,000 × 1 KiB': { count: 10_000, size: 1024 },
};
const CONTENDERS = ['koa-downloadview', 'yazl', 'zip-stream', 'client-zip', 'fflate', '@zip.js/zip.js'];
const MTIME = new Date('2024-01-01T00:00:00Z');

/** What each contender offers for zipDownload, from its documentation and API. */
const FEATURES = {
  'koa-downloadview': { zip64: 'yes, only when needed', length: 'yes (stat sizes)', ranges: 'yes: any range, opens only the sources it needs' },
  yazl: { zip64: 'yes, when needed', length: 'yes (calculatedTotalSizeCallback)', ranges: 'no' },
  'zip-stream': { zip64: 'yes (forceZip64 or > 4 GiB)', length: 'no', ranges: 'no' },
  'client-zip': { zip64: 'yes; always says "version 4.5 needed"', length: 'yes (predictLength)', ranges: 'no' },
  fflate: { zip64: 'no: reads ZIP64, writes none', length: 'no', ranges: 'no' },
  '@zip.js/zip.js': { zip64: 'yes', length: 'no', ranges: 'no' },
};

function source(buffer) {
  let at = 0;
  return new Readable({
    read() {
      if (at >= buffer.length) return this.push(null);
      this.push(buffer.subarray(at, (at += 64 * 1024)));
    },
  });
}

/** Writes one archive with one contender; resolves with the bytes written and the length it predicted, if any. */
async function write(contender, dir, { count, size }, sink) {
  const require = createRequire(join(dir, 'noop.js'));
  const buffer = Buffer.alloc(size, 7);
  const names = Array.from({ length: count }, (_, i) => `folder/file-${i}.bin`);
  switch (contender) {
    case 'koa-downloadview': {
      const { ZipArchive } = await import('../src/zip/zipArchive.ts');
      const { VirtualFile } = await import('../src/index.ts');
      const archive = new ZipArchive(names.map((name) => ({ name, file: new VirtualFile({ name, stream: () => source(buffer), size, modifiedTime: MTIME }) })), { crcCache: false });
      const { size: predicted } = await archive.stat();
      for await (const chunk of await archive.open()) sink(chunk);
      return predicted;
    }
    case 'yazl': {
      const yazl = require('yazl');
      const zip = new yazl.ZipFile();
      for (const name of names) zip.addReadStreamLazy(name, { compress: false, size, mtime: MTIME }, (cb) => cb(null, source(buffer)));
      let predicted;
      zip.end({}, (total) => (predicted = total));
      for await (const chunk of zip.outputStream) sink(chunk);
      return predicted;
    }
    case 'zip-stream': {
      const ZipStream = require('zip-stream').default;
      const archive = new ZipStream({ store: true });
      const done = (async () => { for await (const chunk of archive) sink(chunk); })();
      for (const name of names) await new Promise((resolve, reject) => archive.entry(source(buffer), { name, store: true, date: MTIME }, (error) => (error ? reject(error) : resolve())));
      archive.finish();
      await done;
      return undefined;
    }
    case 'client-zip': {
      const { makeZip, predictLength } = await import(pathToFileURL(join(dir, 'node_modules/client-zip/index.js')).href);
      const predicted = Number(predictLength(names.map((name) => ({ name, size }))));
      const inputs = function* () { for (const name of names) yield { name, lastModified: MTIME, size, input: Readable.toWeb(source(buffer)) }; };
      for await (const chunk of makeZip(inputs())) sink(chunk);
      return predicted;
    }
    case 'fflate': {
      const { Zip, ZipPassThrough } = require('fflate');
      // fflate has no backpressure: its callback gets every chunk as soon as it is pushed.
      let finished;
      const ended = new Promise((resolve, reject) => (finished = (error) => (error ? reject(error) : resolve())));
      const zip = new Zip((error, chunk, final) => (error ? finished(error) : (sink(chunk), final && finished())));
      for (const name of names) {
        const file = new ZipPassThrough(name);
        file.mtime = MTIME;
        zip.add(file);
        for await (const chunk of source(buffer)) file.push(chunk);
        file.push(new Uint8Array(0), true);
      }
      zip.end();
      await ended;
      return undefined;
    }
    case '@zip.js/zip.js': {
      const { ZipWriter, configure } = require('@zip.js/zip.js');
      configure({ useWebWorkers: false });
      const writer = new ZipWriter(new WritableStream({ write: (chunk) => sink(chunk) }), { level: 0, lastModDate: MTIME });
      for (const name of names) await writer.add(name, Readable.toWeb(source(buffer)), { level: 0 });
      await writer.close();
      return undefined;
    }
  }
  throw new Error(`unknown contender ${contender}`);
}

/** In the child: one run, measured; prints JSON. */
async function measureOne(contender, dir, scenario) {
  // A small archive first: modules loaded (through tsx, for this package) and code warm before measuring.
  await write(contender, dir, { count: 3, size: 1024 }, () => {});
  let written = 0;
  let peak = process.memoryUsage().rss;
  const base = peak;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 5);
  const cpu = process.cpuUsage();
  const started = process.hrtime.bigint();
  const predicted = await write(contender, dir, SCENARIOS[scenario], (chunk) => (written += chunk.byteLength));
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const { user, system } = process.cpuUsage(cpu);
  clearInterval(sampler);
  peak = Math.max(peak, process.memoryUsage().rss);
  process.stdout.write(JSON.stringify({ written, predicted, seconds, cpuSeconds: (user + system) / 1e6, peakRssMiB: (peak - base) / 2 ** 20 }));
}

const [dir, contender, scenario] = process.argv.slice(2);
if (contender) {
  await measureOne(contender, dir, scenario);
} else {
  const script = fileURLToPath(import.meta.url);
  console.log('| scenario | library | seconds | MiB/s | CPU s | peak RSS growth (MiB) | exact length predicted | ZIP64 | random-access ranges |');
  console.log('| --- | --- | ---: | ---: | ---: | ---: | --- | --- | --- |');
  for (const name of Object.keys(SCENARIOS)) {
    for (const candidate of CONTENDERS) {
      // Best of three runs, each in a fresh process.
      const runs = [0, 1, 2].map(() => JSON.parse(execFileSync(process.execPath, ['--import', 'tsx', script, dir, candidate, name], { encoding: 'utf8' })));
      const best = runs.sort((a, b) => a.seconds - b.seconds)[0];
      const exact = best.predicted === undefined ? 'no' : best.predicted === best.written ? 'yes' : `wrong (${best.predicted} for ${best.written})`;
      const { zip64, ranges } = FEATURES[candidate];
      const rate = best.written / 2 ** 20 / best.seconds;
      console.log(`| ${name} | ${candidate} | ${best.seconds.toFixed(2)} | ${rate.toFixed(0)} | ${best.cpuSeconds.toFixed(2)} | ${best.peakRssMiB.toFixed(0)} | ${exact} | ${zip64} | ${ranges} |`);
    }
  }
}
