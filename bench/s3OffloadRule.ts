/**
 * The S3 offload rule of the s3offload group: the app (contenders/s3Library.ts
 * with BENCH_BACKEND=nginx) hands its S3Storage's files to nginx, and the
 * orchestrator generates nginx's configuration from the same rule.
 */
import type { Rule } from '../src/rules.js';

/** `storage`: the app's S3Storage; for proxyConfig, 's3' and the endpoint nginx fetches from. */
export function s3OffloadRule(storage: NonNullable<Rule['storage']>, endpoint?: string): Rule {
  return { backend: 'nginx', storage, destinationUrl: '/_s3/', ...(endpoint && { endpoint }) };
}
