/**
 * The S3 counterpart of X-Sendfile: instead of streaming an S3 file through
 * Node, answer 302 to a presigned URL, so that the client fetches the bytes
 * from S3 (or its CDN) directly, with the headers the route would have sent.
 */
import type { Middleware } from 'koa';
import type { DownloadFile } from './downloadFile.js';
import { announceOffload, untouchedDownload, type OffloadPlan } from './record.js';
import { StorageFile } from './storageFile.js';
import { S3Storage } from '../storages/s3.js';

export interface SignedUrlRedirectOptions {
  /** Seconds each signed URL stays valid. Default 300: enough to follow the redirect and start the download. */
  expiresIn?: number;
}

type S3File = StorageFile & { storage: S3Storage };

function isS3File(file: DownloadFile): file is S3File {
  return file instanceof StorageFile && file.storage instanceof S3Storage;
}

// Signing makes no request, and S3 answers a missing key itself: nothing to check first.
const REDIRECT: OffloadPlan = { checkFile: false, by: 's3' };

/**
 * Opt-in redirect offload for files of an S3Storage. Mount it globally
 * (`app.use(signedUrlRedirect())`) or per route
 * (`router.get('/s3/*path', signedUrlRedirect(), storageDownload({ storage }))`).
 *
 * The route skips stat, conditional and Range work for S3 files, and S3
 * answers the signed URL with the route's Content-Disposition and
 * Content-Type. Node opens nothing and sends no byte of the file. A missing
 * key is reported by S3 (404 on the signed URL), not by the app.
 */
export function signedUrlRedirect(options: SignedUrlRedirectOptions = {}): Middleware {
  const { expiresIn } = options;
  return async (ctx, next) => {
    announceOffload(ctx, (file) => (isS3File(file) ? REDIRECT : undefined));
    await next();
    const download = untouchedDownload(ctx);
    if (!download || download.offload !== REDIRECT || !isS3File(download.file)) return;
    const location = await download.file.storage.signedUrl(download.file.name, {
      ...(expiresIn !== undefined && { expiresIn }),
      contentDisposition: download.headers['Content-Disposition'],
      contentType: download.headers['Content-Type'],
    });
    // These describe the file, which this response no longer carries.
    for (const header of ['Content-Disposition', 'Content-Type', 'Content-Length', 'ETag', 'Last-Modified', 'Accept-Ranges']) ctx.remove(header);
    ctx.redirect(location);
    // The URL is a bearer credential that expires: no cache may keep it.
    ctx.set('Cache-Control', 'no-store');
  };
}
