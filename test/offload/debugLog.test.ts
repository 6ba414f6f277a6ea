import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

// util.debuglog reads NODE_DEBUG once per process, so the app runs in a child.
const script = `
  import request from 'supertest';
  import { MemoryStorage } from './storages/memory.ts';
  import { VirtualFile } from './src/virtualFile.ts';
  import { download, pathDownload } from './src/routes.ts';
  import { StorageFile } from './src/storageFile.ts';
  import { xSendfile } from './src/xSendfile.ts';
  import { appWith } from './test/support/app.ts';
  const storage = new MemoryStorage({ baseUrl: '/memory/' });
  await storage.save('notes.txt', 'x');
  const offload = xSendfile({ sourceUrl: '/elsewhere/', destinationUrl: '/p/' }, { backend: 'nginx' });
  await request(appWith(offload, download(() => new StorageFile(storage, 'notes.txt'))).callback()).get('/');
  await request(appWith(offload, download(() => new VirtualFile({ name: 'gen.csv', content: 'a' }))).callback()).get('/');
  await request(appWith(pathDownload({ root: process.cwd(), path: (ctx) => ctx.query.f })).callback()).get('/export?f=/etc/passwd');
`;

describe('Debug log under NODE_DEBUG=koa-downloadview', function () {
  let stderr: string;

  before(async function () {
    const root = fileURLToPath(new URL('../../', import.meta.url));
    ({ stderr } = await promisify(execFile)(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: root,
      env: { ...process.env, NODE_DEBUG: 'koa-downloadview' },
    }));
  });

  it('says which downloads stream and why', function () {
    expect(stderr).to.match(/KOA-DOWNLOADVIEW \d+: xSendfile: no rule matches notes\.txt \(\/memory\/notes\.txt\); Node streams it/);
    expect(stderr).to.match(/xSendfile: gen\.csv has no path and no URL \(a virtual file\); Node streams it/);
  });

  it('logs what an error answer keeps from the client: the file name and the reason', async function () {
    expect(stderr).to.match(/KOA-DOWNLOADVIEW \d+: GET \/export\?f=\/etc\/passwd: 400 Invalid file name: outside the root \("\/etc\/passwd"\)/);
  });
});
