/**
 * S3 offload rules without a proxy: what is refused at start-up, and the
 * hand-off the app sends (presigning is local: no S3 server is needed, and
 * none is reachable at this endpoint, so any S3 request would fail).
 */
import Router from '@koa/router';
import { expect } from 'chai';
import request from 'supertest';
import { ImproperlyConfiguredError } from '../../src/errors.js';
import { proxyConfig } from '../../src/proxyConfig.js';
import { storageDownload, virtualDownload } from '../../src/routes.js';
import type { Rule } from '../../src/rules.js';
import { VirtualFile } from '../../src/virtualFile.js';
import { xSendfile } from '../../src/xSendfile.js';
import { MemoryStorage } from '../../storages/memory.js';
import { S3Storage } from '../../storages/s3.js';
import { appWith } from '../support/app.js';

const ENDPOINT = 'http://127.0.0.1:9';
const storage = new S3Storage({ bucket: 'bucket', clientConfig: { endpoint: ENDPOINT, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' } } });
const rule: Rule = { backend: 'nginx', storage, destinationUrl: '/_s3/' };

function refusal(rules: unknown): string {
  try {
    xSendfile(rules as Rule);
  } catch (error) {
    expect(error).to.be.instanceOf(ImproperlyConfiguredError);
    return (error as Error).message;
  }
  throw new Error('accepted');
}

function appFor(rules: Rule | Rule[]) {
  const router = new Router();
  router.get('/s3/*path', xSendfile(rules), storageDownload({ storage }));
  router.get('/memory/*path', xSendfile(rules), storageDownload({ storage: new MemoryStorage() }));
  router.get('/virtual', xSendfile(rules), virtualDownload(() => new VirtualFile({ name: 'v.txt', content: 'virtual' })));
  return appWith(router.routes()).callback();
}

describe('S3 offload rules', function () {
  it('refuses them for Apache and lighttpd at start-up, naming streaming and signedUrlRedirect', function () {
    for (const backend of ['apache', 'lighttpd']) {
      const message = refusal({ ...rule, backend });
      expect(message).to.match(new RegExp(`^xSendfile rule 1 \\(${backend}\\): ${backend} cannot fetch S3 objects`));
      expect(message).to.include('let Node stream S3 files').and.to.include("signedUrlRedirect() from 'koa-downloadview/s3'");
    }
    expect(() => proxyConfig({ ...rule, backend: 'apache' }, 'apache', { appUrl: 'http://127.0.0.1:3000' })).to.throw(ImproperlyConfiguredError, /apache cannot fetch S3 objects/);
  });

  it('refuses what cannot work: no S3Storage, file options, a bad lifetime, an endpoint with a path', function () {
    expect(refusal({ ...rule, storage: new MemoryStorage() })).to.match(/storage must be an S3Storage/);
    expect(refusal({ ...rule, storage: 's3' })).to.match(/the string "s3" stands for it in a proxy-config rules file only/);
    expect(refusal({ ...rule, sourceDir: '/srv' })).to.match(/sourceDir does not apply to an S3 rule/);
    expect(refusal({ ...rule, expires: 60 })).to.match(/expires does not apply to an S3 rule/);
    expect(refusal({ ...rule, expiresIn: 0 })).to.match(/expiresIn must be whole seconds from 1 to 604800/);
    expect(refusal({ ...rule, endpoint: 'https://s3.example/bucket' })).to.match(/endpoint must be the http\(s\) origin/);
    expect(refusal({ ...rule, destinationUrl: undefined })).to.match(/no destinationUrl/);
    expect(refusal({ backend: 'nginx', storage: new S3Storage({ bucket: 'b' }), destinationUrl: '/_s3/' })).to.match(/no endpoint: .* the rule endpoint: 'https:\/\/<bucket>\.s3\.<region>\.amazonaws\.com'/);
    expect(refusal({ sourceDir: '/srv', destinationUrl: '/p/', backend: 'nginx', expiresIn: 60 })).to.match(/expiresIn belongs to S3 rules/);
  });

  it('hands an S3 file to nginx: the presigned path encoded once more, its query, the disposition moved; no S3 request, no stat', async function () {
    const name = 'dossier é/ü + % # ? ;.pdf';
    const response = await request(appFor(rule)).get(`/s3/${name.split('/').map(encodeURIComponent).join('/')}`);
    expect(response.status).to.equal(200);
    expect(response.headers['content-length']).to.equal('0');
    const handOff = response.headers['x-accel-redirect'] as string;
    const [path, query] = handOff.split('?') as [string, string];
    expect(path).to.equal('/_s3/bucket/dossier%2520%25C3%25A9/%25C3%25BC%2520%252B%2520%2525%2520%2523%2520%253F%2520%253B.pdf');
    const params = new URLSearchParams(query);
    expect(params.get('X-Amz-Expires')).to.equal('60');
    expect(params.get('X-Amz-SignedHeaders')).to.equal('host');
    expect(params.get('x-id')).to.equal('GetObject');
    expect(response.headers['x-accel-content-disposition']).to.match(/^attachment; filename=/);
    expect(response.headers['content-disposition']).to.equal(undefined);
    expect(response.headers['content-type']).to.equal('application/pdf');
  });

  it('hands an S3 file to Caddy: the presigned path as signed (its rewrite does not decode), the disposition kept for its copy', async function () {
    const response = await request(appFor({ ...rule, backend: 'caddy' })).get(`/s3/${encodeURIComponent('é + %.pdf')}`);
    expect(response.status).to.equal(200);
    const [path, query] = (response.headers['x-accel-redirect'] as string).split('?') as [string, string];
    expect(path).to.equal('/_s3/bucket/%C3%A9%20%2B%20%25.pdf');
    expect(new URLSearchParams(query).get('X-Amz-Expires')).to.equal('60');
    expect(response.headers['content-disposition']).to.match(/^attachment; filename=/);
    expect(response.headers['x-accel-content-disposition']).to.equal(undefined);
  });

  it('presigns a HEAD for a HEAD (SigV4 signs the method), and takes expiresIn', async function () {
    const response = await request(appFor({ ...rule, expiresIn: 5 })).head('/s3/a.txt');
    const params = new URLSearchParams((response.headers['x-accel-redirect'] as string).split('?')[1]);
    // GetObject's presigned URL says x-id=GetObject; HeadObject's says nothing (the real-nginx test shows S3 accepts it for a HEAD).
    expect(params.get('x-id')).to.equal(null);
    expect(params.get('X-Amz-Expires')).to.equal('5');
  });

  it('leaves other storages and virtual files to Node', async function () {
    const virtual = await request(appFor(rule)).get('/virtual');
    expect(virtual.headers['x-accel-redirect']).to.equal(undefined);
    expect(virtual.text).to.equal('virtual');
    const memory = await request(appFor(rule)).get('/memory/missing.txt');
    expect(memory.status).to.equal(404);
    expect(memory.headers['x-accel-redirect']).to.equal(undefined);
  });

  it('answers 500, and tells the client nothing, when the storage signs for another origin than the proxy fetches from', async function () {
    const app = appFor({ ...rule, endpoint: 'http://127.0.0.1:10' });
    const response = await request(app).get('/s3/a.txt');
    expect(response.status).to.equal(500);
    expect(response.headers['x-accel-redirect']).to.equal(undefined);
    expect(response.text).to.equal('Internal Server Error');
  });

  it('hands off the path and query exactly as the storage signed them, its default port spelled out or not', async function () {
    // A storage of the user's own making: S3Storage's URLs never spell out a default port.
    class SigningStorage extends MemoryStorage {
      readonly endpoint = 'http://127.0.0.1';
      constructor(private readonly spelled: string) {
        super();
      }
      async signedUrl(name: string): Promise<string> {
        return `${this.spelled}/bucket/./${name}%20?X-Amz-Signature=abc`;
      }
    }
    for (const origin of ['http://127.0.0.1', 'http://127.0.0.1:80']) {
      const signing = new SigningStorage(origin);
      const router = new Router();
      router.get('/s3/*path', xSendfile({ backend: 'nginx', storage: signing, destinationUrl: '/_s3/' }), storageDownload({ storage: signing }));
      const response = await request(appWith(router.routes()).callback()).get('/s3/a.txt');
      expect([response.status, response.headers['x-accel-redirect']], origin).to.deep.equal([200, '/_s3/bucket/./a.txt%2520?X-Amz-Signature=abc']);
    }
  });

  it('proxy-config takes the string "s3" for the storage, with the endpoint, from a JSON rules file', function () {
    const config = proxyConfig([{ backend: 'nginx', storage: 's3', endpoint: 'https://bucket.s3.eu-west-1.amazonaws.com', destinationUrl: '/_s3/' }], 'nginx', { appUrl: 'http://127.0.0.1:3000' });
    expect(config).to.include('server bucket.s3.eu-west-1.amazonaws.com:443;');
    expect(config).to.include('proxy_set_header Host "bucket.s3.eu-west-1.amazonaws.com";');
    expect(config).to.include('proxy_ssl_verify on;');
    expect(config).to.include('proxy_pass_request_headers off;');
    expect(config).not.to.match(/\$http_cookie|\$http_authorization/);
  });
});
