import { expect } from 'chai';
import { MemoryStorage } from '../../storages/memory.js';
import { storageContract } from './contract.js';

storageContract('MemoryStorage', async () => ({
  storage: new MemoryStorage(),
  withBaseUrl: new MemoryStorage({ baseUrl: 'https://cdn.example/media/' }),
  local: false,
}));

describe('MemoryStorage', function () {
  it('has its own strong ETag per content', async function () {
    const storage = new MemoryStorage();
    await storage.save('a.txt', 'one');
    const first = (await storage.stat('a.txt')).etag;
    await storage.save('a.txt', 'two');
    expect(first).to.match(/^"[0-9a-f]{32}"$/);
    expect((await storage.stat('a.txt')).etag).to.not.equal(first);
  });

  it('keeps the content type it was given', async function () {
    const storage = new MemoryStorage();
    await storage.save('data', '{}', { contentType: 'application/json' });
    expect((await storage.stat('data')).contentType).to.equal('application/json');
  });
});
