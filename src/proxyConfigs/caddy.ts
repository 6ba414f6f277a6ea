/**
 * A Caddyfile site: reverse_proxy to the app; a response carrying
 * X-Accel-Redirect is replaced by file_server reading the mapped folder,
 * or by the S3 object Caddy fetches (caddyS3.ts).
 */
import { caddyS3Handlers } from './caddyS3.js';
import { appAddress, quote, type Site } from './site.js';

export function caddyConfig(site: Site): string {
  const handlers = site.mappings.map(
    ({ url, dir }) => `            handle_path ${url}* {
                root * ${quote(dir)}
                file_server
            }
`,
  );
  return `http://${site.serverName ?? ''}:${site.port} {
${site.host ? `    bind ${site.host}\n` : ''}    reverse_proxy ${appAddress(site.app, 'unix/')} {
        header_down -X-Sendfile
        @accel header X-Accel-Redirect *
        handle_response @accel {
            # The app's headers are dropped with its response: keep the ones a download needs.
            copy_response_headers {
                include Content-Type Content-Disposition Cache-Control
            }
            rewrite * {rp.header.X-Accel-Redirect}
${caddyS3Handlers(site)}${handlers.join('')}            # An X-Accel-Redirect outside every rule.
            handle {
                respond 404
            }
        }
    }
    # An error (a file the app did not look up is missing, say) carries no file: no Content-Disposition.
    handle_errors {
        header -Content-Disposition
        header Content-Type "text/plain; charset=utf-8"
        respond "{err.status_code} {err.status_text}" {err.status_code}
    }
}
`;
}
