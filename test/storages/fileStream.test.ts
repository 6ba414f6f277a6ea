/**
 * FileStream's chunk sizes follow its reader (issue 18): big for a reader
 * that never waits, small for one that does, and big chunks only for
 * BIG_READERS streams at once. Throughput itself is the benchmark's
 * (npm run bench); no timing is asserted here.
 */
import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { openSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { BIG_READERS, CHUNK_SIZES, FileStream, freeBigReaders } from '../../storages/fileStream.js';
import { openFdCount } from '../support/streams.js';

const MiB = 1024 * 1024;
const { base, least, most } = CHUNK_SIZES;

describe('FileStream', function () {
  let dir: string;
  let content: Buffer;
  let path: string;

  before(async function () {
    dir = await mkdtemp(join(tmpdir(), 'kdv-filestream-'));
    content = randomBytes(8 * MiB);
    path = join(dir, 'file.bin');
    await writeFile(path, content);
  });
  after(() => rm(dir, { recursive: true, force: true }));
  afterEach(function () {
    expect(freeBigReaders(), 'licences given back').to.equal(BIG_READERS);
  });

  const open = (start = 0, end = content.length - 1) => new FileStream(openSync(path, 'r'), start, end);

  /** Reads `stream` to its end through a writable that takes `delay(chunk)` ms per chunk; resolves to the chunks' sizes and the bytes. */
  async function drain(stream: FileStream, delay: (index: number) => number = () => 0): Promise<{ sizes: number[]; bytes: Buffer }> {
    const chunks: Buffer[] = [];
    await pipeline(
      stream,
      new Writable({
        highWaterMark: 1,
        write(chunk: Buffer, _encoding, done) {
          chunks.push(chunk);
          const wait = delay(chunks.length - 1);
          if (wait > 0) setTimeout(done, wait);
          else done();
        },
      }),
    );
    return { sizes: chunks.map((chunk) => chunk.length), bytes: Buffer.concat(chunks) };
  }

  it('reads big chunks for a reader that never waits, and ends with one no bigger than the base', async function () {
    const { sizes, bytes } = await drain(open());
    expect(bytes.equals(content)).to.equal(true);
    expect(sizes[0]).to.equal(most);
    expect(sizes.at(-1)).to.be.at.most(base);
    expect(sizes.length).to.be.at.most(content.length / most + 2);
  });

  it('halves its chunks, down to the least, for a reader that keeps it waiting', async function () {
    const { sizes, bytes } = await drain(open(0, 3 * MiB - 1), () => 2);
    expect(bytes.equals(content.subarray(0, 3 * MiB))).to.equal(true);
    // 1 MiB, then halved at each wait: 512, 256, 128, 64, 32 KiB and 32 KiB from there.
    expect(sizes.slice(0, 7)).to.deep.equal([most, most / 2, most / 4, most / 8, base, least, least]);
    expect(Math.max(...sizes.slice(6))).to.equal(least);
  });

  it('grows its chunks again once the reader stops waiting', async function () {
    const { sizes } = await drain(open(), (index) => (index < 8 ? 2 : 0));
    expect(sizes.slice(8, 14)).to.deep.equal([least, base, 2 * base, 4 * base, 8 * base, most]);
  });

  it('reads an inclusive range, whatever its size', async function () {
    for (const [start, end] of [[0, 0], [5, 5 + base], [MiB - 3, 3 * MiB + 7], [content.length - 10, content.length - 1]] as const) {
      const { bytes } = await drain(open(start, end));
      expect(bytes.equals(content.subarray(start, end + 1)), `${start}-${end}`).to.equal(true);
    }
  });

  it('lends big chunks to BIG_READERS streams at once; the others read base chunks until one is given back', async function () {
    const streams = Array.from({ length: BIG_READERS + 2 }, () => open());
    expect(freeBigReaders()).to.equal(0);
    const first = (stream: FileStream) =>
      new Promise<number>((resolve) =>
        stream.once('data', (chunk: Buffer) => {
          stream.pause();
          resolve(chunk.length);
        }),
      );
    const firsts = await Promise.all(streams.map(first));
    expect(firsts.filter((size) => size === most)).to.have.length(BIG_READERS);
    expect(firsts.filter((size) => size === base)).to.have.length(2);
    streams.slice(0, BIG_READERS).forEach((stream) => stream.destroy());
    // The last two now find licences when they read on without waiting.
    const rest = await Promise.all(streams.slice(BIG_READERS).map((stream) => drain(stream)));
    for (const { sizes } of rest) expect(Math.max(...sizes)).to.equal(most);
  });

  it('gives its licence back once its chunks are small again, before it ends', async function () {
    const licences: number[] = [];
    await drain(open(), (index) => {
      licences.push(freeBigReaders());
      return index < 12 ? 2 : 0;
    });
    // Licensed at first; free again while it still reads small chunks for a waiting reader.
    expect(licences[0]).to.equal(BIG_READERS - 1);
    expect(licences.slice(6, 12)).to.include(BIG_READERS);
  });

  it('closes its descriptor when destroyed, even in the middle of a read', async function () {
    const before = await openFdCount();
    const streams = Array.from({ length: 20 }, () => open());
    for (const stream of streams) stream.resume();
    // Half with their first read surely in progress, half a little later.
    for (const stream of streams.slice(0, 10)) stream.destroy();
    await sleep(1);
    for (const stream of streams.slice(10)) stream.destroy();
    // 'close' follows the descriptor's close; a loaded machine may take its time.
    await Promise.all(streams.map((stream) => (stream.closed ? undefined : once(stream, 'close'))));
    expect(await openFdCount()).to.equal(before);
  });

  it('ends at the end of the file when the range runs past it (the body then tells the client it shrank)', async function () {
    const { bytes } = await drain(open(content.length - 4, content.length + 100));
    expect(bytes.equals(content.subarray(content.length - 4))).to.equal(true);
  });
});
