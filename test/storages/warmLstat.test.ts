/**
 * warmLstat (issue 18, item 3): the look-up before an Apache or Caddy
 * hand-off skips the thread pool only for a path looked up within the
 * second, and still looks afresh every time.
 */
import { expect } from 'chai';
import { mkdir, mkdtemp, rm, symlink, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileSystemStorage } from '../../storages/filesystem.js';
import { FileNotFoundError } from '../../src/errors.js';
import { warmLstat } from '../../storages/warmLstat.js';

describe('warmLstat', function () {
  let top: string;
  let location: string;
  const realNow = Date.now;
  let now: number;

  beforeEach(async function () {
    top = await mkdtemp(join(tmpdir(), 'kdv-warm-'));
    location = join(top, 'media');
    await mkdir(location);
    await writeFile(join(top, 'secret.txt'), 'SECRET');
    await writeFile(join(location, 'a.txt'), 'aaa');
    now = realNow.call(Date);
    Date.now = () => now;
  });
  afterEach(async function () {
    Date.now = realNow;
    await rm(top, { recursive: true, force: true });
  });

  it('goes through the thread pool for a path not looked up lately, and not within the second after', async function () {
    const path = join(location, 'a.txt');
    const first = warmLstat(path);
    expect(first).to.be.instanceOf(Promise);
    expect((await first).size).to.equal(3);
    now += 400;
    const second = warmLstat(path);
    expect(second).not.to.be.instanceOf(Promise);
    now += 900;
    expect(warmLstat(path), 'looked up 900 ms ago').not.to.be.instanceOf(Promise);
    // Over a second since the last look-up: the metadata may have left the caches.
    now += 1100;
    const cold = warmLstat(path);
    expect(cold).to.be.instanceOf(Promise);
    await cold;
  });

  it('looks afresh each time: a warm file swapped for a symlink out of the folder is refused at once', async function () {
    const storage = new FileSystemStorage({ location });
    expect((await storage.stat('a.txt')).size).to.equal(3);
    expect((await storage.stat('a.txt')).size).to.equal(3);
    await unlink(join(location, 'a.txt'));
    await symlink(join(top, 'secret.txt'), join(location, 'a.txt'));
    now += 100;
    const error = await storage.stat('a.txt').catch((caught: unknown) => caught);
    expect(error).to.be.instanceOf(FileNotFoundError);
  });

  it('reports a warm file that was deleted as missing', async function () {
    const storage = new FileSystemStorage({ location });
    await storage.stat('a.txt');
    await unlink(join(location, 'a.txt'));
    expect(await storage.stat('a.txt').catch((caught: unknown) => caught)).to.be.instanceOf(FileNotFoundError);
  });
});
