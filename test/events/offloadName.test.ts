import { expect } from 'chai';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import request from 'supertest';
import { VirtualFile, virtualDownload, type DownloadMessage } from '../../src/index.js';
import { cdnOffload } from '../offload/fixtures.js';
import { appWith } from '../support/app.js';

describe('The offload a download event names', function () {
  it("is 'proxy' when the offload middleware names none", async function () {
    const started: DownloadMessage[] = [];
    const listener = (message: unknown) => started.push(message as DownloadMessage);
    subscribe('koa-downloadview:download:start', listener);
    try {
      await request(appWith(cdnOffload({ checkFile: false }), virtualDownload(() => new VirtualFile({ name: 'a.txt', content: 'a' }))).callback()).get('/');
    } finally {
      unsubscribe('koa-downloadview:download:start', listener);
    }
    expect(started.map((message) => message.offload)).to.deep.equal([{ by: 'proxy' }]);
  });
});
