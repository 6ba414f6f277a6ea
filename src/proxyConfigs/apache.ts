/**
 * An Apache virtual host: mod_proxy forwards to the app, mod_xsendfile
 * replaces a response carrying X-Sendfile by the file, only under XSendFilePath.
 */
import { quote, type Site } from './site.js';

export function apacheConfig(site: Site): string {
  const address = `${site.host ?? '*'}:${site.port}`;
  // A socket (Apache 2.4.7+): mod_proxy connects to the path before "|"; the URL after it names the scheme and is what ProxyPassReverse undoes.
  const app = site.app.socket === undefined ? `http://${site.app.url.host}/` : 'http://localhost/';
  const target = site.app.socket === undefined ? app : quote(`unix:${site.app.socket}|${app}`);
  const paths = site.mappings.map(({ dir }) => `    XSendFilePath ${quote(dir)}\n`).join('');
  return `# Needs: a2enmod proxy proxy_http xsendfile, and "Listen ${site.host ? address : site.port}" (ports.conf).
<VirtualHost ${address}>
${site.serverName ? `    ServerName ${site.serverName}\n` : ''}    ProxyPreserveHost On
    # nocanon: the app receives the path as the client sent it (%25, %3F, %23 in file names).
    ProxyPass / ${target} nocanon
    ProxyPassReverse / ${app}
    AllowEncodedSlashes NoDecode

    XSendFile On
    # mod_xsendfile 0.12 behind mod_proxy sends ETag "0" for every file: a client
    # would get 304 for a file that changed. Without ETag, Last-Modified decides.
    FileETag None
    # Only files under these folders are sent; any other X-Sendfile path is refused.
${paths}</VirtualHost>
`;
}
