/**
 * Caddy handlers for S3 rules (src/s3Rules.ts), inside the app's
 * `handle_response`: the app hands off with
 * `X-Accel-Redirect: <destinationUrl><bucket path>?<presigned query>`, the
 * path percent-encoded as it was signed, and Caddy fetches it from the one
 * endpoint written here. What Debian's Caddy 2.6 needs, each proven by
 * test/proxies/s3Offload.test.ts:
 * - its `rewrite` sets the path literally and escapes what a placeholder
 *   puts in the query, so the path is decoded once (`uri path_regexp`, which
 *   keeps the signed spelling as the raw path) and the query goes in by
 *   `uri replace`, which copies it as is;
 * - `header_up -*` panics and `header_up` deletes after it sets, so the
 *   client's headers are put aside in vars, all deleted (`-**`), and only
 *   those S3 acts on set back, when the client sent them.
 */
import { ERRORS, FORWARDED, regexEscape } from './s3Fetch.js';
import type { S3Mapping, Site } from './site.js';

// Where the presigned query goes in: '=' cannot occur in the signed path, where it is %3D.
const QUERY_MARK = 'kdv=s3';

/** The handlers of `handle_response`, one per S3 rule. */
export function caddyS3Handlers(site: Site): string {
  return site.s3.map((mapping, index) => handler(mapping, `kdv_s3_${index}`)).join('');
}

function handler({ url, origin }: S3Mapping, name: string): string {
  const vars = FORWARDED.map((header) => [header, `kdv_${header.toLowerCase().replaceAll('-', '_')}`] as const);
  const upstream = `${origin.protocol.slice(0, -1)}://${origin.hostname}:${origin.port || (origin.protocol === 'https:' ? 443 : 80)}`;
  const tls = origin.protocol === 'https:' ? `\n                            tls_server_name ${origin.hostname}` : '';
  const errors = ERRORS.filter(([, status]) => status !== 502).map(([codes, status]) => `
                        @${name}_${status} status ${codes}
                        handle_response @${name}_${status} {
                            error ${status}
                        }`);
  return `            # S3 objects handed off to ${url}: fetched from ${origin.origin} and nowhere else.
            @${name} vars_regexp ${name} {rp.header.X-Accel-Redirect} ^${regexEscape(url.slice(0, -1))}(/[^?]*)\\?(.+)$
            handle @${name} {
                # The S3 path, percent-encoded as it was signed, and the presigned query, as they are.
                rewrite * {re.${name}.1}?${QUERY_MARK}
                uri path_regexp %25 %
                uri replace ${QUERY_MARK} {re.${name}.2}
                route {
                    # Cookie, Authorization and every other header of the client stay here.
                    vars {
${vars.map(([header, variable]) => `                        ${variable} {http.request.header.${header}}\n`).join('')}                    }
                    request_header -**
${vars.map(([header, variable]) => `                    @${name}_${variable} not vars ${variable} ""
                    request_header @${name}_${variable} ${header} {vars.${variable}}
`).join('')}                    reverse_proxy ${upstream} {
                        # The host the app signed for.
                        header_up Host ${origin.host}
                        header_up -X-Forwarded-*
                        # The app's Content-Type, Content-Disposition and caching win over the object's; S3's own headers stay here.
                        header_down -Content-Type
                        header_down -Content-Disposition
                        header_down -Cache-Control
                        header_down -Expires
                        header_down -Set-Cookie
                        header_down -Server
                        header_down -X-Amz-*
                        transport http {
                            compression off${tls}
                        }
                        # Not modified: S3's validators, no file.
                        @${name}_304 status 304
                        handle_response @${name}_304 {
                            header -Content-Disposition
                            copy_response
                        }${errors.join('')}
                        # Anything else S3 refuses or fails (an expired or wrong signature, a redirect): the proxy could not fetch the object.
                        @${name}_502 status 3xx 4xx 5xx
                        handle_response @${name}_502 {
                            error 502
                        }
                    }
                }
            }
`;
}
