/**
 * The library as its users run it: tsc's build in dist/, which `npm run
 * bench` makes first. Run through tsx, the sources would pay esbuild's
 * `__name` wrapper on each closure made per request: 3 % of an offloading
 * server's busy time in a profile.
 */
import type * as Library from '../../src/index.js';
import type * as S3Entry from '../../src/s3.js';

const BUILD = new URL('../../dist/src/', import.meta.url);

function load(entry: string): Promise<unknown> {
  const url = new URL(entry, BUILD);
  return import(url.href).catch((error: unknown) => {
    throw new Error(`${url.pathname} is missing: run npm run build first (npm run bench does).`, { cause: error });
  });
}

export const { FileSystemStorage, StorageFile, storageDownload, xSendfile, zipDownload } = (await load('index.js')) as typeof Library;

/** Loaded only by the S3 contenders: the others need no AWS SDK. */
export async function loadS3Storage(): Promise<typeof S3Entry.S3Storage> {
  return ((await load('s3Entry.js')) as typeof S3Entry).S3Storage;
}
