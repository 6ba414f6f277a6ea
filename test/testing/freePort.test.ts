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

  it('gives a port that can be listened on at once', async function () {
    const server = createServer();
    const port = await freePort();
    await new Promise<void>((resolve, reject) => server.once('error', reject).listen(port, '127.0.0.1', resolve));
    await new Promise((resolve) => server.close(resolve));
  });
});
