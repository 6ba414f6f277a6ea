import { expect } from 'chai';
import { once } from 'node:events';
import { createServer, request as httpRequest, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PassThrough, Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { LazyBody } from '../../src/lazyBody.js';

/** Everything `body` gives, or the message of the error it fails with. */
async function drain(body: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  try {
    for await (const chunk of body) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString();
  } catch (error) {
    return `error: ${(error as Error).message}`;
  }
}

describe('LazyBody', function () {
  it('opens its source once, however often it is read while the opening is under way', async function () {
    let opens = 0;
    const body = new LazyBody(async () => (opens++, await sleep(20), Readable.from([Buffer.from('abc')])), 3);
    body.read(0);
    body.read(0);
    body.read(0);
    expect(await drain(body)).to.equal('abc');
    expect(opens).to.equal(1);
  });

  it('frees what the file kept open when dropped unread, and not once the source is opening', async function () {
    let released = 0;
    new LazyBody(async () => Readable.from([]), 0, () => released++).destroy();
    const read = new LazyBody(async () => Readable.from([Buffer.from('a')]), 1, () => released++);
    await drain(read);
    read.destroy();
    expect(released).to.equal(1);
    // A body without anything to free drops as quietly.
    const bare = new LazyBody(async () => Readable.from([]));
    bare.destroy();
    await once(bare, 'close');
    expect(bare.errored).to.equal(null);
  });

  it('fails with the error of an open that fails, and of a source that fails', async function () {
    expect(await drain(new LazyBody(async () => { throw new Error('no such object'); }))).to.equal('error: no such object');
    const failing = new PassThrough();
    const body = new LazyBody(async () => failing);
    setImmediate(() => failing.destroy(new Error('disk gone')));
    expect(await drain(body)).to.equal('error: disk gone');
  });

  it('destroys a source that opens after the body was dropped', async function () {
    const source = new PassThrough();
    let opened!: () => void;
    const body = new LazyBody(() => new Promise((resolve) => (opened = () => resolve(source))));
    body.read(0);
    body.destroy();
    opened();
    await once(source, 'close');
    expect(source.destroyed).to.equal(true);
  });

  it('fails rather than send more or fewer bytes than announced', async function () {
    expect(await drain(new LazyBody(async () => Readable.from([Buffer.from('abcd')]), 3))).to.equal('error: The file grew while it was sent: more than the 3 bytes announced.');
    expect(await drain(new LazyBody(async () => Readable.from([Buffer.from('ab')]), 3))).to.equal('error: The file shrank while it was sent: 2 of 3 bytes.');
    expect(await drain(new LazyBody(async () => Readable.from([Buffer.from('abcd')])))).to.equal('abcd');
  });

  it('holds at most one chunk of its source while nobody reads, and then relays all of it', async function () {
    const chunk = Buffer.alloc(256 * 1024, 1);
    let produced = 0;
    const source = new Readable({
      highWaterMark: 0,
      read() {
        this.push(produced++ < 32 ? chunk : null);
      },
    });
    const body = new LazyBody(async () => source, 32 * chunk.length);
    body.read(0);
    await sleep(100);
    expect(body.readableLength).to.be.at.most(chunk.length);
    let total = 0;
    for await (const part of body) total += (part as Buffer).length;
    expect(total).to.equal(32 * chunk.length);
  });

  it('is destroyed when its response closes, or at once when the response is closed already', async function () {
    const bodies: LazyBody[] = [];
    const responses: ServerResponse[] = [];
    const server = createServer((_req, res) => {
      const body = new LazyBody(async () => new PassThrough());
      bodies.push(body);
      responses.push(res);
      body.destroyWhenClosed(res);
      res.writeHead(200);
      res.flushHeaders();
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    try {
      const client = httpRequest({ port: (server.address() as AddressInfo).port, host: '127.0.0.1' });
      client.end();
      await once(client, 'response');
      client.destroy();
      while (!bodies[0]?.destroyed) await sleep(5);
      const late = new LazyBody(async () => new PassThrough());
      late.destroyWhenClosed(responses[0]!);
      expect(late.destroyed).to.equal(true);
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });
});
