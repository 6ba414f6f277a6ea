/**
 * `koa-downloadview/s3` (loaded through s3Entry.ts, which says what to
 * install when the AWS SDK is missing): the S3 storage, and the Koa
 * middleware that answers its downloads with a redirect to a signed URL.
 */
export { S3Storage, type S3StorageOptions, type SignedUrlOptions } from '../storages/s3.js';
export { signedUrlRedirect, type SignedUrlRedirectOptions } from './s3Redirect.js';
