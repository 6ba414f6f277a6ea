/**
 * S3Storage: files in an S3 bucket (AWS S3, MinIO, Cloudflare R2, Ceph RGW…).
 *
 * This is the `koa-downloadview/s3` entry point: the only module that loads
 * the AWS SDK, so applications that never import it never pay for it.
 */
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  paginateListObjectsV2,
  S3Client,
  type S3ClientConfig,
  type S3ServiceException,
} from '@aws-sdk/client-s3';
import { Readable } from 'node:stream';
import { FileNotFoundError, ImproperlyConfiguredError, StorageError } from './errors.js';
import { sliceStream } from './content.js';
import { existsByStat, joinUrl, validateName } from './names.js';
import { S3Presigner } from './s3Presigner.js';
import { uploadObject } from './s3Upload.js';
import type { ByteRange, FileStat, OpenedFile, SaveContent, SaveOptions, Storage } from './storage.js';


export interface S3StorageOptions {
  /** The bucket that holds the files. */
  bucket: string;
  /** A ready S3Client, shared with the rest of the application. Its settings are used as they are. */
  client?: S3Client;
  /**
   * Settings for the S3Client this storage builds when no `client` is given:
   * endpoint, region, credentials, forcePathStyle… requestChecksumCalculation
   * and responseChecksumValidation default to 'WHEN_REQUIRED', which every
   * S3-compatible server understands (docs/s3.md).
   */
  clientConfig?: S3ClientConfig;
  /** Key prefix: the file `a.txt` is the object `${prefix}a.txt`. Add the trailing `/` yourself. */
  prefix?: string;
  /** Public or CDN URL used by `url()`, e.g. `https://cdn.example.com/media/`. */
  baseUrl?: string;
}

export interface SignedUrlOptions {
  /** Seconds the URL stays valid. Default 300. */
  expiresIn?: number;
  /** The Content-Disposition header S3 answers with (ResponseContentDisposition). */
  contentDisposition?: string;
  /** The Content-Type header S3 answers with (ResponseContentType). */
  contentType?: string;
  /** 'HEAD' signs a HeadObject (SigV4 signs the method): for a proxy that passes a client's HEAD on. Default 'GET'. */
  method?: 'GET' | 'HEAD';
}

/**
 * Since early 2025 the SDK adds a CRC32 checksum to every upload; a stream is
 * sent `aws-chunked`, the checksum in a trailer. Servers that predate this
 * take the framing for content: s3rver 3.7 stores "c\r\nhello…\r\n0\r\n
 * x-amz-checksum-crc32:…" for a streamed "hello…" (older MinIO, Ceph and R2
 * refused such uploads at first). The SDK also asks for a checksum on every
 * GetObject and, when one comes back, wraps the body in a validating stream,
 * so the body we hand on is no longer the socket's own (aws-sdk-js-v3 #6691
 * is about that socket). Checksums only where an operation requires them
 * keep both portable; TLS, and SigV4's payload hash for in-memory bodies,
 * still guard the bytes.
 */
const S3_COMPATIBLE_DEFAULTS: S3ClientConfig = {
  requestChecksumCalculation: 'WHEN_REQUIRED',
  responseChecksumValidation: 'WHEN_REQUIRED',
};

const DEFAULT_EXPIRES_IN = 300;
// What S3 servers label an object saved without a type. That is no type: the route guesses from the name.
const UNTYPED = new Set(['binary/octet-stream', 'application/octet-stream']);

export class S3Storage implements Storage {
  readonly client: S3Client;
  readonly bucket: string;
  readonly prefix: string;
  readonly baseUrl: string | undefined;
  /** The origin of clientConfig.endpoint when it is a string or URL, e.g. `http://127.0.0.1:9000`; an S3 offload rule fetches from it. */
  readonly endpoint: string | undefined;
  readonly #presigner: S3Presigner;

  constructor(options: S3StorageOptions) {
    if (!options || typeof options.bucket !== 'string' || options.bucket === '') {
      throw new ImproperlyConfiguredError('S3Storage needs a bucket: new S3Storage({ bucket: "my-bucket", clientConfig: { region: "eu-west-1" } }).');
    }
    if (options.client && options.clientConfig) {
      throw new ImproperlyConfiguredError('S3Storage takes either a client or a clientConfig, not both: put the settings on your S3Client.');
    }
    this.bucket = options.bucket;
    this.prefix = options.prefix ?? '';
    this.baseUrl = options.baseUrl;
    this.client = options.client ?? new S3Client({ ...S3_COMPATIBLE_DEFAULTS, ...options.clientConfig });
    const endpoint = options.clientConfig?.endpoint;
    this.endpoint = typeof endpoint === 'string' || endpoint instanceof URL ? new URL(endpoint).origin : undefined;
    this.#presigner = new S3Presigner(this.client, this.bucket);
  }

  exists(name: string): Promise<boolean> {
    return existsByStat(this, name);
  }

  async stat(name: string): Promise<FileStat> {
    const request = this.#object(name);
    return toFileStat(await this.#call(name, () => this.client.send(new HeadObjectCommand(request))));
  }

  /**
   * One GetObject for a download that reads the whole file: its response
   * carries the stat, and its body is the file. HEAD and conditional requests
   * still take stat() (HeadObject), Range requests open() with the range.
   */
  async openStat(name: string): Promise<OpenedFile> {
    const request = this.#object(name);
    const object = await this.#call(name, () => this.client.send(new GetObjectCommand(request)));
    const body = object.Body as Readable;
    const stat = toFileStat(object);
    return {
      stat,
      read: (range) => {
        if (!range || (range.start <= 0 && range.end >= stat.size - 1)) return Promise.resolve(body);
        // A part only: free this socket, and ask S3 for just those bytes.
        body.destroy();
        return this.open(name, range);
      },
      close: () => body.destroy(),
    };
  }

  /**
   * Only the asked range crosses the network. The body is the SDK's own
   * socket stream: destroying it frees the socket for the next request.
   */
  async open(name: string, range?: ByteRange): Promise<Readable> {
    const request = { ...this.#object(name), Range: range && `bytes=${Math.max(0, range.start)}-${range.end}` };
    return this.#call(name, async () => {
      try {
        const { Body, ContentRange } = await this.client.send(new GetObjectCommand(request));
        return trimToRange(Body as Readable, range, ContentRange);
      } catch (error) {
        // A range that starts past the end (of an empty file, say) holds no byte: serve nothing, as the contract says.
        if ((error as Error).name === 'InvalidRange') return Readable.from([]);
        throw error;
      }
    });
  }

  async save(name: string, content: SaveContent, options: SaveOptions = {}): Promise<string> {
    const target = { ...this.#object(name), ...(options.contentType && { ContentType: options.contentType }) };
    await this.#call(name, () => uploadObject(this.client, target, content));
    return name;
  }

  /** S3 itself treats deleting a missing key as success. */
  async delete(name: string): Promise<void> {
    const request = this.#object(name);
    await this.#call(name, () => this.client.send(new DeleteObjectCommand(request)));
  }

  async *list(prefix = ''): AsyncIterable<string> {
    const pages = paginateListObjectsV2({ client: this.client }, { Bucket: this.bucket, Prefix: this.prefix + prefix });
    try {
      for await (const page of pages) {
        for (const object of page.Contents ?? []) if (object.Key) yield object.Key.slice(this.prefix.length);
      }
    } catch (error) {
      throw this.#translate(prefix, error);
    }
  }

  /** S3 files are never on local disk, so never X-Sendfile'd. */
  path(name: string): undefined {
    validateName(name);
    return undefined;
  }

  url(name: string): string | undefined {
    return joinUrl(this.baseUrl, name);
  }

  /**
   * A presigned GET URL: whoever holds it can download the file until it
   * expires. S3 answers it with `contentDisposition` and `contentType` as
   * headers. The very URL getSignedUrl gives, for a fraction of its CPU
   * (s3Presigner.ts): an offload hand-off makes one per download.
   */
  async signedUrl(name: string, options: SignedUrlOptions = {}): Promise<string> {
    const { Key: key } = this.#object(name);
    const expiresIn = options.expiresIn ?? DEFAULT_EXPIRES_IN;
    if (options.method === 'HEAD') return this.#presigner.presign({ key, method: 'HEAD', expiresIn });
    return this.#presigner.presign({ key, method: 'GET', expiresIn, contentDisposition: options.contentDisposition, contentType: options.contentType });
  }

  #object(name: string): { Bucket: string; Key: string } {
    return { Bucket: this.bucket, Key: this.prefix + validateName(name) };
  }

  /** Runs one S3 call, its failures translated into our typed errors. */
  async #call<T>(name: string, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      throw this.#translate(name, error);
    }
  }

  #translate(name: string, error: unknown): Error {
    const code = (error as S3ServiceException).name;
    const status = (error as S3ServiceException).$metadata?.httpStatusCode;
    // HeadObject answers a bare 404 ("NotFound"); a missing bucket is a configuration fault, not a missing file.
    if (code === 'NoSuchKey' || (status === 404 && code !== 'NoSuchBucket')) return new FileNotFoundError(name, { cause: error });
    // Our own finding about an answer (trimToRange) says more than its class name.
    const detail = error instanceof StorageError ? error.message : (code ?? String(error));
    return new StorageError(`S3 error on ${JSON.stringify(name)} in bucket ${JSON.stringify(this.bucket)}: ${detail}`, { cause: error, status: 502 });
  }
}

function toFileStat(object: { ContentLength?: number; LastModified?: Date; ETag?: string; ContentType?: string }): FileStat {
  const stat: FileStat = { size: object.ContentLength ?? 0, modifiedTime: object.LastModified ?? new Date(0) };
  if (object.ETag) stat.etag = object.ETag;
  if (object.ContentType && !UNTYPED.has(object.ContentType)) stat.contentType = object.ContentType;
  return stat;
}

/**
 * Some servers answer more than the asked range (s3rver 3.7 reads `bytes=0-0`
 * as the whole file, others ignore Range): trim, since the route announced
 * the exact length.
 */
function trimToRange(body: Readable, asked: ByteRange | undefined, contentRange: string | undefined): Readable {
  if (!asked) return body;
  const [, start = '0', end = 'Infinity'] = /^bytes (\d+)-(\d+)\//.exec(contentRange ?? '') ?? [];
  const served = { start: Number(start), end: Number(end) };
  if (served.start === asked.start && served.end <= asked.end) return body;
  if (served.start > asked.start) {
    // The first bytes asked are not in the answer: cutting it would send other bytes as these.
    body.destroy();
    throw new StorageError(`S3 answered bytes ${served.start}-${served.end} for bytes ${asked.start}-${asked.end}`, { status: 502 });
  }
  return sliceStream(body, { start: asked.start - served.start, end: asked.end - served.start });
}
