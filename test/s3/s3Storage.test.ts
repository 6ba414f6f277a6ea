import { expect } from 'chai';
import type { IncomingMessage } from 'node:http';
import { Readable } from 'node:stream';
import { startEmbeddedS3, type EmbeddedS3 } from '../../demo/s3.js';
import { FileNotFoundError, ImproperlyConfiguredError, StorageError } from '../../src/errors.js';
import { S3Storage } from '../../storages/s3.js';
import { storageContract } from '../storages/contract.js';
import { readAll } from '../support/streams.js';
import { observeCommands } from './observeCommands.js';

async function failure(attempt: Promise<unknown>): Promise<Error> {
  return attempt.then(() => expect.fail('expected a rejection'), (error: Error) => error);
}

describe('S3Storage on s3rver', function () {
  let s3: EmbeddedS3;
  let run = 0;

  before(async function () {
    s3 = await startEmbeddedS3();
  });
  after(async function () {
    await s3.stop();
  });

  // Each contract test gets a fresh prefix, so that listings see only its own files.
  storageContract('S3Storage', async () => {
    const prefix = `contract-${++run}/`;
    return {
      storage: new S3Storage({ bucket: s3.bucket, client: s3.storage.client, prefix }),
      withBaseUrl: new S3Storage({ bucket: s3.bucket, client: s3.storage.client, prefix, baseUrl: 'https://cdn.example/media/' }),
      local: false,
    };
  });

  it('keeps files under its prefix, and lists them without it', async function () {
    const prefixed = new S3Storage({ bucket: s3.bucket, client: s3.storage.client, prefix: 'tenant-1/' });
    await prefixed.save('report.txt', 'mine');
    expect((await readAll(await s3.storage.open('tenant-1/report.txt'))).toString()).to.equal('mine');
    const listed: string[] = [];
    for await (const name of prefixed.list()) listed.push(name);
    expect(listed).to.deep.equal(['report.txt']);
  });

  it("stats with S3's own ETag and the stored content type, and no type for an untyped object", async function () {
    await s3.storage.save('typed.json', '{}', { contentType: 'application/json' });
    await s3.storage.save('untyped.json', '{}');
    const typed = await s3.storage.stat('typed.json');
    expect(typed.etag).to.equal('"99914b932bd37a50b983c5e7c90ae93b"'); // MD5 of "{}", quoted
    expect(typed.contentType).to.equal('application/json');
    // S3 labels it octet-stream; the route must be free to guess from the name instead.
    expect((await s3.storage.stat('untyped.json')).contentType).to.equal(undefined);
  });

  it('asks S3 for the range only: the response carries just the asked bytes', async function () {
    await s3.storage.save('digits.txt', '0123456789');
    const body = (await s3.storage.open('digits.txt', { start: 2, end: 5 })) as IncomingMessage;
    expect(body.headers['content-length']).to.equal('4');
    expect(body.headers['content-range']).to.equal('bytes 2-5/10');
    expect((await readAll(body)).toString()).to.equal('2345');
  });

  it('saves a stream larger than one part by multipart upload, intact', async function () {
    const storage = new S3Storage({ bucket: s3.bucket, clientConfig: s3.clientConfig });
    const sent = observeCommands(storage.client);
    const big = Buffer.alloc(8 * 1024 * 1024 + 1000);
    for (let i = 0; i < big.length; i += 4096) big[i] = i % 251;
    await storage.save('large.bin', Readable.from([big.subarray(0, 3_000_000), big.subarray(3_000_000)]));
    expect(sent).to.deep.equal(['CreateMultipartUploadCommand', 'UploadPartCommand', 'UploadPartCommand', 'CompleteMultipartUploadCommand']);
    expect((await readAll(await storage.open('large.bin'))).equals(big)).to.equal(true);
  });

  it('aborts the multipart upload when the source stream fails, and saves nothing', async function () {
    const storage = new S3Storage({ bucket: s3.bucket, clientConfig: s3.clientConfig });
    const sent = observeCommands(storage.client);
    async function* failing() {
      yield Buffer.alloc(8 * 1024 * 1024);
      throw new Error('source broke');
    }
    const error = await failure(storage.save('broken.bin', Readable.from(failing())));
    expect((error as StorageError).cause).to.have.property('message', 'source broke');
    expect(sent).to.include('AbortMultipartUploadCommand');
    expect(await storage.exists('broken.bin')).to.equal(false);
  });

  it('reports S3 failures other than a missing key as StorageError with status 502', async function () {
    const intruder = new S3Storage({ bucket: s3.bucket, clientConfig: { ...s3.clientConfig, credentials: { accessKeyId: 'WRONG', secretAccessKey: 'WRONG' } } });
    const noBucket = new S3Storage({ bucket: 'no-such-bucket', client: s3.storage.client });
    for (const attempt of [() => intruder.stat('typed.json'), () => intruder.open('typed.json'), () => noBucket.open('a.txt'), () => noBucket.save('a.txt', 'x')]) {
      const error = await failure(attempt());
      expect(error).to.be.instanceOf(StorageError);
      expect((error as StorageError).status).to.equal(502);
      expect((error as StorageError).cause).to.be.instanceOf(Error);
    }
    // HeadObject's bare 404 cannot tell a missing bucket from a missing key (docs/s3.md, pitfalls).
    expect(await failure(noBucket.stat('a.txt'))).to.be.instanceOf(FileNotFoundError);
  });

  it('reports an unreachable S3 as StorageError with status 502', async function () {
    const gone = await startEmbeddedS3();
    await gone.stop();
    const storage = new S3Storage({ bucket: gone.bucket, clientConfig: { ...gone.clientConfig, maxAttempts: 1 } });
    const error = await failure(storage.stat('a.txt'));
    expect(error).to.be.instanceOf(StorageError);
    expect((error as StorageError).status).to.equal(502);
  });

  it('tells a missing key from other failures in every reading method', async function () {
    for (const attempt of [() => s3.storage.stat('nope.txt'), () => s3.storage.open('nope.txt'), () => s3.storage.open('nope.txt', { start: 0, end: 1 })]) {
      expect(await failure(attempt())).to.be.instanceOf(FileNotFoundError);
    }
  });

  it('refuses a configuration that cannot work when it is built', function () {
    expect(() => new S3Storage({} as never)).to.throw(ImproperlyConfiguredError, /needs a bucket/);
    expect(() => new S3Storage({ bucket: 'b', client: s3.storage.client, clientConfig: {} })).to.throw(ImproperlyConfiguredError, /either a client or a clientConfig/);
  });
});
