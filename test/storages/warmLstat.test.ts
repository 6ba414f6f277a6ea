/**
 * warmLstat and warmLookUp (issue 18, item 3): the look-up before an Apache
 * or Caddy hand-off skips the thread pool only for a path looked up within
 * the second, and still looks afresh every time.
 */
import { expect } from 'chai';
import { mkdir, mkdtemp, rename, rm, symlink, unlink, writeFile } from 'node:fs/promises';
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

  /** How storage.lookUp(name) ended: 'at once' (no promise) or 'through the pool', or refused either way (FileNotFoundError), or the other error. */
  async function lookUp(storage: FileSystemStorage, name: string): Promise<unknown> {
    let found;
    try {
      found = storage.lookUp(name);
    } catch (error) {
      return error instanceof FileNotFoundError ? 'refused at once' : error;
    }
    if (!(found instanceof Promise)) return 'at once';
    return found.then(
      () => 'through the pool',
      (error: unknown) => (error instanceof FileNotFoundError ? 'refused through the pool' : error),
    );
  }

  it('answers a look-up at once for a file looked up within the second, right in the folder or in a subfolder', async function () {
    await mkdir(join(location, 'sub'));
    await writeFile(join(location, 'sub', 'b.txt'), 'bbb');
    const storage = new FileSystemStorage({ location });
    for (const name of ['a.txt', 'sub/b.txt']) {
      expect(await lookUp(storage, name), name).to.equal('through the pool');
      now += 500;
      expect(await lookUp(storage, name), name).to.equal('at once');
      now += 1500;
      expect(await lookUp(storage, name), `${name}, over a second later`).to.equal('through the pool');
    }
  });

  it('refuses at once a warm path whose folder was swapped for a symlink out of the storage, and a warm file that left', async function () {
    await mkdir(join(location, 'sub'));
    await writeFile(join(location, 'sub', 'b.txt'), 'bbb');
    await mkdir(join(top, 'outside'));
    await writeFile(join(top, 'outside', 'b.txt'), 'SECRET');
    const storage = new FileSystemStorage({ location });
    await lookUp(storage, 'sub/b.txt');
    expect(await lookUp(storage, 'sub/b.txt')).to.equal('at once');
    // O_NOFOLLOW would not see this: the symlink is not the last segment of the path.
    await rename(join(location, 'sub'), join(top, 'old-sub'));
    await symlink(join(top, 'outside'), join(location, 'sub'));
    now += 100;
    expect(await lookUp(storage, 'sub/b.txt')).to.equal('refused at once');
    expect(await lookUp(storage, 'a.txt')).to.equal('through the pool');
    await unlink(join(location, 'a.txt'));
    now += 100;
    expect(await lookUp(storage, 'a.txt')).to.equal('refused at once');
  });

  it('refuses a look-up of a folder, of a symlink out of the storage and of a missing file, as stat does', async function () {
    await mkdir(join(location, 'folder'));
    await symlink(join(top, 'secret.txt'), join(location, 'link-out.txt'));
    const storage = new FileSystemStorage({ location });
    // What was found is looked up at once the next time; what is missing goes through the pool again.
    for (const [name, again] of [['folder', 'at once'], ['link-out.txt', 'at once'], ['missing.txt', 'through the pool'], ['folder/missing.txt', 'through the pool']]) {
      expect(await lookUp(storage, name), name).to.equal('refused through the pool');
      now += 100;
      expect(await lookUp(storage, name), `${name}, again`).to.equal(`refused ${again}`);
    }
  });
});
