/** The demo's signed link: a fresh one per visit, valid for 60 s, refused once changed. */
import { expect } from 'chai';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { demoApp } from '../../demo/app.js';
import { MemoryStorage } from '../../src/index.js';
import { param, withParam } from './fixtures.js';

describe('signedLinks in the demo', function () {
  let dir: string;
  before(async () => (dir = await mkdtemp(join(tmpdir(), 'kdv-demo-signed-'))));
  after(() => rm(dir, { recursive: true, force: true }));

  it('/signed-link redirects to a link that expires in 60 s, which serves the file; changed, it is refused', async function () {
    const demo = await demoApp({ dataDir: dir, s3: new MemoryStorage(), selfUrl: () => 'http://127.0.0.1' });
    try {
      await expectSignedLinkServesOnce(demo.app);
    } finally {
      await demo.close();
    }
  });
});

/** Follows the demo's /signed-link, uses the link, then changes it. */
async function expectSignedLinkServesOnce(app: import('koa')): Promise<void> {
  const server = request(app.callback());
  const redirect = await server.get('/signed-link');
  expect(redirect.status).to.equal(302);
  expect(redirect.headers['cache-control']).to.equal('no-store');
  const link = redirect.headers['location']!;
  expect(Number(param(link, 'expires')) - Date.now() / 1000).to.be.within(58, 61);
  const res = await server.get(link);
  expect([res.status, res.text]).to.deep.equal([200, 'Hello world!\n']);
  expect(res.headers['cache-control']).to.match(/^private, max-age=(59|60)$/);
  expect((await server.get(withParam(link, 'expires', String(Number(param(link, 'expires')) + 3600)))).status).to.equal(403);
  expect((await server.get('/signed/hello-world.txt')).text).to.equal('This download link is not signed.');
}
