import { expect } from 'chai';
import { exchange } from './harness/exchange.js';
import { proxySuite } from './harness/suite.js';

proxySuite(
  'a URL rule (sourceUrl) and the configuration generated for it',
  (_proxy, stack) => {
    it('offloads a file matched by its URL, the proxy sending the bytes', async function () {
      expect(stack().rule.sourceUrl).to.equal('/media/');
      const direct = await exchange(stack().appPort, '/files/plain.txt');
      expect(Object.keys(direct.headers).some((name) => /^x-(sendfile|accel-redirect)$/.test(name)), 'the app hands it off').to.equal(true);
      const through = await exchange(stack().proxyPort, '/files/plain.txt');
      expect(through.status).to.equal(200);
      expect(through.body.toString()).to.include('plain.txt');
      expect(Object.keys(through.headers).filter((name) => /^x-(sendfile|accel-)/.test(name))).to.deep.equal([]);
    });
  },
  { byUrl: true },
);
