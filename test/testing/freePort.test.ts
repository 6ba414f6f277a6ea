import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { freePort } from '../../src/testing/process.js';

describe('freePort', function () {
  it('picks ports below the ephemeral range, where listening on port 0 never lands, so that parallel test files do not meet on one', async function () {
    const ephemeralStart = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').split(/\s+/)[0]);
    const ports = await Promise.all(Array.from({ length: 20 }, () => freePort()));
    for (const port of ports) expect(port).to.be.within(1024, ephemeralStart - 1);
    expect(new Set(ports).size).to.be.greaterThan(15);
  });

  it("never gives a port that fetch refuses as a bad port (the Fetch standard's list)", async function () {
    const ephemeralStart = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').split(/\s+/)[0]);
    // The draws land on 6000, then on 10080, both bad ports, then on 20000.
    const draws = [6000, 10080, 20000].map((port) => (port - 1024) / (ephemeralStart - 1024));
    const random = Math.random;
    Math.random = () => draws.shift() ?? random();
    let port: number;
    try {
      port = await freePort();
    } finally {
      Math.random = random;
    }
    expect(port).to.equal(20000);
    await fetch(`http://127.0.0.1:${port}/`).catch((error: Error) => expect(String((error.cause as Error | undefined)?.message)).to.not.equal('bad port'));
    // And fetch does refuse the ports skipped.
    for (const bad of [6000, 10080]) {
      const refused = await fetch(`http://127.0.0.1:${bad}/`).catch((error: Error) => (error.cause as Error | undefined)?.message);
      expect(refused).to.equal('bad port');
    }
  });

  it('gives a port that can be listened on at once', async function () {
    const server = createServer();
    const port = await freePort();
    await new Promise<void>((resolve, reject) => server.once('error', reject).listen(port, '127.0.0.1', resolve));
    await new Promise((resolve) => server.close(resolve));
  });
});
