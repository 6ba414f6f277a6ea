/**
 * An nginx server block: everything goes to the app; each rule becomes an
 * `internal` location that X-Accel-Redirect may reach and a client may not.
 */
import { nginxEdgeLocations, nginxEdgeMaps } from '../signedLinks/nginxLocation.js';
import { nginxS3Locations, nginxS3Maps } from './nginxS3.js';
import { appAddress, appSuffix, quote, type Site } from './site.js';

// An S3 hand-off carries a presigned URL (up to 9 KiB of headers with a 1 KiB Unicode key); nginx's default buffer is 4 KiB.
const S3_HAND_OFF_BUFFER = '        proxy_buffer_size 16k;\n        proxy_busy_buffers_size 16k;\n';

// The app sees an offloaded download end when the hand-off reaches nginx; nginx sees the transfer end.
const ACCESS_LOG_FORMAT = `# Downloads: "OK" in the last field when the whole answer was sent, and the bytes that were (docs/observability.md).
log_format koa_downloadview '$remote_addr [$time_local] "$request" $status $bytes_sent $body_bytes_sent "$request_completion"';

`;

export function nginxConfig(site: Site): string {
  const listen = site.host ? `${site.host}:${site.port}` : String(site.port);
  const disposition = `kdv_content_disposition_${appSuffix(site.app)}`;
  const internal = site.mappings.map(
    ({ url, dir }) => `
    # Offloaded files under ${dir}. internal: a client asking for this URL gets 404.
    # disable_symlinks: the app does not stat offloaded files, so nginx must refuse
    # symlinks below the folder (a symlink to /etc/passwd would otherwise be served).
    location ^~ ${quote(url!)} {
        internal;
        alias ${quote(`${dir}/`)};
        disable_symlinks on from=${quote(dir)};
        # A folder's name gets 404, not nginx's 301 to this internal URL with a slash added.
        try_files $uri =404;
        # RFC 9110 (and Koa): 304 when the file is not newer than If-Modified-Since; nginx's default wants the exact date.
        if_modified_since before;
        # The file's bytes as they are, with the app's Content-Type: nginx recodes nothing.
        charset off;
        # The file's name, on the answers that carry the file only (add_header: 2xx, 3xx).
        add_header Content-Disposition $${disposition};
    }
`,
  );
  const upstream = `koa_app_${appSuffix(site.app)}`;
  return `${nginxEdgeMaps(site.edgeLinks)}${nginxS3Maps(site)}# The app sends the file's Content-Disposition as X-Accel-Content-Disposition: nginx would
# copy a Content-Disposition into its own 404 and 416 pages, which browsers then save under
# the file's name. The internal locations add it back, except to a 304 (no file either).
map $status $${disposition} {
    default $upstream_http_x_accel_content_disposition;
    304 "";
}

# Connections to the app are kept open: a hand-off costs one small request, not a TCP handshake too.
upstream ${upstream} {
    server ${appAddress(site.app, 'unix:')};
    keepalive 16;
}

${site.accessLog ? ACCESS_LOG_FORMAT : ''}server {
    listen ${listen};
    server_name ${site.serverName ?? '_'};
${site.accessLog ? `    access_log ${site.accessLog} koa_downloadview;\n` : ''}
    location / {
        proxy_pass http://${upstream};
        proxy_http_version 1.1;
        proxy_set_header Connection "";
        proxy_set_header Host $http_host;
        proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
        proxy_set_header X-Forwarded-Proto $scheme;
        # nginx hides X-Accel-* itself; an X-Sendfile meant for another proxy must not leak either.
        proxy_hide_header X-Sendfile;
${site.s3.length ? S3_HAND_OFF_BUFFER : ''}    }
${internal.join('')}${nginxS3Locations(site)}${nginxEdgeLocations(site.edgeLinks, quote)}}
`;
}
