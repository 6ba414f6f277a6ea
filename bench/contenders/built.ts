/**
 * The library as its users run it: tsc's build in dist/, which `npm run
 * bench` makes first. Run through tsx, the sources would pay esbuild's
 * `__name` wrapper on each closure made per request: 3 % of an offloading
 * server's busy time in a profile. (The S3 storage itself comes from the
 * sources, through demo/s3.ts; the routes are the build's.)
 */
import type * as Library from '../../src/index.js';

const BUILD = new URL('../../dist/src/index.js', import.meta.url);

export const { FileSystemStorage, storageDownload, xSendfile } = (await import(BUILD.href).catch((error: unknown) => {
  throw new Error(`${BUILD.pathname} is missing: run npm run build first (npm run bench does).`, { cause: error });
})) as typeof Library;
