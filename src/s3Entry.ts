/**
 * The `koa-downloadview/s3` entry point (its types are s3.ts's). It loads
 * s3.ts dynamically because a static import of a missing package fails
 * before any code runs, with a bare ERR_MODULE_NOT_FOUND: this way an
 * application without the AWS SDK is told what to install.
 */
const SDK = ['@aws-sdk/client-s3', '@aws-sdk/s3-request-presigner'];

function isMissingSdk(error: unknown): boolean {
  const { code, message } = error as NodeJS.ErrnoException;
  return code === 'ERR_MODULE_NOT_FOUND' && SDK.some((name) => String(message).includes(`'${name}'`));
}

const s3 = await import('./s3.js').catch((error: unknown) => {
  if (!isMissingSdk(error)) throw error;
  throw new Error(`koa-downloadview/s3 needs the AWS SDK, which is not installed: npm install ${SDK.join(' ')}`, { cause: error });
});

export const { S3Storage, signedUrlRedirect } = s3;
