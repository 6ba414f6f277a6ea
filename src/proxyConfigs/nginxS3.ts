/**
 * nginx locations for S3 rules (src/s3Rules.ts): the app hands off with
 * `X-Accel-Redirect: <destinationUrl><bucket path>?<presigned query>`, and
 * the internal location fetches that path from the one endpoint written
 * here. The client's request headers stay with nginx, but Range and the
 * conditional ones; S3's own headers stay with nginx, but those that
 * describe the bytes sent; S3's error answers become nginx's bare pages.
 */
import { ERRORS, FORWARDED, regexEscape } from './s3Fetch.js';
import type { S3Cache } from './s3Cache.js';
import { appSuffix, quote, type S3Mapping, type Site } from './site.js';

// S3's response headers that say nothing the client needs, some of them internal (nginx cannot hide by prefix: x-amz-meta-* passes, docs/s3.md).
const S3_HEADERS = [
  'x-amz-request-id', 'x-amz-id-2', 'x-amz-version-id', 'x-amz-delete-marker', 'x-amz-expiration', 'x-amz-restore', 'x-amz-storage-class',
  'x-amz-replication-status', 'x-amz-mp-parts-count', 'x-amz-tagging-count', 'x-amz-website-redirect-location', 'x-amz-missing-meta', 'x-amz-request-charged',
  'x-amz-server-side-encryption', 'x-amz-server-side-encryption-aws-kms-key-id', 'x-amz-server-side-encryption-context', 'x-amz-server-side-encryption-bucket-key-enabled',
  'x-amz-server-side-encryption-customer-algorithm', 'x-amz-server-side-encryption-customer-key-MD5',
  'x-amz-object-lock-mode', 'x-amz-object-lock-retain-until-date', 'x-amz-object-lock-legal-hold',
  'x-amz-checksum-crc32', 'x-amz-checksum-crc32c', 'x-amz-checksum-crc64nvme', 'x-amz-checksum-sha1', 'x-amz-checksum-sha256', 'x-amz-checksum-type',
  'x-amz-bucket-region', 'x-amz-cf-id', 'x-amz-cf-pop', 'x-amz-meta-s3cmd-attrs',
];


/** The `http`-level blocks: one upstream per rule (its endpoint, resolved when nginx starts), and the maps. */
export function nginxS3Maps(site: Site): string {
  if (site.s3.length === 0) return '';
  const suffix = appSuffix(site.app);
  const blocks = site.s3.map((mapping, index) => {
    const name = `kdv_s3_${suffix}_${index}`;
    return `# S3 objects handed off to ${mapping.url}: fetched from ${mapping.origin.origin} and nowhere else.
upstream ${name} {
    server ${mapping.origin.hostname}:${mapping.origin.port || (mapping.origin.protocol === 'https:' ? 443 : 80)};
    keepalive 16;
}

# The S3 path of the object: the hand-off's path below ${mapping.url}, percent-encoded as it was signed.
map $uri $${name}_path {
    ${quote(`~^${regexEscape(mapping.url.slice(0, -1))}(/.*)$`)} $1;
}
`;
  });
  return `${blocks.join('\n')}${site.s3Cache ? cacheZone(site.s3Cache, suffix) : ''}
# The app's Content-Disposition, read before nginx asks S3, on the answers that carry the file only.
map $status $kdv_s3_content_disposition_${suffix} {
    default $kdv_s3_app_disposition;
    304 "";
}

`;
}

/** The internal locations, and the named ones S3's errors go to. */
export function nginxS3Locations(site: Site): string {
  if (site.s3.length === 0) return '';
  const suffix = appSuffix(site.app);
  const errors = ERRORS.map(([, status]) => `
    location @kdv_s3_${status} {
        return ${status};
    }
`);
  return `${site.s3.map((mapping, index) => location(mapping, `kdv_s3_${suffix}_${index}`, suffix, site.s3Cache)).join('')}${errors.join('')}`;
}

/** The disk the objects are kept on, and which requests must not fill it. */
function cacheZone(cache: S3Cache, suffix: string): string {
  return `
# S3 objects kept on disk (s3Cache): removed when nobody asked for them for ${cache.valid} s, or when ${cache.maxSize} bytes are full.
proxy_cache_path ${cache.path} levels=1:2 keys_zone=kdv_s3_cache_${suffix}:10m max_size=${cache.maxSize} inactive=${cache.valid}s use_temp_path=off;

# A HEAD is presigned for HEAD, so it goes to S3 as HEAD, and its empty answer is not kept.
map $request_method $kdv_s3_head_${suffix} {
    HEAD 1;
    default "";
}
`;
}

/**
 * The cache's directives: slices of the object, keyed on the endpoint and the
 * object's path (never the presigned query), so any hand-off of an object
 * finds it. Range and the conditionals are then nginx's, from the cached
 * headers: S3 is asked for whole slices only.
 */
function cached(cache: S3Cache, name: string, suffix: string, origin: URL): string {
  return `        # Kept on disk (s3Cache), in slices, keyed on the object, not on the signature.
        slice ${cache.slice};
        proxy_cache kdv_s3_cache_${suffix};
        proxy_cache_key ${quote(`${origin.host}$${name}_path$slice_range`)};
        proxy_cache_valid 200 206 ${cache.valid}s;
        proxy_cache_revalidate on;
        proxy_cache_lock on;
        proxy_cache_convert_head off;
        proxy_no_cache $kdv_s3_head_${suffix};
        proxy_set_header Range $slice_range;
`;
}

function location(mapping: S3Mapping, name: string, suffix: string, cache: S3Cache | undefined): string {
  return `
    # S3 objects, fetched with the presigned request the app put in the hand-off. internal: a client asking for this URL gets 404.
    location ^~ ${quote(mapping.url)} {
        internal;
        set $kdv_s3_app_disposition $upstream_http_x_accel_content_disposition;
${cache ? '        set $kdv_s3_app_type $upstream_http_content_type;\n' : ''}${fetchDirectives(mapping, name, suffix, cache)}    }
${cache ? uncached(mapping, name, suffix) : ''}`;
}

/**
 * S3 refuses any Range of a 0-byte object (416), and every fetch of the cache
 * is the Range of a slice: a 416 there is fetched again, once, uncached, with
 * the client's own Range and conditionals, and S3 answers as without the
 * cache (200 for the empty object, 416 for a range past a larger one's end).
 */
function uncached(mapping: S3Mapping, name: string, suffix: string): string {
  return `
    # A 416 of the cache's slice: the object is empty, or the client's range starts past its end. S3 decides, without the cache.
    location @${name}_uncached {
        recursive_error_pages on;
        # nginx cleared the app's Content-Type to go to this page: the one read at the hand-off, on the answers that carry the file.
        add_header Content-Type $kdv_s3_app_type;
${fetchDirectives(mapping, name, suffix, undefined)}    }
`;
}

/** How a location fetches the object from S3, and what of S3's answer the client gets. */
function fetchDirectives(mapping: S3Mapping, name: string, suffix: string, cache: S3Cache | undefined): string {
  const { origin } = mapping;
  const tls = origin.protocol === 'https:'
    ? `        proxy_ssl_server_name on;
        proxy_ssl_name ${origin.hostname};
        proxy_ssl_verify on;
        proxy_ssl_trusted_certificate /etc/ssl/certs/ca-certificates.crt;
`
    : '';
  const errorPages = ERRORS.map(([codes, status]) => (cache && status === 416 ? `        error_page 416 = @${name}_uncached;\n` : `        error_page ${codes} = @kdv_s3_${status};\n`));
  return `        proxy_pass ${origin.protocol.slice(0, -1)}://${name}$${name}_path$is_args$args;
        proxy_http_version 1.1;
        proxy_set_header Connection "";
        # The host the app signed for.
        proxy_set_header Host ${quote(origin.host)};
${tls}        # Cookie, Authorization and every other header of the client stay here.
        proxy_pass_request_headers off;
        proxy_pass_request_body off;
${cache ? cached(cache, name, suffix, origin) : FORWARDED.map((header) => `        proxy_set_header ${header} $http_${header.toLowerCase().replaceAll('-', '_')};\n`).join('')}        # The app's Content-Type, Content-Disposition and caching win over the object's.
        proxy_hide_header Content-Type;
        proxy_hide_header Content-Disposition;
        proxy_hide_header Cache-Control;
        proxy_hide_header Expires;
        proxy_hide_header Set-Cookie;
${S3_HEADERS.map((header) => `        proxy_hide_header ${header};\n`).join('')}        # Room for these long names in nginx's hash of hidden headers.
        proxy_headers_hash_bucket_size 128;
        proxy_ignore_headers X-Accel-Redirect X-Accel-Expires X-Accel-Limit-Rate X-Accel-Buffering X-Accel-Charset Set-Cookie${cache ? ' Cache-Control Expires' : ''};
        proxy_intercept_errors on;
${errorPages.join('')}        charset off;
        add_header Content-Disposition $kdv_s3_content_disposition_${suffix};
`;
}
