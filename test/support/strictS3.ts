/**
 * s3rver with a front that answers presigned requests the way AWS S3 does,
 * where s3rver 3.7 does not: it checks SigV4 presigned signatures (s3rver
 * accepts any; a proxy sending the wrong Host must fail, as on S3) and
 * their expiry, answers Range itself (s3rver reads `bytes=0-0` as the whole
 * object and `bytes=-5` as `0-5`; several ranges get the whole object, as
 * from S3), and If-Match / If-Unmodified-Since (s3rver ignores them); and
 * it refuses anonymous requests, as a private bucket does. It
 * counts the requests it gets, so a test can say none came.
 */
import { SignatureV4 } from '@smithy/signature-v4';
import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';
import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import parseRange from 'range-parser';
import { startEmbeddedS3, type EmbeddedS3 } from '../../demo/s3.js';
import { S3Storage } from '../../storages/s3.js';

export interface StrictS3 {
  /** `http://127.0.0.1:<front port>`: the endpoint apps sign for and proxies fetch from. */
  endpoint: string;
  storage: S3Storage;
  /** Requests the front received, with their target (path and query). */
  requests: Array<{ method: string; url: string; headers: IncomingMessage['headers'] }>;
  embedded: EmbeddedS3;
  stop(): Promise<void>;
}

const CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

export async function startStrictS3(): Promise<StrictS3> {
  const embedded = await startEmbeddedS3();
  const requests: StrictS3['requests'] = [];
  const front = createServer((req, res) => {
    requests.push({ method: req.method!, url: req.url!, headers: req.headers });
    handle(req, res, embedded.port).catch((error: Error) => {
      if (!res.headersSent) s3Error(res, 500, 'InternalError', error.message);
      else res.destroy();
    });
  });
  await new Promise<void>((resolve) => front.listen(0, '127.0.0.1', resolve));
  const endpoint = `http://127.0.0.1:${(front.address() as AddressInfo).port}`;
  const storage = new S3Storage({ bucket: embedded.bucket, clientConfig: { ...embedded.clientConfig, endpoint } });
  return {
    endpoint,
    storage,
    requests,
    embedded,
    async stop() {
      front.closeAllConnections();
      await new Promise((resolve) => front.close(resolve));
      await embedded.stop();
    },
  };
}

async function handle(req: IncomingMessage, res: ServerResponse, s3rverPort: number): Promise<void> {
  const url = new URL(req.url!, 'http://front');
  if (url.searchParams.has('X-Amz-Signature')) {
    const refusal = await checkPresigned(req, url);
    if (refusal) return s3Error(res, 403, ...refusal);
  } else if (!req.headers.authorization) {
    // A private bucket: s3rver would serve an anonymous request.
    return s3Error(res, 403, 'AccessDenied', 'Access Denied');
  }
  const presignedGet = url.searchParams.has('X-Amz-Signature') && (req.method === 'GET' || req.method === 'HEAD');
  const headers: Record<string, string | string[] | undefined> = { ...req.headers, host: `127.0.0.1:${s3rverPort}` };
  // Ranges and these preconditions are answered here; s3rver gets them wrong.
  if (presignedGet) for (const name of ['range', 'if-match', 'if-unmodified-since', 'if-range']) delete headers[name];
  const upstream = await new Promise<IncomingMessage>((resolve, reject) => {
    const forward = httpRequest({ host: '127.0.0.1', port: s3rverPort, method: req.method, path: req.url, headers }, resolve);
    forward.once('error', reject);
    req.pipe(forward);
  });
  // What AWS adds to every answer, and a proxy must keep from the client.
  Object.assign(upstream.headers, { 'x-amz-request-id': 'STRICT-S3', 'x-amz-id-2': 'STRICT-S3-ID', server: 'AmazonS3' });
  if (!presignedGet || upstream.statusCode !== 200) {
    res.writeHead(upstream.statusCode!, upstream.headers);
    return pipeline(upstream, res);
  }

  const etag = String(upstream.headers.etag);
  const lastModified = Date.parse(String(upstream.headers['last-modified']));
  const ifMatch = req.headers['if-match'];
  const ifUnmodified = req.headers['if-unmodified-since'];
  if ((ifMatch && ifMatch !== '*' && !ifMatch.split(/\s*,\s*/).includes(etag)) || (!ifMatch && ifUnmodified && lastModified > Date.parse(ifUnmodified))) {
    upstream.destroy();
    return s3Error(res, 412, 'PreconditionFailed', 'At least one of the pre-conditions you specified did not hold');
  }
  const size = Number(upstream.headers['content-length']);
  const ifRange = String(req.headers['if-range'] ?? '');
  const rangeApplies = req.headers.range && (!ifRange || ifRange === etag || Date.parse(ifRange) >= lastModified);
  const ranges = rangeApplies ? parseRange(size, req.headers.range!, { combine: true }) : undefined;
  if (ranges === -1) {
    upstream.destroy();
    return s3Error(res, 416, 'InvalidRange', 'The requested range is not satisfiable');
  }
  if (ranges === undefined || ranges === -2 || ranges.length !== 1) {
    res.writeHead(200, upstream.headers);
    return pipeline(upstream, res);
  }
  const { start, end } = ranges[0]!;
  res.writeHead(206, { ...upstream.headers, 'content-length': end - start + 1, 'content-range': `bytes ${start}-${end}/${size}` });
  if (req.method === 'HEAD') return void (upstream.destroy(), res.end());
  return pipeline(upstream, slice(start, end), res);
}

/** Why a presigned request is refused, as S3 says it; undefined when its signature is this request's. */
async function checkPresigned(req: IncomingMessage, url: URL): Promise<[code: string, message: string] | undefined> {
  const query = Object.fromEntries(url.searchParams);
  const date = query['X-Amz-Date'] ?? '';
  const signingDate = new Date(date.replace(/^(\d{4})(\d\d)(\d\d)T(\d\d)(\d\d)(\d\d)Z$/, '$1-$2-$3T$4:$5:$6Z'));
  const expiresIn = Number(query['X-Amz-Expires']);
  if (Date.now() > signingDate.getTime() + expiresIn * 1000) return ['AccessDenied', 'Request has expired'];
  const region = query['X-Amz-Credential']?.split('/')[2] ?? 'us-east-1';
  const signer = new SignatureV4({ credentials: CREDENTIALS, region, service: 's3', sha256: Sha256, uriEscapePath: false, applyChecksum: false });
  const { 'X-Amz-Signature': given, ...unsigned } = query;
  for (const name of ['X-Amz-Algorithm', 'X-Amz-Credential', 'X-Amz-Date', 'X-Amz-Expires', 'X-Amz-SignedHeaders', 'X-Amz-Security-Token', 'X-Amz-Content-Sha256']) delete unsigned[name];
  const [hostname, port] = String(req.headers.host).split(':');
  const signed = await signer.presign(
    { method: req.method!, protocol: 'http:', hostname: hostname!, ...(port && { port: Number(port) }), path: url.pathname, query: unsigned, headers: { host: String(req.headers.host), 'X-Amz-Content-Sha256': query['X-Amz-Content-Sha256'] ?? 'UNSIGNED-PAYLOAD' } },
    { signingDate, expiresIn, unsignableHeaders: new Set(Object.keys(req.headers).filter((name) => name !== 'host')) },
  );
  return signed.query?.['X-Amz-Signature'] === given ? undefined : ['SignatureDoesNotMatch', 'The request signature we calculated does not match the signature you provided.'];
}

/** SHA-256 and its HMAC as the signer wants them. */
class Sha256 {
  readonly #hash: Hash | Hmac;
  constructor(secret?: string | ArrayBuffer | ArrayBufferView) {
    this.#hash = secret === undefined ? createHash('sha256') : createHmac('sha256', bytes(secret));
  }
  update(data: string | ArrayBuffer | ArrayBufferView): void {
    this.#hash.update(bytes(data));
  }
  digest(): Promise<Uint8Array> {
    return Promise.resolve(this.#hash.digest());
  }
}

function bytes(data: string | ArrayBuffer | ArrayBufferView): string | Buffer {
  if (typeof data === 'string') return data;
  return ArrayBuffer.isView(data) ? Buffer.from(data.buffer, data.byteOffset, data.byteLength) : Buffer.from(data);
}

function s3Error(res: ServerResponse, status: number, code: string, message: string): void {
  const body = `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message><RequestId>STRICT-S3</RequestId></Error>`;
  res.writeHead(status, { 'content-type': 'application/xml', 'content-length': Buffer.byteLength(body), 'x-amz-request-id': 'STRICT-S3' });
  res.end(body);
}

function slice(start: number, end: number): Transform {
  let offset = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      const from = Math.max(0, start - offset);
      const to = Math.min(chunk.length, end + 1 - offset);
      offset += chunk.length;
      done(null, from < to ? chunk.subarray(from, to) : undefined);
    },
  });
}
