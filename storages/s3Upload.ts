/**
 * Writes one S3 object from any SaveContent: a single PutObject when the
 * content fits in one part, a multipart upload otherwise, so that saving a
 * large stream never holds more than one part in memory.
 */
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  PutObjectCommand,
  UploadPartCommand,
  type CompletedPart,
  type S3Client,
} from '@aws-sdk/client-s3';
import type { SaveContent } from './storage.js';

// S3 refuses parts under 5 MiB (but the last); 8 MiB is the AWS CLI's choice.
const PART_SIZE = 8 * 1024 * 1024;

export interface ObjectTarget {
  Bucket: string;
  Key: string;
  ContentType?: string;
}

export async function uploadObject(client: S3Client, target: ObjectTarget, content: SaveContent): Promise<void> {
  if (typeof content === 'string' || content instanceof Uint8Array) {
    await client.send(new PutObjectCommand({ ...target, Body: Buffer.from(content) }));
    return;
  }
  const parts = splitParts(content)[Symbol.asyncIterator]();
  const first = await parts.next();
  if (first.done || first.value.byteLength < PART_SIZE) {
    await client.send(new PutObjectCommand({ ...target, Body: first.done ? Buffer.alloc(0) : first.value }));
    return;
  }
  const { UploadId } = await client.send(new CreateMultipartUploadCommand(target));
  const upload = { Bucket: target.Bucket, Key: target.Key, UploadId };
  try {
    const completed: CompletedPart[] = [];
    for (let part: IteratorResult<Buffer> = first; !part.done; part = await parts.next()) {
      const PartNumber = completed.length + 1;
      const { ETag } = await client.send(new UploadPartCommand({ ...upload, PartNumber, Body: part.value }));
      completed.push({ ETag, PartNumber });
    }
    await client.send(new CompleteMultipartUploadCommand({ ...upload, MultipartUpload: { Parts: completed } }));
  } catch (error) {
    // An unfinished upload is billed storage that no listing shows: give it back.
    await client.send(new AbortMultipartUploadCommand(upload)).catch(() => {});
    throw error;
  }
}

/** Regroups a stream's chunks into PART_SIZE buffers; only the last may be shorter. */
async function* splitParts(source: AsyncIterable<Uint8Array | string>): AsyncGenerator<Buffer> {
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  for await (const chunk of source) {
    let bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : Buffer.from(chunk);
    while (pendingBytes + bytes.byteLength >= PART_SIZE) {
      const take = PART_SIZE - pendingBytes;
      yield Buffer.concat([...pending, bytes.subarray(0, take)]);
      bytes = bytes.subarray(take);
      pending = [];
      pendingBytes = 0;
    }
    if (bytes.byteLength > 0) {
      pending.push(bytes);
      pendingBytes += bytes.byteLength;
    }
  }
  if (pendingBytes > 0) yield Buffer.concat(pending);
}
