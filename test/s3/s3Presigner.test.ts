/**
 * The presigner behind S3Storage.signedUrl against its oracle, the AWS SDK's
 * getSignedUrl: at the same signing date, the very same URL, whatever the
 * key, endpoint, credentials and kind of URL; and signed URLs that a
 * SigV4-checking S3 serves.
 */
import { GetObjectCommand, HeadObjectCommand, S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { expect } from 'chai';
import { S3Storage } from '../../storages/s3.js';
import { S3Presigner, type PresignRequest } from '../../storages/s3Presigner.js';
import { startStrictS3, type StrictS3 } from '../support/strictS3.js';

const SIGNING_DATE = new Date('2026-03-14T15:09:26Z');
const STATIC = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' };
const BUCKET = 'media-bucket';

/** Client settings, and the bucket when it is not BUCKET. */
const CONFIGS: Record<string, [S3ClientConfig, string?]> = {
  's3rver-like endpoint with a port, path-style': [{ region: 'us-east-1', endpoint: 'http://127.0.0.1:4569', forcePathStyle: true, credentials: STATIC }],
  'AWS, virtual-hosted': [{ region: 'eu-west-3', credentials: STATIC }],
  'AWS, path-style': [{ region: 'eu-west-3', forcePathStyle: true, credentials: STATIC }],
  'AWS, a dotted bucket (path-style by the endpoint rules)': [{ region: 'eu-west-3', credentials: STATIC }, 'media.example.com'],
  'AWS, session-token credentials': [{ region: 'eu-west-3', credentials: { ...STATIC, sessionToken: 'FwoGZXIvYXdzE+/session=token' } }],
  'AWS, checksums only when required': [{ region: 'eu-west-3', credentials: STATIC, requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED' }],
  'AWS, transfer acceleration': [{ region: 'eu-west-3', useAccelerateEndpoint: true, credentials: STATIC }],
  'AWS, FIPS and dual-stack': [{ region: 'us-east-1', useFipsEndpoint: true, useDualstackEndpoint: true, credentials: STATIC }],
  'AWS, an access point ARN in another region': [{ region: 'eu-west-3', credentials: STATIC }, 'arn:aws:s3:us-west-2:123456789012:accesspoint/media'],
  'AWS, an Object Lambda access point (another signing service)': [{ region: 'us-west-2', credentials: STATIC }, 'arn:aws:s3-object-lambda:us-west-2:123456789012:accesspoint/banner'],
  'custom endpoint with a port, virtual-hosted': [{ region: 'auto', endpoint: 'https://storage.example.com:9443', credentials: STATIC }],
  'custom endpoint with a path, path-style': [{ region: 'auto', endpoint: 'https://gateway.example.com/s3/', forcePathStyle: true, credentials: STATIC }],
};

const KEYS = [
  'a.txt',
  'rapports/état 2024 #1 + 50%.txt',
  'q?x=1;y=2 & z #frag',
  'a//b/c',
  ' leading and  double spaces ',
  "it's (1)*!~",
  '日本語/😀.bin',
  'tenant-1/' + 'dossier/'.repeat(126) + 'x.bin', // 1 KiB, a key prefix in front
];

const KINDS: Array<Omit<PresignRequest, 'key'>> = [
  { method: 'GET', expiresIn: 60 },
  { method: 'GET', expiresIn: 3600, contentDisposition: `attachment; filename="Q1 résumé.txt"; filename*=UTF-8''Q1%20r%C3%A9sum%C3%A9.txt` },
  { method: 'GET', expiresIn: 60, contentType: 'text/csv; charset=utf-8' },
  { method: 'GET', expiresIn: 60, contentDisposition: 'inline', contentType: 'application/pdf' },
  { method: 'HEAD', expiresIn: 60 },
  { method: 'HEAD', expiresIn: 60, contentType: 'text/csv' },
];

/** The oracle: the SDK's own presign of the same request. */
function sdkUrl(client: S3Client, request: PresignRequest, bucket = BUCKET): Promise<string> {
  const input = { Bucket: bucket, Key: request.key, ResponseContentDisposition: request.contentDisposition, ResponseContentType: request.contentType };
  const command = request.method === 'HEAD' ? new HeadObjectCommand(input) : new GetObjectCommand(input);
  return getSignedUrl(client, command, { expiresIn: request.expiresIn, signingDate: request.signingDate! });
}

/** How many URLs `client` has had signed through the SDK's command stack: getSignedUrl clones it once per URL. */
function countSdkPresigns(client: S3Client): () => number {
  let count = 0;
  const stack = client.middlewareStack;
  const clone = stack.clone.bind(stack);
  stack.clone = () => {
    count++;
    return clone();
  };
  return () => count;
}

/** Each key and kind signed by `presigner` and by the SDK on `oracle`, at one date: the pairs that differ. */
async function differences(presigner: S3Presigner, oracle: S3Client, keys = KEYS, bucket = BUCKET): Promise<string[][]> {
  const differing: string[][] = [];
  for (const key of keys) {
    for (const kind of KINDS) {
      const request = { ...kind, key, signingDate: SIGNING_DATE };
      const [ours, sdk] = await Promise.all([presigner.presign(request), sdkUrl(oracle, request, bucket)]);
      if (ours !== sdk) differing.push([ours, sdk]);
    }
  }
  return differing;
}

describe('S3 presigned URLs (s3Presigner.ts), against the SDK\'s getSignedUrl', function () {
  for (const [name, [config, bucket = BUCKET]] of Object.entries(CONFIGS)) {
    it(`gives the SDK's very URL for every key and kind of URL, with one SDK presign per kind: ${name}`, async function () {
      const client = new S3Client(config);
      const sdkPresigns = countSdkPresigns(client);
      expect(await differences(new S3Presigner(client, bucket), new S3Client(config), KEYS, bucket)).to.deep.equal([]);
      expect(sdkPresigns(), 'URLs signed through the command stack').to.equal(KINDS.length);
    });
  }

  it('gives the SDK\'s URL when the client\'s endpoint provider reads the key, by asking the SDK each time', async function () {
    // Keys under eu/ live on another host: a template learned from one key would send the others to the wrong one.
    const config: S3ClientConfig = {
      region: 'eu-west-3',
      credentials: STATIC,
      endpointProvider: (params) => ({ url: new URL(`https://${String(params['Key']).startsWith('eu/') ? 'eu' : 'us'}.storage.example/${params['Bucket']}`) }),
    };
    const client = new S3Client(config);
    const sdkPresigns = countSdkPresigns(client);
    const keys = ['eu/a.txt', 'us/b.txt'];
    expect(await differences(new S3Presigner(client, BUCKET), new S3Client(config), keys)).to.deep.equal([]);
    expect(sdkPresigns()).to.equal(keys.length * KINDS.length);
  });

  it('gives the SDK\'s URL when the client has middleware of its own, which may change each request', async function () {
    const withTenantTag = (client: S3Client) => {
      client.middlewareStack.add(
        (next) => (args) => {
          const { request, input } = args as { request: { query: Record<string, string> }; input: { Key: string } };
          request.query['x-tenant'] = input.Key.split('/')[0]!;
          return next(args);
        },
        { step: 'build', name: 'tenantTagMiddleware' },
      );
      return client;
    };
    const config: S3ClientConfig = { region: 'eu-west-3', credentials: STATIC };
    const client = withTenantTag(new S3Client(config));
    const sdkPresigns = countSdkPresigns(client);
    const keys = ['tenant-1/a.txt', 'tenant-2/a.txt'];
    expect(await differences(new S3Presigner(client, BUCKET), withTenantTag(new S3Client(config)), keys)).to.deep.equal([]);
    expect(sdkPresigns()).to.equal(keys.length * KINDS.length);
  });

  it('signs with the credentials the client\'s provider gives now when they expire, as the SDK does', async function () {
    // Within the SDK's five minutes of refresh margin: the memoized provider asks again for each URL.
    let current = { ...STATIC, accessKeyId: 'AKIDFIRST', sessionToken: 'first', expiration: new Date(Date.now() + 60_000) };
    const config: S3ClientConfig = { region: 'eu-west-3', credentials: async () => current };
    const presigner = new S3Presigner(new S3Client(config), BUCKET);
    const oracle = new S3Client(config);
    const request: PresignRequest = { key: 'a.txt', method: 'GET', expiresIn: 60, signingDate: SIGNING_DATE };

    const first = await presigner.presign(request);
    expect(first).to.equal(await sdkUrl(oracle, request)).and.to.include('X-Amz-Credential=AKIDFIRST%2F');
    current = { accessKeyId: 'AKIDSECOND', secretAccessKey: 'another secret', sessionToken: 'second', expiration: new Date(Date.now() + 60_000) };
    const second = await presigner.presign(request);
    expect(second).to.equal(await sdkUrl(oracle, request)).and.to.include('X-Amz-Credential=AKIDSECOND%2F').and.to.include('X-Amz-Security-Token=second');
  });

  it('signs with credentials set on the client after its first URL, as the SDK does', async function () {
    const client = new S3Client({ region: 'eu-west-3', credentials: STATIC });
    const presigner = new S3Presigner(client, BUCKET);
    const request: PresignRequest = { key: 'a.txt', method: 'GET', expiresIn: 60, signingDate: SIGNING_DATE };
    await presigner.presign(request);
    client.config.credentials = { accessKeyId: 'AKIDROTATED', secretAccessKey: 'rotated secret' } as unknown as typeof client.config.credentials;
    expect(await presigner.presign(request)).to.equal(await sdkUrl(client, request)).and.to.include('X-Amz-Credential=AKIDROTATED%2F');
  });

  it('signs with the key of each signing day, and of each secret', async function () {
    let current: Record<string, unknown> = { ...STATIC, expiration: new Date(Date.now() + 60_000) };
    const config: S3ClientConfig = { region: 'eu-west-3', credentials: async () => current as typeof STATIC };
    const presigner = new S3Presigner(new S3Client(config), BUCKET);
    const oracle = new S3Client(config);
    const signedAt = async (signingDate: Date) => {
      const request: PresignRequest = { key: 'a.txt', method: 'GET', expiresIn: 60, signingDate };
      return [await presigner.presign(request), await sdkUrl(oracle, request)];
    };
    const nextDay = new Date(SIGNING_DATE.getTime() + 24 * 3600 * 1000);
    for (const [ours, sdk] of [await signedAt(SIGNING_DATE), await signedAt(nextDay), await signedAt(SIGNING_DATE)]) expect(ours).to.equal(sdk);
    current = { ...STATIC, secretAccessKey: 'the same key id, a new secret', expiration: new Date(Date.now() + 60_000) };
    const [ours, sdk] = await signedAt(SIGNING_DATE);
    expect(ours).to.equal(sdk);
  });

  it('fails as the SDK does on credentials that are not ones, and on a URL that would live over a week', async function () {
    let current: Record<string, unknown> = { ...STATIC, expiration: new Date(Date.now() + 60_000) };
    const config: S3ClientConfig = { region: 'eu-west-3', credentials: async () => current as typeof STATIC };
    const presigner = new S3Presigner(new S3Client(config), BUCKET);
    const oracle = new S3Client(config);
    const rejection = (attempt: Promise<unknown>) => attempt.then(() => expect.fail('expected a rejection'), (reason: unknown) => String(reason));
    const week: PresignRequest = { key: 'a.txt', method: 'GET', expiresIn: 7 * 24 * 3600, signingDate: SIGNING_DATE };
    expect(await presigner.presign(week)).to.equal(await sdkUrl(oracle, week));
    const longer = { ...week, expiresIn: week.expiresIn + 1 };
    expect(await rejection(presigner.presign(longer))).to.equal(await rejection(sdkUrl(oracle, longer))).and.to.include('one week');
    current = { accessKeyId: 'AKIDONLY', expiration: new Date(Date.now() + 60_000) };
    expect(await rejection(presigner.presign(week))).to.equal(await rejection(sdkUrl(oracle, week))).and.to.include('not valid');
  });

  it('asks the client\'s provider for lasting credentials once, not per URL', async function () {
    let asked = 0;
    const presigner = new S3Presigner(new S3Client({ region: 'eu-west-3', credentials: async () => (asked++, STATIC) }), BUCKET);
    for (let url = 0; url < 20; url++) await presigner.presign({ key: `file-${url}.txt`, method: 'GET', expiresIn: 60 });
    expect(asked).to.equal(1);
  });

  it('probes again after a failed probe: a credentials outage does not leave the SDK\'s slow path for good', async function () {
    let reachable = false;
    const client = new S3Client({ region: 'eu-west-3', credentials: async () => (reachable ? STATIC : Promise.reject(new Error('metadata service unreachable'))) });
    const sdkPresigns = countSdkPresigns(client);
    const presigner = new S3Presigner(client, BUCKET);
    const request: PresignRequest = { key: 'a.txt', method: 'GET', expiresIn: 60 };
    await presigner.presign(request).then(() => expect.fail('expected a rejection'), (error: Error) => expect(error.message).to.include('unreachable'));
    reachable = true;
    for (let url = 0; url < 5; url++) await presigner.presign(request);
    expect(sdkPresigns(), 'the failed probe and one more').to.equal(2);
  });

  it('gives each request signed now the SDK\'s URL for its second, when many requests that differ by one part share a second', async function () {
    // Expiring within the SDK's refresh margin: the provider is asked again for each URL.
    const expiring = (credentials: typeof STATIC & { sessionToken?: string }) => ({ ...credentials, expiration: new Date(Date.now() + 60_000) });
    let current = expiring(STATIC);
    const config: S3ClientConfig = { region: 'eu-west-3', credentials: async () => current };
    const presigner = new S3Presigner(new S3Client(config), BUCKET);
    const oracle = new S3Client(config);
    // Each differs from the first by one part only: the method, the lifetime, a response header, the key, the credentials.
    const first: PresignRequest = { key: 'a.txt', method: 'GET', expiresIn: 60 };
    const variants: Array<[string, PresignRequest, (typeof current)?]> = [
      ['the first', first],
      ['HEAD', { ...first, method: 'HEAD' }],
      ['another lifetime', { ...first, expiresIn: 61 }],
      ['a Content-Type', { ...first, contentType: 'text/plain' }],
      ['a Content-Disposition', { ...first, contentDisposition: 'text/plain' }],
      ['the Content-Type text in the key', { ...first, key: 'text/plaina.txt' }],
      ['another key', { ...first, key: 'b.txt' }],
      ['a session token', first, expiring({ ...STATIC, sessionToken: 'token' })],
      ['another secret', first, expiring({ ...STATIC, secretAccessKey: 'another secret' })],
      ['the first again', first, expiring(STATIC)],
    ];
    for (const [name, request, credentials = current] of [...variants, ...variants]) {
      current = credentials;
      const url = await presigner.presign(request);
      const signedAt = /X-Amz-Date=(\d{4})(\d\d)(\d\d)T(\d\d)(\d\d)(\d\d)Z/.exec(url)!.slice(1);
      const signingDate = new Date(`${signedAt.slice(0, 3).join('-')}T${signedAt.slice(3).join(':')}Z`);
      expect(url, name).to.equal(await sdkUrl(oracle, { ...request, signingDate }));
    }
  });

  describe('on s3rver behind a SigV4-checking front', function () {
    let s3: StrictS3;

    before(async function () {
      s3 = await startStrictS3();
    });
    after(async function () {
      await s3.stop();
    });

    it('signs URLs that S3 serves, GET with response headers and HEAD, for keys under a prefix', async function () {
      const storage = new S3Storage({ bucket: s3.embedded.bucket, client: s3.storage.client, prefix: 'tenant-1/' });
      for (const name of KEYS.slice(0, -1).filter((key) => !key.includes('//'))) {
        await storage.save(name, `content of ${name}`);
        const got = await fetch(await storage.signedUrl(name, { contentDisposition: 'attachment; filename="x.txt"', contentType: 'text/x-test' }));
        expect([got.status, await got.text(), got.headers.get('content-disposition'), got.headers.get('content-type')], name).to.deep.equal([200, `content of ${name}`, 'attachment; filename="x.txt"', 'text/x-test']);
        const head = await fetch(await storage.signedUrl(name, { method: 'HEAD' }), { method: 'HEAD' });
        expect([head.status, head.headers.get('content-length')], name).to.deep.equal([200, String(Buffer.byteLength(`content of ${name}`))]);
      }
    });

    it('signs URLs that S3 refuses once changed: another key, or a GET signed as HEAD', async function () {
      const storage = new S3Storage({ bucket: s3.embedded.bucket, client: s3.storage.client, prefix: 'tenant-2/' });
      await storage.save('a.txt', 'a');
      await storage.save('b.txt', 'b');
      const signed = await storage.signedUrl('a.txt');
      expect((await fetch(signed.replace('/a.txt?', '/b.txt?'))).status).to.equal(403);
      expect((await fetch(await storage.signedUrl('a.txt', { method: 'HEAD' }))).status).to.equal(403);
      expect((await fetch(signed)).status).to.equal(200);
    });
  });
});
