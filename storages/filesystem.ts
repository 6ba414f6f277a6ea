/**
 * FileSystemStorage: files under one folder on local disk, the only storage
 * whose files a reverse proxy can send by X-Sendfile / X-Accel-Redirect.
 */
import { close as closeFd, constants, createWriteStream, fstat as fstatCallback, open as openCallback, readlink as readlinkCallback, realpathSync, stat as statCallback, statSync, type Stats } from 'node:fs';
import { mkdir, readdir, realpath, rename, unlink } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, resolve, sep } from 'node:path';
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';
import { FileNotFoundError, ImproperlyConfiguredError, InvalidNameError, StorageError } from './errors.js';
import { clampRange } from './content.js';
import { FileStream } from './fileStream.js';
import { warmLookUp, warmLstat } from './warmLstat.js';
import { checkBaseUrl, existsByStat, joinUrl, validateName } from './names.js';
import type { ByteRange, FileStat, OpenedFile, SaveContent, Storage } from './storage.js';

export interface FileSystemStorageOptions {
  /** The folder that holds the files. Nothing outside it is ever served. */
  location: string;
  /** Public URL prefix used by `url()`, e.g. `/media/`. */
  baseUrl?: string;
  /**
   * Serve files whose real path (after symlinks) lies outside `location`.
   * Default false: such a file is reported as not found.
   */
  followSymlinksOutside?: boolean;
}

// The callback API, promisified: each call is a few microseconds cheaper than
// node:fs/promises, and a download makes one to three of them.
const openFd = promisify(openCallback);
const fstat = promisify(fstatCallback);
const stat = promisify(statCallback);
const readlink = promisify(readlinkCallback);

/** A path's real path (symlinks resolved, as realpath(3) does) and the stat of the file it names. */
interface Resolved {
  real: string;
  stats: Stats;
}
// realpath(3) and stat, synchronous when the same path was resolved within
// the second (storages/warmLstat.ts): 8 µs of CPU then, against some 43 µs
// for the two through the thread pool (docs/apache.md).
const warmResolve = warmLookUp<Resolved>(
  (full) => ({ real: realpathSync.native(full), stats: statSync(full) }),
  async (full) => ({ real: await realpath(full), stats: await stat(full) }),
);

// On Linux the real path of an open descriptor is one readlink away, and it is
// the path of the very file we will read: no window between check and use.
const FD_LINKS = process.platform === 'linux' ? '/proc/self/fd/' : undefined;

// open(2) then fails on a symlink instead of following it: ELOOP (Linux,
// macOS) or EMLINK (FreeBSD). Windows has no such flag.
const NO_FOLLOW: number | undefined = constants.O_NOFOLLOW;
const IS_SYMLINK = new Set(['ELOOP', 'EMLINK']);

// Opening a FIFO for reading waits for a writer, forever, on a thread of
// libuv's pool: a few such requests would freeze every download. Non-blocking,
// open returns at once, and fstat then refuses what is not a regular file.
// The flag changes nothing for regular files. Windows has no FIFOs, nor the flag.
const READ = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0);

// open(2) of a socket (ENXIO on Linux, EOPNOTSUPP on the BSDs and macOS) or of
// a device without its driver (ENODEV): there is no file to read.
const NOT_A_FILE = new Set(['ENXIO', 'EOPNOTSUPP', 'ENODEV']);

// save() writes here first and renames when complete: list() hides exactly
// these names, and never a user's own file ending in .tmp.
const TEMPORARY_NAME = /^\.[0-9a-f]{12}\.tmp$/;
const temporaryName = () => `.${randomBytes(6).toString('hex')}.tmp`;

/** A valid name without `/` names a file right in the storage folder. */
function isInFolder(name: string): boolean {
  return !name.includes('/');
}

export class FileSystemStorage implements Storage {
  /** Absolute path of the storage folder. */
  readonly location: string;
  readonly baseUrl: string | undefined;
  /** Whether files whose real path is outside `location` are served (false by default). */
  readonly followSymlinksOutside: boolean;
  #realLocation: string | undefined;

  constructor(options: FileSystemStorageOptions) {
    if (!options || typeof options.location !== 'string' || options.location === '') {
      throw new ImproperlyConfiguredError('FileSystemStorage needs a location: new FileSystemStorage({ location: "/srv/media" }).');
    }
    // A string such as 'false' (from an environment variable) would be truthy and open the way out.
    if (options.followSymlinksOutside !== undefined && typeof options.followSymlinksOutside !== 'boolean') {
      throw new ImproperlyConfiguredError(`FileSystemStorage followSymlinksOutside must be true or false; got ${JSON.stringify(options.followSymlinksOutside)}.`);
    }
    this.location = checkLocation(options.location);
    this.baseUrl = checkBaseUrl('FileSystemStorage', options.baseUrl);
    this.followSymlinksOutside = options.followSymlinksOutside ?? false;
  }

  exists(name: string): Promise<boolean> {
    return existsByStat(this, name);
  }

  async stat(name: string): Promise<FileStat> {
    try {
      return this.#toFileStat(name, await this.#servedStats(name));
    } catch (error) {
      throw this.#translate(name, error);
    }
  }

  /**
   * What stat() checks, without the FileStat: an offload asks it before
   * handing the file to a proxy that follows symlinks. Returns nothing, with
   * no promise, when the look-up could be made synchronously; @throws
   * FileNotFoundError as stat() does.
   */
  lookUp(name: string): void | Promise<void> {
    try {
      const stats = this.#servedStats(name);
      if (!(stats instanceof Promise)) return assertRegularFile(name, stats);
      return stats.then((found) => assertRegularFile(name, found)).catch((error: unknown) => {
        throw this.#translate(name, error);
      });
    } catch (error) {
      throw this.#translate(name, error);
    }
  }

  async open(name: string, range?: ByteRange): Promise<Readable> {
    return (await this.openStat(name)).read(range);
  }

  async openStat(name: string): Promise<OpenedFile> {
    const full = this.#fullPath(name);
    let fd: number | undefined;
    try {
      fd = await this.#openInside(name, full);
      return new OpenedLocalFile(fd, this.#toFileStat(name, await fstat(fd)));
    } catch (error) {
      if (fd !== undefined) closeFd(fd, () => {});
      throw this.#translate(name, error);
    }
  }

  async save(name: string, content: SaveContent): Promise<string> {
    const full = this.#fullPath(name);
    let temporary: string | undefined;
    try {
      const folder = await this.#makeFolders(name, dirname(full));
      temporary = join(folder, temporaryName());
      const source = typeof content === 'string' || content instanceof Uint8Array ? Readable.from([content]) : content;
      await pipeline(source, createWriteStream(temporary));
      await rename(temporary, join(folder, basename(full)));
      return name;
    } catch (error) {
      if (temporary) await unlink(temporary).catch(() => {});
      throw this.#translate(name, error);
    }
  }

  async delete(name: string): Promise<void> {
    const full = this.#fullPath(name);
    try {
      // Unlink through the real parent, so a symlinked folder can never lead outside.
      const folder = await realpath(dirname(full));
      const target = join(folder, full.slice(dirname(full).length + 1));
      if (!this.followSymlinksOutside) await this.#assertInside(name, target);
      await unlink(target);
    } catch (error) {
      const translated = this.#translate(name, error);
      if (!(translated instanceof FileNotFoundError)) throw translated;
    }
  }

  async *list(prefix = ''): AsyncIterable<string> {
    // Walk only the folder the prefix points into.
    const slash = prefix.lastIndexOf('/');
    const base = slash === -1 ? '' : prefix.slice(0, slash);
    if (base) validateName(base);
    yield* this.#walk(base, prefix);
  }

  path(name: string): string {
    return this.#fullPath(name);
  }

  url(name: string): string | undefined {
    return joinUrl(this.baseUrl, name);
  }

  async *#walk(folder: string, prefix: string): AsyncIterable<string> {
    let entries;
    try {
      entries = await readdir(folder ? join(this.location, folder) : this.location, { withFileTypes: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT' || (error as NodeJS.ErrnoException).code === 'ENOTDIR') return;
      throw new StorageError(`Cannot list ${JSON.stringify(folder)}`, { cause: error });
    }
    for (const entry of entries) {
      const name = folder ? `${folder}/${entry.name}` : entry.name;
      if (entry.isDirectory()) {
        // The walk starts in the prefix's own folder: only the folders below it that match can hold a match.
        if (name.startsWith(prefix)) yield* this.#walk(name, prefix);
      } else if (entry.isFile() && name.startsWith(prefix) && !TEMPORARY_NAME.test(entry.name)) {
        yield name;
      }
    }
  }

  /**
   * Opens `full` for reading; unless symlinks may lead out, only if its real
   * path is inside the folder. The check is of the open descriptor, so no
   * rename between check and read can swap the file.
   */
  async #openInside(name: string, full: string): Promise<number> {
    // A plain descriptor, not a FileHandle: fs.createReadStream reads it with
    // callbacks, cheaper per chunk than a FileHandle's promise reads.
    if (this.followSymlinksOutside) return openFd(full, READ);
    // A file right in the folder, opened without following a symlink, is inside: nothing to resolve.
    if (NO_FOLLOW !== undefined && isInFolder(name)) {
      try {
        return await openFd(full, READ | NO_FOLLOW);
      } catch (error) {
        if (!IS_SYMLINK.has((error as NodeJS.ErrnoException).code ?? '')) throw error;
      }
    }
    const fd = await openFd(full, READ);
    try {
      await this.#assertInside(name, FD_LINKS ? await readlink(FD_LINKS + fd) : await realpath(full));
      return fd;
    } catch (error) {
      closeFd(fd, () => {});
      throw error;
    }
  }

  /**
   * Creates the folders of a file to save, one level at a time, and resolves
   * to the real path of the last. Unless symlinks may lead out, each level is
   * checked to be inside before the next is made, so that a symlinked folder
   * leading out never gets a folder created behind it.
   */
  async #makeFolders(name: string, folder: string): Promise<string> {
    if (this.followSymlinksOutside) {
      await mkdir(folder, { recursive: true });
      return folder;
    }
    this.#realLocation ??= await realpath(this.location);
    let real = this.#realLocation;
    for (const segment of name.split('/').slice(0, -1)) {
      const next = join(real, segment);
      await mkdir(next).catch((error: NodeJS.ErrnoException) => {
        if (error.code !== 'EEXIST') throw error;
      });
      // Going on from the real path, a level already checked cannot be swapped for a symlink later.
      real = await realpath(next);
      await this.#assertInside(name, join(real, 'x'));
    }
    return real;
  }

  /**
   * The stats of a file this storage serves: unless symlinks may lead out,
   * only if its real path is inside the folder. Synchronous when its look-ups
   * can be (storages/warmLstat.ts).
   */
  #servedStats(name: string): Stats | Promise<Stats> {
    const full = this.#fullPath(name);
    if (this.followSymlinksOutside) return stat(full);
    if (!isInFolder(name)) return this.#insideStats(name, warmResolve(full));
    // A file right in the folder that is no symlink is inside: one lstat, nothing to resolve. A symlink
    // is resolved (its lstat walked nothing behind it: that is warm only if it was resolved within the second).
    const resolvedIfLink = (own: Stats) => (own.isSymbolicLink() ? this.#insideStats(name, warmResolve(full)) : own);
    const own = warmLstat(full);
    return own instanceof Promise ? own.then(resolvedIfLink) : resolvedIfLink(own);
  }

  #insideStats(name: string, resolved: Resolved | Promise<Resolved>): Stats | Promise<Stats> {
    // The folder's own real path is known after its first use, made asynchronously.
    if (resolved instanceof Promise || this.#realLocation === undefined) {
      return Promise.resolve(resolved).then(async ({ real, stats }) => {
        await this.#assertInside(name, real);
        return stats;
      });
    }
    assertBelow(this.#realLocation, name, resolved.real);
    return resolved.stats;
  }

  #fullPath(name: string): string {
    return this.location + sep + validateName(name);
  }

  async #assertInside(name: string, real: string): Promise<void> {
    this.#realLocation ??= await realpath(this.location);
    assertBelow(this.#realLocation, name, real);
  }

  #toFileStat(name: string, stats: Stats): FileStat {
    assertRegularFile(name, stats);
    return { size: stats.size, modifiedTime: stats.mtime, etag: strongEtag(stats) };
  }

  #translate(name: string, error: unknown): Error {
    if (error instanceof FileNotFoundError || error instanceof InvalidNameError) return error;
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'ELOOP' || code === 'EISDIR') return new FileNotFoundError(name, { cause: error });
    if (NOT_A_FILE.has(code ?? '')) return new FileNotFoundError(name, { reason: 'not a regular file', cause: error });
    if (code === 'ENAMETOOLONG') return new InvalidNameError(name, 'too long for the filesystem');
    return new StorageError(`Filesystem error on ${JSON.stringify(name)}: ${code ?? String(error)}`, { cause: error });
  }
}

/** Refuses `real`, the real path of `name`, unless it is below the folder whose real path is `root`. */
function assertBelow(root: string, name: string, real: string): void {
  if (!real.startsWith(root.endsWith(sep) ? root : root + sep)) throw new FileNotFoundError(name, { reason: 'resolves outside the storage location' });
}

function assertRegularFile(name: string, stats: Stats): void {
  if (!stats.isFile()) throw new FileNotFoundError(name, { reason: 'not a regular file' });
}

/** The absolute path of an existing folder, or an ImproperlyConfiguredError saying how to give one (`option` names it). */
export function checkLocation(location: string, option = 'FileSystemStorage location'): string {
  if (!isAbsolute(location)) {
    // Relative to the working directory, the served folder would change with where the app is started.
    throw new ImproperlyConfiguredError(`${option} must be an absolute path, e.g. path.resolve('media'); got ${JSON.stringify(location)}.`);
  }
  const found = statSync(location, { throwIfNoEntry: false });
  if (!found) {
    throw new ImproperlyConfiguredError(`${option} ${location} does not exist: create it first, e.g. mkdirSync(location, { recursive: true }).`);
  }
  if (!found.isDirectory()) {
    throw new ImproperlyConfiguredError(`${option} ${location} is not a folder: give the folder that holds the files, or create one, e.g. mkdirSync(location, { recursive: true }).`);
  }
  return resolve(location);
}

/**
 * A strong ETag, as nginx and Apache build for files, so that If-Range (which
 * compares strongly) resumes downloads. Sound because no write can keep all
 * three: writing changes mtime or size, and a replacing file (rename, copy
 * with kept times) is another inode. Left: a write of the same size within
 * one tick of the filesystem's clock (see docs/reliability.md).
 */
function strongEtag(stats: Stats): string {
  return `"${stats.ino.toString(16)}-${stats.size.toString(16)}-${Math.floor(stats.mtimeMs * 1000).toString(16)}"`;
}

/** One open descriptor of a FileSystemStorage file: read once, or closed. */
class OpenedLocalFile implements OpenedFile {
  #fd: number | undefined;

  constructor(fd: number, readonly stat: FileStat) {
    this.#fd = fd;
  }

  async read(range?: ByteRange): Promise<Readable> {
    const fd = this.#fd;
    if (fd === undefined) throw new Error('An opened file is read once.');
    this.#fd = undefined;
    const bounds = clampRange(range, this.stat.size);
    if (!bounds) {
      closeFd(fd, () => {});
      return Readable.from([]);
    }
    return new FileStream(fd, bounds.start, bounds.end);
  }

  close(): void {
    if (this.#fd !== undefined) closeFd(this.#fd, () => {});
    this.#fd = undefined;
  }
}
