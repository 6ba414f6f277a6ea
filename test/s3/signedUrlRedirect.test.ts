import { expect } from 'chai';
import Router from '@koa/router';
import type { Middleware } from 'koa';
import request from 'supertest';
import { startEmbeddedS3, type EmbeddedS3 } from '../../demo/s3.js';
import { MemoryStorage, storageDownload } from '../../src/index.js';
import { encodeName } from '../../storages/names.js';
import { S3Storage, signedUrlRedirect } from '../../src/s3.js';
import { appWith } from '../support/app.js';
import { observeCommands } from './observeCommands.js';

const NAME = 'rapports/état 2024 #1 + 50%.txt';

describe('signedUrlRedirect on s3rver', function () {
  let s3: EmbeddedS3;

  before(async function () {
    s3 = await startEmbeddedS3();
    await s3.storage.save(NAME, 'quarterly figures');
  });
  after(async function () {
    await s3.stop();
  });

  function routed(...middleware: Middleware<any, any>[]) {
    const router = new Router();
    router.get('/files/*path', ...(middleware as [never]));
    return appWith(router.routes());
  }

  /** An S3Storage of its own, whose every S3 command is recorded. */
  function observedStorage(): { storage: S3Storage; sent: string[] } {
    const storage = new S3Storage({ bucket: s3.bucket, clientConfig: s3.clientConfig });
    return { storage, sent: observeCommands(storage.client) };
  }

  it('answers 302 to a signed URL that S3 serves with the headers the streamed download has, Node asking S3 nothing', async function () {
    const { storage, sent } = observedStorage();
    const streamed = await request(routed(storageDownload({ storage: s3.storage })).callback()).get(`/files/${encodeName(NAME)}`);
    const redirected = await request(routed(signedUrlRedirect(), storageDownload({ storage })).callback()).get(`/files/${encodeName(NAME)}`);

    expect(redirected.status).to.equal(302);
    expect(redirected.headers['location']).to.match(new RegExp(`^${s3.endpoint}/${s3.bucket}/`));
    expect(redirected.headers['cache-control']).to.equal('no-store');
    expect(redirected.headers).to.not.have.property('content-disposition');
    expect(sent, 'S3 commands sent by the app').to.deep.equal([]);

    const fetched = await fetch(redirected.headers['location']!);
    expect(fetched.status).to.equal(200);
    expect(fetched.headers.get('content-disposition')).to.equal(streamed.headers['content-disposition']);
    expect(fetched.headers.get('content-type')).to.equal(streamed.headers['content-type']);
    expect(await fetched.text()).to.equal('quarterly figures');
  });

  it('carries an inline disposition and the route\'s content type to S3', async function () {
    const app = routed(signedUrlRedirect(), storageDownload({ storage: s3.storage, attachment: false, contentType: 'text/csv' }));
    const redirected = await request(app.callback()).get(`/files/${encodeName(NAME)}`);
    const fetched = await fetch(redirected.headers['location']!);
    expect(fetched.headers.get('content-disposition')).to.match(/^inline; filename=/);
    expect(fetched.headers.get('content-type')).to.equal('text/csv; charset=utf-8');
  });

  it('signs for expiresIn seconds', async function () {
    const redirected = await request(routed(signedUrlRedirect({ expiresIn: 60 }), storageDownload({ storage: s3.storage })).callback()).get(`/files/${encodeName(NAME)}`);
    expect(new URL(redirected.headers['location']!).searchParams.get('X-Amz-Expires')).to.equal('60');
  });

  it('leaves files of other storages to be streamed by the route', async function () {
    const memory = new MemoryStorage();
    await memory.save('local.txt', 'from memory');
    const app = appWith(signedUrlRedirect(), storageDownload({ storage: memory, name: 'local.txt' }));
    const res = await request(app.callback()).get('/');
    expect(res.status).to.equal(200);
    expect(res.text).to.equal('from memory');
  });

  it('leaves a download alone that a later middleware denied: a 403 never becomes a redirect to the file', async function () {
    const deny: Middleware = async (ctx, next) => {
      await next();
      ctx.status = 403;
    };
    const res = await request(routed(signedUrlRedirect(), deny, storageDownload({ storage: s3.storage })).callback()).get(`/files/${encodeName(NAME)}`);
    expect(res.status).to.equal(403);
    expect(res.headers['location']).to.equal(undefined);
  });

  it('redirects a missing key too: S3 answers the signed URL with 404, the app never asked', async function () {
    const { storage, sent } = observedStorage();
    const redirected = await request(routed(signedUrlRedirect(), storageDownload({ storage })).callback()).get('/files/missing.txt');
    expect(redirected.status).to.equal(302);
    expect(sent).to.deep.equal([]);
    expect((await fetch(redirected.headers['location']!)).status).to.equal(404);
  });
});
