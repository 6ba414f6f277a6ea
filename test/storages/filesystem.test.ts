import { expect } from 'chai';
import { mkdtemp, mkdir, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { FileSystemStorage } from '../../storages/filesystem.js';
import { FileNotFoundError, ImproperlyConfiguredError } from '../../src/errors.js';
import { openFdCount, readAll } from '../support/streams.js';
import { storageContract } from './contract.js';

storageContract('FileSystemStorage', async () => {
  const location = await mkdtemp(join(tmpdir(), 'kdv-fs-'));
  return {
    storage: new FileSystemStorage({ location }),
    withBaseUrl: new FileSystemStorage({ location, baseUrl: 'https://cdn.example/media/' }),
    local: true,
    cleanup: () => rm(location, { recursive: true, force: true }),
  };
});

describe('FileSystemStorage confinement', function () {
  let top: string;
  let location: string;
  let storage: FileSystemStorage;

  beforeEach(async function () {
    top = await mkdtemp(join(tmpdir(), 'kdv-fsc-'));
    location = join(top, 'media');
    await mkdir(location);
    await mkdir(join(top, 'media-private'));
    await writeFile(join(top, 'secret.txt'), 'SECRET');
    await writeFile(join(top, 'media-private', 'secret.txt'), 'SECRET');
    await writeFile(join(location, 'inside.txt'), 'inside');
    storage = new FileSystemStorage({ location });
  });
  afterEach(() => rm(top, { recursive: true, force: true }));

  /** What stat, open and openStat each make of `name`: its size, or the error's class name. */
  async function lookups(of: FileSystemStorage, name: string): Promise<Array<number | string>> {
    const outcome = (attempt: Promise<number>) => attempt.catch((error: Error) => error.constructor.name);
    return Promise.all([
      outcome(of.stat(name).then((stat) => stat.size)),
      outcome(of.open(name).then(async (stream) => (await readAll(stream)).length)),
      outcome(of.openStat(name).then((opened) => (opened.close(), opened.stat.size))),
    ]);
  }

  it('refuses a symlink that points outside the location', async function () {
    await symlink(join(top, 'secret.txt'), join(location, 'link.txt'));
    expect(await lookups(storage, 'link.txt')).to.deep.equal(Array(3).fill('FileNotFoundError'));
    expect(await storage.exists('link.txt')).to.equal(false);
  });

  it('stats, opens and reads alike whether a name is in the folder, below a folder, or behind a symlink', async function () {
    await mkdir(join(location, 'sub'));
    await writeFile(join(location, 'sub', 'deep.txt'), 'deep!');
    await symlink(join(location, 'inside.txt'), join(location, 'alias.txt'));
    await symlink(join(location, 'sub'), join(location, 'sub-alias'));
    await symlink(join(top, 'media-private'), join(location, 'private'));
    await symlink(join(location, 'sub'), join(location, 'folder-link'));
    await symlink(join(location, 'nowhere.txt'), join(location, 'dangling.txt'));
    const cases: Record<string, number | string> = {
      'inside.txt': 6,
      'sub/deep.txt': 5,
      'alias.txt': 6,
      'sub-alias/deep.txt': 5,
      'private/secret.txt': 'FileNotFoundError',
      sub: 'FileNotFoundError',
      'folder-link': 'FileNotFoundError',
      'dangling.txt': 'FileNotFoundError',
      'missing.txt': 'FileNotFoundError',
    };
    for (const [name, expected] of Object.entries(cases)) {
      expect(await lookups(storage, name), name).to.deep.equal(Array(3).fill(expected));
    }
  });

  it('serves the files of a location that is itself a symlink', async function () {
    await symlink(location, join(top, 'media-link'));
    expect(await lookups(new FileSystemStorage({ location: join(top, 'media-link') }), 'inside.txt')).to.deep.equal([6, 6, 6]);
  });

  it('refuses a file under a symlinked folder that points outside, even a sibling sharing the prefix', async function () {
    await symlink(join(top, 'media-private'), join(location, 'private'));
    expect(await storage.open('private/secret.txt').then(() => undefined, (e: unknown) => e)).to.be.instanceOf(FileNotFoundError);
    expect(await storage.save('private/new.txt', 'x').then(() => undefined, (e: unknown) => e)).to.be.instanceOf(FileNotFoundError);
    await storage.delete('private/secret.txt');
    expect((await readAll(await new FileSystemStorage({ location: top }).open('media-private/secret.txt'))).toString()).to.equal('SECRET');
  });

  it('creates no folder outside the location when a save through a symlinked folder is refused', async function () {
    await symlink(join(top, 'media-private'), join(location, 'private'));
    const error = await storage.save('private/a/b/c/file.txt', 'x').then(() => undefined, (e: unknown) => e);
    expect(error).to.be.instanceOf(FileNotFoundError);
    expect(await readdir(join(top, 'media-private'))).to.deep.equal(['secret.txt']);
  });

  it('saves through a symlinked folder that stays inside, creating the missing levels below it', async function () {
    await mkdir(join(location, 'sub'));
    await symlink(join(location, 'sub'), join(location, 'sub-alias'));
    await storage.save('sub-alias/a/b/file.txt', 'kept');
    expect((await readAll(await storage.open('sub/a/b/file.txt'))).toString()).to.equal('kept');
  });

  it('serves a symlink that stays inside the location', async function () {
    await symlink(join(location, 'inside.txt'), join(location, 'alias.txt'));
    expect((await readAll(await storage.open('alias.txt'))).toString()).to.equal('inside');
  });

  it('serves a symlink outside only when followSymlinksOutside is set', async function () {
    await symlink(join(top, 'secret.txt'), join(location, 'link.txt'));
    const trusting = new FileSystemStorage({ location, followSymlinksOutside: true });
    expect((await readAll(await trusting.open('link.txt'))).toString()).to.equal('SECRET');
  });

  it('reports a folder as not found rather than opening it', async function () {
    await mkdir(join(location, 'folder'));
    expect(await storage.open('folder').then(() => undefined, (e: unknown) => e)).to.be.instanceOf(FileNotFoundError);
  });

  it('closes its file descriptor when the stream is destroyed early', async function () {
    await writeFile(join(location, 'big.bin'), Buffer.alloc(2 * 1024 * 1024));
    const before = await openFdCount();
    for (let i = 0; i < 50; i++) {
      const stream = await storage.open('big.bin');
      stream.destroy();
      await new Promise((resolve) => stream.once('close', resolve));
    }
    expect(await openFdCount()).to.be.at.most(before + 1);
  });

  it('needs a location', function () {
    expect(() => new FileSystemStorage({} as never)).to.throw(ImproperlyConfiguredError, /location/);
  });

  it('refuses a location that is relative, missing or a file, and names the fix', function () {
    expect(() => new FileSystemStorage({ location: relative(process.cwd(), location) })).to.throw(ImproperlyConfiguredError, /must be an absolute path, e\.g\. path\.resolve\('media'\)/);
    expect(() => new FileSystemStorage({ location: join(top, 'missing') })).to.throw(ImproperlyConfiguredError, /does not exist: create it.*mkdirSync\(location, \{ recursive: true \}\)/);
    expect(() => new FileSystemStorage({ location: join(top, 'secret.txt') })).to.throw(ImproperlyConfiguredError, /is not a folder/);
  });
});

describe('FileSystemStorage listing', function () {
  let location: string;
  let storage: FileSystemStorage;

  beforeEach(async function () {
    location = await mkdtemp(join(tmpdir(), 'kdv-fsl-'));
    storage = new FileSystemStorage({ location });
  });
  afterEach(() => rm(location, { recursive: true, force: true }));

  async function listed(): Promise<string[]> {
    const names: string[] = [];
    for await (const name of storage.list()) names.push(name);
    return names.sort();
  }

  it("lists a user's own *.tmp files, and hides only the temporary file of a save in progress", async function () {
    await writeFile(join(location, 'report.tmp'), 'mine');
    await mkdir(join(location, 'sub'));
    await writeFile(join(location, 'sub', '.cache.tmp'), 'mine too');
    let finish!: () => void;
    const finished = new Promise<void>((resolve) => (finish = resolve));
    const saving = storage.save('late.txt', Readable.from((async function* () {
      yield 'first half, ';
      await finished;
      yield 'second half';
    })()));
    while (!(await readdir(location)).some((entry) => entry.endsWith('.tmp') && entry !== 'report.tmp')) await sleep(5);
    expect(await listed()).to.deep.equal(['report.tmp', 'sub/.cache.tmp']);
    finish();
    await saving;
    expect(await listed()).to.deep.equal(['late.txt', 'report.tmp', 'sub/.cache.tmp']);
  });
});
