import { expect } from 'chai';
import { startEmbeddedS3, type EmbeddedS3 } from '../../demo/s3.js';
import { ImproperlyConfiguredError } from '../../src/errors.js';
import { S3Storage } from '../../storages/s3.js';
import { outcome } from '../support/outcome.js';
import { readAll } from '../support/streams.js';
import { observeCommands } from './observeCommands.js';

describe('S3Storage at the edges', function () {
  let s3: EmbeddedS3;

  before(async function () {
    s3 = await startEmbeddedS3();
  });
  after(async function () {
    await s3.stop();
  });

  it('reads an object it opened whole from the body it holds, or asks again for only the part asked for', async function () {
    await s3.storage.save('edges/digits.txt', '0123456789');
    // A client of its own: the observer stays on the client it is added to.
    const storage = new S3Storage({ bucket: s3.bucket, clientConfig: s3.clientConfig });
    const sent = observeCommands(storage.client);
    const whole = await storage.openStat('edges/digits.txt');
    expect((await readAll(await whole.read({ start: 0, end: 9 }))).toString()).to.equal('0123456789');
    expect(sent, 'the whole range is the body already opened').to.deep.equal(['GetObjectCommand']);
    for (const [start, end, bytes] of [[2, 5, '2345'], [0, 8, '012345678'], [1, 9, '123456789']] as const) {
      const opened = await s3.storage.openStat('edges/digits.txt');
      expect((await readAll(await opened.read({ start, end }))).toString(), `${start}-${end}`).to.equal(bytes);
    }
  });

  it('gives the first byte alone for a range of one byte', async function () {
    await s3.storage.save('edges/one.txt', 'xyz');
    expect((await readAll(await s3.storage.open('edges/one.txt', { start: 0, end: 0 }))).toString()).to.equal('x');
    expect((await readAll(await s3.storage.open('edges/one.txt', { start: 2, end: 2 }))).toString()).to.equal('z');
  });

  it('lists nothing under a prefix that holds nothing, and says which bucket it could not list', async function () {
    const names: string[] = [];
    for await (const name of s3.storage.list('edges-nothing/')) names.push(name);
    expect(names).to.deep.equal([]);
    const noBucket = new S3Storage({ bucket: 'no-such-bucket', client: s3.storage.client });
    expect(await outcome((async () => { for await (const _ of noBucket.list()) void _; })())).to.equal('StorageError: S3 error on "" in bucket "no-such-bucket": NoSuchBucket');
  });

  it('refuses an empty bucket name, and keeps names unprefixed by default', async function () {
    expect(() => new S3Storage({ bucket: '', client: s3.storage.client })).to.throw(ImproperlyConfiguredError, /needs a bucket/);
    expect(new S3Storage({ bucket: s3.bucket, client: s3.storage.client }).prefix).to.equal('');
  });

  it('keeps the origin of an endpoint given as a string or a URL, and none for an endpoint provider', function () {
    expect(new S3Storage({ bucket: 'b', clientConfig: { endpoint: 'http://127.0.0.1:9000/path' } }).endpoint).to.equal('http://127.0.0.1:9000');
    expect(new S3Storage({ bucket: 'b', clientConfig: { endpoint: new URL('http://127.0.0.1:9001/') as never } }).endpoint).to.equal('http://127.0.0.1:9001');
    expect(new S3Storage({ bucket: 'b', clientConfig: { endpoint: async () => ({ url: new URL('http://127.0.0.1:9002/') }) as never } }).endpoint).to.equal(undefined);
  });

  it('keeps the cause of a missing key', async function () {
    const missing = await s3.storage.open('edges/none.txt').then(() => undefined, (e: unknown) => e);
    expect((missing as Error).cause).to.have.property('name', 'NoSuchKey');
  });
});
