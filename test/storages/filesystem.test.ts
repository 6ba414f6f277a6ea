import { expect } from 'chai';
import { mkdtemp, mkdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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

  it('refuses a symlink that points outside the location', async function () {
    await symlink(join(top, 'secret.txt'), join(location, 'link.txt'));
    for (const attempt of [() => storage.stat('link.txt'), () => storage.open('link.txt')]) {
      expect(await attempt().then(() => undefined, (e: unknown) => e)).to.be.instanceOf(FileNotFoundError);
    }
    expect(await storage.exists('link.txt')).to.equal(false);
  });

  it('refuses a file under a symlinked folder that points outside, even a sibling sharing the prefix', async function () {
    await symlink(join(top, 'media-private'), join(location, 'private'));
    expect(await storage.open('private/secret.txt').then(() => undefined, (e: unknown) => e)).to.be.instanceOf(FileNotFoundError);
    expect(await storage.save('private/new.txt', 'x').then(() => undefined, (e: unknown) => e)).to.be.instanceOf(FileNotFoundError);
    await storage.delete('private/secret.txt');
    expect((await readAll(await new FileSystemStorage({ location: top }).open('media-private/secret.txt'))).toString()).to.equal('SECRET');
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
});
