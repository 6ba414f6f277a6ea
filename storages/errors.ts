/**
 * Typed errors of koa-downloadview.
 *
 * Each carries the HTTP `status` a download route answers with. Client
 * errors (4xx) have `expose = true`, and Koa's default handler sends their
 * message as the body: so the message names no file and no path (which may be
 * the app's, not the client's), only what was wrong. The name and the reason
 * stay on the error, and NODE_DEBUG=koa-downloadview logs them.
 * Server errors (5xx) have `expose = false`: Koa logs them and replies with
 * the bare status text, so a path or an upstream message never reaches a client.
 */

/** Base class of every error this library throws. */
export class DownloadViewError extends Error {
  /** HTTP status a download route answers with. */
  readonly status: number = 500;
  /** Whether the message may be shown to the client (client errors only). */
  readonly expose: boolean = false;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** The named file does not exist (or is not a regular file the storage may serve). */
export class FileNotFoundError extends DownloadViewError {
  override readonly status = 404;
  override readonly expose = true;
  /** Why, for logs and tests (e.g. a symlink out of the storage); never sent to the client. */
  readonly reason: string | undefined;

  constructor(readonly fileName: string, options?: { cause?: unknown; reason?: string }) {
    super('File not found', options);
    this.reason = options?.reason;
  }
}

/** A file name was refused before any I/O: absolute, `..`, NUL, control characters, backslashes… */
export class InvalidNameError extends DownloadViewError {
  override readonly status = 400;
  override readonly expose = true;

  constructor(readonly fileName: string, readonly reason: string) {
    super(`Invalid file name: ${reason}`);
  }
}

/** A rule, route or storage option can never work. Thrown at start-up, never per request. */
export class ImproperlyConfiguredError extends DownloadViewError {}

/**
 * The storage backend failed (I/O error, S3 failure, remote HTTP 5xx, timeout).
 * `cause` holds the original error; `status` is 502 for remote backends, 500 for local ones.
 */
export class StorageError extends DownloadViewError {
  override readonly status: number;

  constructor(message: string, options: { cause?: unknown; status?: number } = {}) {
    super(message, { cause: options.cause });
    this.status = options.status ?? 500;
  }
}
