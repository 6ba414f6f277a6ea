/**
 * Apps that use the packed package the way the README says users do: an ES
 * module, a CommonJS module (which loads the package with `await import()`,
 * the one way that works on every Node the package supports), and an S3 user.
 * Each prints `ok` when every check passed.
 */

/** An ES module app: a download route and the testing helpers, no AWS SDK. */
export const ESM = `
import Koa from 'koa';
import Router from '@koa/router';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { MemoryStorage, storageDownload, xSendfile, type DownloadOptions } from 'koa-downloadview';
import { assertDownloadResponse } from 'koa-downloadview/testing';

const options: DownloadOptions = { attachment: true };
const storage = new MemoryStorage();
await storage.save('hello.txt', 'hello');
const router = new Router();
router.get('/files/*path', storageDownload({ storage, ...options }));
const app = new Koa();
app.use(xSendfile({ sourceDir: import.meta.dirname, destinationUrl: '/_protected/' }, { backend: 'nginx' }));
app.use(router.routes());
const server = app.listen(0, '127.0.0.1');
await once(server, 'listening');
try {
  const { port } = server.address() as AddressInfo;
  await assertDownloadResponse(await fetch(\`http://127.0.0.1:\${port}/files/hello.txt\`), { basename: 'hello.txt', content: 'hello' });
} finally {
  server.close();
}
console.log('ok');
`;

/** A CommonJS app: every entry point through \`await import()\`. */
export const COMMONJS = `
import type { AddressInfo } from 'node:net';

async function main(): Promise<void> {
  const { default: Koa } = await import('koa');
  const { MemoryStorage, storageDownload } = await import('koa-downloadview');
  const { assertDownloadResponse } = await import('koa-downloadview/testing');
  const storage = new MemoryStorage();
  await storage.save('hello.txt', 'hello');
  const app = new Koa().use(storageDownload({ storage, name: 'hello.txt' }));
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  try {
    const { port } = server.address() as AddressInfo;
    await assertDownloadResponse(await fetch(\`http://127.0.0.1:\${port}/\`), { basename: 'hello.txt', content: 'hello' });
  } finally {
    server.close();
  }
  if (typeof module !== 'object' || typeof require !== 'function') throw new Error('not run as CommonJS');
  console.log('ok');
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
`;

/** An S3 user, once the AWS SDK is installed: the entry point has the exports of the module it wraps, and signs a URL. */
export const S3 = `
import { S3Storage, signedUrlRedirect, type S3StorageOptions } from 'koa-downloadview/s3';
import { deepStrictEqual, match } from 'node:assert';

const options: S3StorageOptions = {
  bucket: 'media',
  clientConfig: { region: 'eu-west-3', credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' } },
};
const storage = new S3Storage(options);
match(await storage.signedUrl('a.txt', { expiresIn: 60 }), /^https:\\/\\/media\\.s3\\.eu-west-3\\.amazonaws\\.com\\/a\\.txt\\?.*X-Amz-Signature=/);
signedUrlRedirect({ expiresIn: 60 });
const wrapped = await import(new URL('./node_modules/koa-downloadview/dist/src/s3.js', import.meta.url).href);
deepStrictEqual(Object.keys(await import('koa-downloadview/s3')).sort(), Object.keys(wrapped).sort());
console.log('ok');
`;

const STRICT = { strict: true, skipLibCheck: false, target: 'ES2022', lib: ['ES2023'], types: ['node'] };

/** The tsconfig of a Node app: NodeNext, compiled to JavaScript beside the sources. */
export function nodeNextConfig(files: string[]): string {
  return JSON.stringify({ compilerOptions: { ...STRICT, module: 'NodeNext', moduleResolution: 'NodeNext' }, files });
}

/** The tsconfig of an app whose bundler resolves modules: type-checked only. */
export function bundlerConfig(files: string[]): string {
  return JSON.stringify({ compilerOptions: { ...STRICT, module: 'preserve', moduleResolution: 'bundler', noEmit: true }, files });
}
