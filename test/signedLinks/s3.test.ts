/** Signed links in front of S3 routes, on s3rver: streamed by Node, or redirected to a presigned S3 URL. */
import Router from '@koa/router';
import { expect } from 'chai';
import type { Middleware } from 'koa';
import request from 'supertest';
import { startEmbeddedS3, type EmbeddedS3 } from '../../demo/s3.js';
import { storageDownload } from '../../src/index.js';
import { S3Storage, signedUrlRedirect } from '../../src/s3.js';
import { appWith } from '../support/app.js';
import { observeCommands } from '../s3/observeCommands.js';
import { signer, withParam } from './fixtures.js';

const NAME = 'rapports/état 2024 #1 + 50%.txt';

describe('signedLinks: S3 routes on s3rver', function () {
  this.timeout(30_000);
  // The real clock: S3 checks its presigned URLs against it.
  const links = signer({}, { get now() { return Date.now(); } });
  let s3: EmbeddedS3;
  let storage: S3Storage;
  let sent: string[];

  before(async function () {
    s3 = await startEmbeddedS3();
    await s3.storage.save(NAME, 'quarterly figures');
  });
  after(() => s3.stop());
  beforeEach(function () {
    storage = new S3Storage({ bucket: s3.bucket, clientConfig: s3.clientConfig });
    sent = observeCommands(storage.client);
  });

  function routed(...middleware: Middleware<any, any>[]) {
    const router = new Router();
    router.get('/s3/*path', ...(middleware as [never]));
    return appWith(router.routes()).callback();
  }

  it('streams the object of a valid link with the signed disposition and name', async function () {
    const res = await request(routed(links.verify(), storageDownload({ storage }))).get(links.url(`/s3/${NAME}`, { attachment: false, basename: 'Q1.txt', expiresIn: 300 }));
    expect(res.status).to.equal(200);
    expect(res.text).to.equal('quarterly figures');
    expect(res.headers['content-disposition']).to.equal('inline; filename=Q1.txt');
    // The link's life in whole seconds on the real clock: a second may tick between signing and checking.
    const [, maxAge] = /^private, max-age=(\d+)$/.exec(res.headers['cache-control'] ?? '') ?? [];
    expect(Number(maxAge)).to.be.within(299, 300);
  });

  it('redirects a valid link to a presigned URL, which S3 answers with the signed disposition; the redirect itself is no-store', async function () {
    const res = await request(routed(links.verify(), signedUrlRedirect({ expiresIn: 60 }), storageDownload({ storage }))).get(links.url(`/s3/${NAME}`, { basename: 'Q1 résumé.txt' }));
    expect(res.status).to.equal(302);
    expect(res.headers['cache-control']).to.equal('no-store');
    expect(res.headers).not.to.have.property('content-disposition');
    const fetched = await fetch(res.headers['location']!);
    expect(fetched.status).to.equal(200);
    expect(fetched.headers.get('content-disposition')).to.equal(`attachment; filename="Q1 resume.txt"; filename*=UTF-8''Q1%20r%C3%A9sum%C3%A9.txt`);
    expect(await fetched.text()).to.equal('quarterly figures');
  });

  it('refuses a changed link before any S3 request, and with no redirect', async function () {
    const link = withParam(links.url(`/s3/${NAME}`), 'disposition', 'inline');
    for (const app of [routed(links.verify(), storageDownload({ storage })), routed(links.verify(), signedUrlRedirect(), storageDownload({ storage }))]) {
      const res = await request(app).get(link);
      expect(res.status).to.equal(403);
      expect(res.headers).not.to.have.property('location');
    }
    expect(sent).to.deep.equal([]);
  });
});
