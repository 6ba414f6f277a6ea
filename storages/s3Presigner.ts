/**
 * Presigned S3 URLs without the SDK's command stack for each one.
 *
 * getSignedUrl builds and runs a whole middleware stack per URL (endpoint
 * rules, retry, schema serialisation, auth scheme selection), some 200 µs
 * of CPU, where the signature itself is two hashes and an HMAC: too much for
 * an offload hand-off that does nothing else. Yet only the path depends on
 * the key: the SDK's own endpoint cache keys on Bucket, Region, Endpoint
 * and the client's flags, never on Key. So the SDK presigns a probe once
 * per storage and kind of URL (GET or HEAD, which response headers), that
 * URL becomes a template (origin, path before the key, the query
 * parameters the SDK added, signing region and service), and each later URL
 * is the template with its key, signed with SigV4's presigned-query form
 * (Host the only signed header, the payload unsigned, as the SDK signs it)
 * and the credentials of the client's own provider (memoized and refreshed
 * as for any command).
 *
 * The template is trusted only if it reproduces the probe's URL exactly, at
 * the same signing date: the SDK checks the shape and this signer once per
 * kind; the probe key holds what is hardest to encode. Clients this cannot
 * reason about sign every URL through getSignedUrl: an endpoint provider
 * other than the SDK's (it might read the key), or middleware a plain
 * S3Client does not have (it might change the request).
 */
import { GetObjectCommand, HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { createHash, createHmac } from 'node:crypto';

export interface PresignRequest {
  /** The object key, prefix included. */
  key: string;
  method: 'GET' | 'HEAD';
  expiresIn: number;
  /** ResponseContentDisposition. */
  contentDisposition?: string | undefined;
  /** ResponseContentType. */
  contentType?: string | undefined;
  /** Default: now. */
  signingDate?: Date;
}

interface Template {
  /** `http://host:port` as the SDK wrote it. */
  origin: string;
  /** The Host header it signed. */
  host: string;
  /** The path before the encoded key: `/bucket/` path-style, `/` virtual-hosted. */
  pathPrefix: string;
  /** What the SDK adds whatever the key (x-id, x-amz-checksum-mode…), decoded. */
  query: Record<string, string>;
  region: string;
  service: string;
}

// Every character class that an encoder could get wrong: reserved, unreserved, the ones escapeUri adds, a two- and a four-byte code point, empty segments.
const PROBE_KEY = "koa-downloadview probe/ +%#?;&=:@$,!'()*~._-[]{}|^`\"<>\\é😀//end";
const PROBE_DISPOSITION = 'attachment; filename="probe +%;.txt"; filename*=UTF-8\'\'%C3%A9';
const PROBE_TYPE = 'text/plain; charset=utf-8';
// Parameters the signer writes into each URL, lower-cased.
const SIGNING_PARAMETERS = new Set([
  'x-amz-algorithm',
  'x-amz-content-sha256',
  'x-amz-credential',
  'x-amz-date',
  'x-amz-expires',
  'x-amz-security-token',
  'x-amz-signature',
  'x-amz-signedheaders',
]);
const RESPONSE_PARAMETERS = { contentDisposition: 'response-content-disposition', contentType: 'response-content-type' } as const;
const ALGORITHM = 'AWS4-HMAC-SHA256';
const UNSIGNED_PAYLOAD = 'UNSIGNED-PAYLOAD';
// SigV4's limit: longer, the SDK refuses, and so do we, with its words.
const MAX_EXPIRES_IN = 7 * 24 * 3600;
// URLs kept per second: a few MiB at most, whatever the traffic.
const RECENT_URLS = 4096;

/** What the client's credentials provider gives (the SDK's AwsCredentialIdentity). */
type Credentials = Awaited<ReturnType<S3Client['config']['credentials']>>;

interface Recent {
  /** The signing date of these URLs, to the second. */
  date: string;
  credentials: Credentials;
  /** By request (method, lifetime, response headers, key). */
  urls: Map<string, string>;
}

let plainClient: S3Client | undefined;

export class S3Presigner {
  readonly #client: S3Client;
  readonly #bucket: string;
  readonly #templates = new Map<string, Promise<Template | undefined>>();
  /** The last signing key derived: the secret and scope it is for. */
  #signingKey: { secret: string; scope: string; key: Buffer } | undefined;
  /**
   * The URLs signed in the current second, by request: SigV4's date has
   * whole seconds, so the same request signed again within the second, with
   * the same credentials, is the very same URL. A popular object's
   * downloads then cost one signature a second, not one each.
   */
  #recent: Recent | undefined;

  constructor(client: S3Client, bucket: string) {
    this.#client = client;
    this.#bucket = bucket;
  }

  async presign(request: PresignRequest): Promise<string> {
    const template = request.expiresIn > MAX_EXPIRES_IN ? undefined : await this.#template(request);
    return template ? this.#sign(template, request) : sdkPresign(this.#client, this.#bucket, request);
  }

  #template(request: PresignRequest): Promise<Template | undefined> {
    const kind = `${request.method} ${request.contentDisposition != null} ${request.contentType != null}`;
    let template = this.#templates.get(kind);
    if (!template) {
      template = this.#learn(request);
      this.#templates.set(kind, template);
      // A failed probe (credentials unreachable, say) failed the SDK's way; the next URL probes again.
      template.catch(() => this.#templates.delete(kind));
    }
    return template;
  }

  async #learn(request: PresignRequest): Promise<Template | undefined> {
    if (!understood(this.#client)) return undefined;
    const probe: PresignRequest = {
      key: PROBE_KEY,
      method: request.method,
      expiresIn: 60,
      contentDisposition: request.contentDisposition != null ? PROBE_DISPOSITION : undefined,
      contentType: request.contentType != null ? PROBE_TYPE : undefined,
      signingDate: new Date(),
    };
    const expected = await sdkPresign(this.#client, this.#bucket, probe);
    const template = templateOf(expected, probe.key);
    return template && (await this.#sign(template, probe)) === expected ? template : undefined;
  }

  async #sign(template: Template, request: PresignRequest): Promise<string> {
    // Read from the client each time, as getSignedUrl does: credentials set on it later are followed.
    const credentials = await this.#client.config.credentials();
    if (typeof credentials?.accessKeyId !== 'string' || typeof credentials.secretAccessKey !== 'string') return sdkPresign(this.#client, this.#bucket, request);
    // A date given (the probe's, a test's) is signed as asked; only URLs signed now are shared within their second.
    if (request.signingDate) return this.#signAt(template, request, credentials, amzDate(request.signingDate));
    const date = amzDate(new Date());
    const recent = this.#recentFor(date, credentials);
    // Unambiguous whatever the strings hold: each optional one is preceded by its length.
    const id = `${request.method} ${request.expiresIn} ${request.contentType?.length ?? -1} ${request.contentDisposition?.length ?? -1} ${request.contentType ?? ''}${request.contentDisposition ?? ''}${request.key}`;
    const known = recent.urls.get(id);
    if (known !== undefined) return known;
    const url = this.#signAt(template, request, credentials, date);
    if (recent.urls.size < RECENT_URLS) recent.urls.set(id, url);
    return url;
  }

  /** The URLs of this second and these credentials; a new second or other credentials start afresh. */
  #recentFor(date: string, credentials: Credentials): Recent {
    const recent = this.#recent;
    if (recent?.date === date && recent.credentials.accessKeyId === credentials.accessKeyId && recent.credentials.secretAccessKey === credentials.secretAccessKey && recent.credentials.sessionToken === credentials.sessionToken) return recent;
    this.#recent = { date, credentials: { accessKeyId: credentials.accessKeyId, secretAccessKey: credentials.secretAccessKey, sessionToken: credentials.sessionToken }, urls: new Map() };
    return this.#recent;
  }

  #signAt(template: Template, request: PresignRequest, credentials: Credentials, date: string): string {
    const scope = `${date.slice(0, 8)}/${template.region}/${template.service}/aws4_request`;
    const query: Record<string, string> = {
      ...template.query,
      'X-Amz-Algorithm': ALGORITHM,
      'X-Amz-Content-Sha256': UNSIGNED_PAYLOAD,
      'X-Amz-Credential': `${credentials.accessKeyId}/${scope}`,
      'X-Amz-Date': date,
      'X-Amz-Expires': String(request.expiresIn),
      'X-Amz-SignedHeaders': 'host',
    };
    if (credentials.sessionToken) query['X-Amz-Security-Token'] = credentials.sessionToken;
    for (const option of ['contentDisposition', 'contentType'] as const) {
      const value = request[option];
      if (value != null) query[RESPONSE_PARAMETERS[option]] = value;
    }
    const path = template.pathPrefix + encodeKey(request.key);
    const canonicalRequest = `${request.method}\n${path}\n${queryString(query)}\nhost:${template.host}\n\nhost\n${UNSIGNED_PAYLOAD}`;
    const stringToSign = `${ALGORITHM}\n${date}\n${scope}\n${createHash('sha256').update(canonicalRequest).digest('hex')}`;
    query['X-Amz-Signature'] = createHmac('sha256', this.#keyFor(credentials.secretAccessKey, scope)).update(stringToSign).digest('hex');
    return `${template.origin}${path}?${queryString(query)}`;
  }

  /** SigV4's signing key for a secret and a scope (`date/region/service/aws4_request`): four HMACs, once a day per secret. */
  #keyFor(secret: string, scope: string): Buffer {
    if (this.#signingKey?.secret !== secret || this.#signingKey.scope !== scope) {
      const key = scope.split('/').reduce<Buffer | string>((key, part) => createHmac('sha256', key).update(part).digest(), `AWS4${secret}`) as Buffer;
      this.#signingKey = { secret, scope, key };
    }
    return this.#signingKey.key;
  }
}

/** SigV4's `X-Amz-Date`, e.g. 20260314T150926Z: the ISO date without separators or milliseconds. */
function amzDate(date: Date): string {
  return date.toISOString().replace(/[-:]|\.\d{3}/g, '');
}

/** The SDK's own presign: the reference, and the way for clients the template cannot follow. */
function sdkPresign(client: S3Client, bucket: string, request: PresignRequest): Promise<string> {
  const input = { Bucket: bucket, Key: request.key, ResponseContentDisposition: request.contentDisposition, ResponseContentType: request.contentType };
  const command = request.method === 'HEAD' ? new HeadObjectCommand(input) : new GetObjectCommand(input);
  return getSignedUrl(client, command, { expiresIn: request.expiresIn, ...(request.signingDate && { signingDate: request.signingDate }) });
}

/** The SDK's endpoint provider, and no middleware a plain S3Client lacks. */
function understood(client: S3Client): boolean {
  plainClient ??= new S3Client({ region: 'us-east-1' });
  const plain = new Set(plainClient.middlewareStack.identify());
  return client.config.endpointProvider === plainClient.config.endpointProvider && client.middlewareStack.identify().every((name) => plain.has(name));
}

/** The parts of an SDK presigned URL that do not depend on the key or the signature; undefined for a URL of another shape. */
function templateOf(url: string, key: string): Template | undefined {
  const { origin, host } = new URL(url);
  const queryStart = url.indexOf('?');
  if (!url.startsWith(origin) || queryStart === -1) return undefined;
  const path = url.slice(origin.length, queryStart);
  const encodedKey = encodeKey(key);
  if (!path.endsWith(encodedKey)) return undefined;
  const query: Record<string, string> = {};
  const signing: Record<string, string> = {};
  for (const pair of url.slice(queryStart + 1).split('&')) {
    const [name = '', value = ''] = pair.split('=').map(decodeURIComponent);
    const lower = name.toLowerCase();
    if (SIGNING_PARAMETERS.has(lower)) signing[lower] = value;
    else if (lower !== RESPONSE_PARAMETERS.contentDisposition && lower !== RESPONSE_PARAMETERS.contentType) query[name] = value;
  }
  // SigV4a (multi-region access points) and signed headers beyond Host are other shapes.
  if (signing['x-amz-algorithm'] !== ALGORITHM || signing['x-amz-signedheaders'] !== 'host') return undefined;
  // <access key>/<date>/<region>/<service>/aws4_request
  const [region, service] = (signing['x-amz-credential'] ?? '').split('/').slice(-3, -1);
  if (!region || !service) return undefined;
  return { origin, host, pathPrefix: path.slice(0, path.length - encodedKey.length), query, region, service };
}

/** As the SDK encodes a greedy path label: each segment URI-escaped, the slashes kept. */
function encodeKey(key: string): string {
  return key.split('/').map(escapeUri).join('/');
}

/** As the SDK writes a presigned URL's query: sorted by name, both sides escaped. */
function queryString(query: Record<string, string>): string {
  return Object.keys(query)
    .sort()
    .map((name) => `${escapeUri(name)}=${escapeUri(query[name]!)}`)
    .join('&');
}

/** RFC 3986 escaping, as SigV4 wants it: encodeURIComponent also leaves ! ' ( ) * alone. Most names and values need none: they are returned as they are, which halves a URL's cost. */
function escapeUri(text: string): string {
  if (/^[\w.~-]*$/.test(text)) return text;
  return encodeURIComponent(text).replace(/[!'()*]/g, (character) => `%${character.charCodeAt(0).toString(16).toUpperCase()}`);
}
