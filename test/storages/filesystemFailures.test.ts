import { expect } from 'chai';
import { mkdir, mkdtemp, readdir, rm, symlink, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { FileSystemStorage } from '../../storages/filesystem.js';
import { ImproperlyConfiguredError, StorageError } from '../../src/errors.js';
import { openFdCount, readAll } from '../support/streams.js';
import { outcome } from '../support/outcome.js';


describe('FileSystemStorage when the filesystem says no', function () {
  let top: string;
  let location: string;
  let storage: FileSystemStorage;

  beforeEach(async function () {
    top = await mkdtemp(join(tmpdir(), 'kdv-fsf-'));
    location = join(top, 'media');
    await mkdir(location);
    await writeFile(join(top, 'secret.txt'), 'SECRET');
    await writeFile(join(location, 'file.txt'), 'file');
    storage = new FileSystemStorage({ location });
  });
  afterEach(() => rm(top, { recursive: true, force: true }));

  it('reports a path through a file (ENOTDIR) and a symlink loop (ELOOP) as not found', async function () {
    await symlink('loop', join(location, 'loop'));
    for (const name of ['file.txt/x', 'loop', 'loop/x']) {
      expect(await outcome(storage.stat(name)), name).to.match(/^FileNotFoundError/);
      expect(await outcome(storage.open(name)), name).to.match(/^FileNotFoundError/);
    }
    // The system's own error stays attached, for the debug log.
    const error = await storage.open('file.txt/x').then(() => undefined, (e: unknown) => e);
    expect((error as Error).cause).to.have.property('code', 'ENOTDIR');
  });

  it('says why a symlink out of the location and a folder are not served', async function () {
    await symlink(join(top, 'secret.txt'), join(location, 'out.txt'));
    await mkdir(join(location, 'folder'));
    expect(await outcome(storage.stat('out.txt'))).to.equal('FileNotFoundError: resolves outside the storage location');
    expect(await outcome(storage.open('folder'))).to.equal('FileNotFoundError: not a regular file');
  });

  it('refuses a name that fits the name rules but makes a path too long for the filesystem (ENAMETOOLONG)', async function () {
    // Twenty levels of 200 characters: the location alone takes over 4,000 bytes of PATH_MAX's 4,096.
    let deep = top;
    for (let level = 0; level < 20; level++) deep = join(deep, `${level}`.padEnd(200, 'd'));
    await mkdir(deep, { recursive: true });
    const far = new FileSystemStorage({ location: deep });
    const name = `${'n'.repeat(250)}.txt`;
    const tooLong = 'InvalidNameError: too long for the filesystem';
    expect(await outcome(far.stat(name))).to.equal(tooLong);
    expect(await outcome(far.open(name))).to.equal(tooLong);
    expect(await outcome(far.save(name, 'x'))).to.equal(tooLong);
    // delete ignores only a missing file: this one could never have been saved, which the caller must learn.
    expect(await outcome(far.delete(name))).to.equal(tooLong);
  });

  it('reports a save whose content fails as a StorageError, and leaves neither the temporary file nor half a file', async function () {
    const failing = Readable.from((async function* () {
      yield 'first half';
      throw new Error('upstream broke');
    })());
    const error = await storage.save('new.txt', failing).then(() => undefined, (e: unknown) => e);
    expect(error).to.be.instanceOf(StorageError);
    expect((error as Error).message).to.equal('Filesystem error on "new.txt": Error: upstream broke');
    expect(((error as Error).cause as Error).message).to.equal('upstream broke');
    expect(await readdir(location)).to.deep.equal(['file.txt']);
  });

  it('does not save over a folder, and deleting a folder\'s name leaves the folder', async function () {
    await mkdir(join(location, 'folder'));
    expect(await outcome(storage.save('folder', 'x'))).to.match(/^FileNotFoundError/);
    await storage.delete('folder');
    expect(await readdir(location)).to.have.members(['file.txt', 'folder']);
  });

  it('reports a Unix socket as no regular file, whether it stats or opens it', async function () {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(join(location, 'app.sock'), resolve));
    try {
      expect(await outcome(storage.openStat('app.sock'))).to.equal('FileNotFoundError: not a regular file');
      expect(await outcome(storage.stat('app.sock'))).to.equal('FileNotFoundError: not a regular file');
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('opens no descriptor it does not close when what it opened is no regular file', async function () {
    await mkdir(join(location, 'folder'));
    const before = await openFdCount();
    for (let i = 0; i < 20; i++) expect(await outcome(storage.openStat('folder'))).to.match(/^FileNotFoundError/);
    expect(await openFdCount()).to.equal(before);
  });

  it('refuses a listing prefix that climbs out, lists nothing under a missing folder or a file, and fails a listing it cannot read rather than hiding it', async function () {
    expect(await outcome((async () => { for await (const _ of storage.list('../')) void _; })())).to.match(/^InvalidNameError/);
    await symlink('loop', join(location, 'loop'));
    const listing = (prefix: string) => (async () => { const names = []; for await (const name of storage.list(prefix)) names.push(name); return names; })();
    expect(await listing('missing/')).to.deep.equal([]);
    expect(await listing('file.txt/')).to.deep.equal([]);
    const error = await listing('loop/').then(() => undefined, (e: unknown) => e);
    expect(await outcome(Promise.reject(error))).to.equal('StorageError: Cannot list "loop"');
    expect((error as Error).cause).to.have.property('code', 'ELOOP');
  });

  it('lists by prefix within a folder, and lists only regular files that are no save in progress', async function () {
    await mkdir(join(location, 'sub'));
    await mkdir(join(location, 'subway'));
    await writeFile(join(location, 'sub', 'deep.txt'), 'd');
    await writeFile(join(location, 'sub', 'other.txt'), 'o');
    await writeFile(join(location, 'subway', 'deep.txt'), 's');
    await writeFile(join(location, '.0123456789ab.tmp.bak'), 'mine');
    await symlink('file.txt', join(location, 'alias.txt'));
    const listed = async (prefix?: string) => {
      const names: string[] = [];
      for await (const name of storage.list(prefix)) names.push(name);
      return names.sort();
    };
    expect(await listed('sub/de')).to.deep.equal(['sub/deep.txt']);
    expect(await listed('f')).to.deep.equal(['file.txt']);
    expect(await listed()).to.deep.equal(['.0123456789ab.tmp.bak', 'file.txt', 'sub/deep.txt', 'sub/other.txt', 'subway/deep.txt']);
  });

  it('follows a symlink out for every look-up and a save or delete through it, when followSymlinksOutside is set', async function () {
    await mkdir(join(top, 'elsewhere'));
    await symlink(join(top, 'secret.txt'), join(location, 'out.txt'));
    await symlink(join(top, 'elsewhere'), join(location, 'away'));
    const trusting = new FileSystemStorage({ location, followSymlinksOutside: true });
    expect((await trusting.stat('out.txt')).size).to.equal(6);
    await trusting.save('away/a/b/c.txt', 'far');
    expect((await readAll(await trusting.open('away/a/b/c.txt'))).toString()).to.equal('far');
    await trusting.delete('away/a/b/c.txt');
    expect(await readdir(join(top, 'elsewhere', 'a', 'b'))).to.deep.equal([]);
  });

  it('saves through a symlinked folder that points at the location itself', async function () {
    await symlink('.', join(location, 'here'));
    await storage.save('here/saved.txt', 'kept');
    expect((await readAll(await storage.open('saved.txt'))).toString()).to.equal('kept');
  });

  it('gives a new ETag when the modification time moves by a millisecond', async function () {
    const path = join(location, 'file.txt');
    await utimes(path, 1_700_000_000.001, 1_700_000_000.001);
    const before = (await storage.stat('file.txt')).etag;
    await utimes(path, 1_700_000_000.002, 1_700_000_000.002);
    expect((await storage.stat('file.txt')).etag).to.not.equal(before);
  });

  it('reads an opened file once, and a close after the read leaves the stream reading', async function () {
    const opened = await storage.openStat('file.txt');
    const stream = await opened.read();
    opened.close();
    expect((await readAll(stream)).toString()).to.equal('file');
    expect(await outcome(opened.read())).to.equal('Error: An opened file is read once.');
  });

  it('names itself and the option in each refusal of its configuration', function () {
    expect(() => new FileSystemStorage({ location: '' })).to.throw(ImproperlyConfiguredError, /^FileSystemStorage needs a location/);
    expect(() => new FileSystemStorage({ location: 'media' })).to.throw(ImproperlyConfiguredError, /^FileSystemStorage location must be an absolute path/);
    expect(() => new FileSystemStorage({ location, baseUrl: 1 as never })).to.throw(ImproperlyConfiguredError, /^FileSystemStorage baseUrl must be/);
    expect(() => new FileSystemStorage({ location, followSymlinksOutside: 'false' as never })).to.throw(ImproperlyConfiguredError, /^FileSystemStorage followSymlinksOutside must be true or false; got "false"/);
  });
});
