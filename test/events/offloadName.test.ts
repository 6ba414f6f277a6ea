import { expect } from 'chai';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import type { Middleware } from 'koa';
import request from 'supertest';
import { VirtualFile, announceOffload, untouchedDownload, virtualDownload, type DownloadMessage, type OffloadPlan } from '../../src/index.js';
import { appWith } from '../support/app.js';

describe('The offload a download event names', function () {
  it("is 'proxy' when the offload middleware names none", async function () {
    const plan: OffloadPlan = { checkFile: false };
    const cdn: Middleware = async (ctx, next) => {
      announceOffload(ctx, () => plan);
      await next();
      if (untouchedDownload(ctx)?.offload === plan) ctx.body = 'to the CDN';
    };
    const started: DownloadMessage[] = [];
    const listener = (message: unknown) => started.push(message as DownloadMessage);
    subscribe('koa-downloadview:download:start', listener);
    try {
      await request(appWith(cdn, virtualDownload(() => new VirtualFile({ name: 'a.txt', content: 'a' }))).callback()).get('/');
    } finally {
      unsubscribe('koa-downloadview:download:start', listener);
    }
    expect(started.map((message) => message.offload)).to.deep.equal([{ by: 'proxy' }]);
  });
});
