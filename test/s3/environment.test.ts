import { expect } from 'chai';
import { s3FromEnvironment } from '../../demo/s3.js';

describe('S3 settings from the environment (demo)', function () {
  it('gives no storage when S3_BUCKET is unset', function () {
    expect(s3FromEnvironment({ S3_ENDPOINT: 'http://127.0.0.1:9000' })).to.equal(undefined);
  });

  it('builds a path-style storage on a custom endpoint, with prefix, base URL and region', async function () {
    const storage = s3FromEnvironment({
      S3_BUCKET: 'media',
      S3_ENDPOINT: 'http://127.0.0.1:9000',
      S3_REGION: 'auto',
      S3_PREFIX: 'site/',
      S3_BASE_URL: 'https://cdn.example/',
    })!;
    expect([storage.bucket, storage.prefix, storage.url('a b.txt')]).to.deep.equal(['media', 'site/', 'https://cdn.example/a%20b.txt']);
    expect(await storage.client.config.region()).to.equal('auto');
    expect(storage.client.config.forcePathStyle).to.equal(true);
    const endpoint = await storage.client.config.endpoint!();
    expect(`${endpoint.protocol}//${endpoint.hostname}:${endpoint.port}`).to.equal('http://127.0.0.1:9000');
  });

  it('keeps virtual-hosted style on AWS itself, unless S3_FORCE_PATH_STYLE says otherwise', function () {
    expect(s3FromEnvironment({ S3_BUCKET: 'media', AWS_REGION: 'eu-west-3' })!.client.config.forcePathStyle).to.equal(false);
    expect(s3FromEnvironment({ S3_BUCKET: 'media', S3_FORCE_PATH_STYLE: 'true', AWS_REGION: 'eu-west-3' })!.client.config.forcePathStyle).to.equal(true);
    expect(s3FromEnvironment({ S3_BUCKET: 'media', S3_ENDPOINT: 'https://minio.internal', S3_FORCE_PATH_STYLE: 'false' })!.client.config.forcePathStyle).to.equal(false);
  });
});
