/**
 * A lighttpd.conf fragment (include it from lighttpd.conf): mod_proxy forwards
 * to the app and honours X-Sendfile only for paths under x-sendfile-docroot.
 */
import { appPort, quote, type Site } from './site.js';

export function lighttpdConfig(site: Site): string {
  const docroots = site.mappings.map(({ dir }) => quote(`${dir}/`)).join(', ');
  // lighttpd opens a connection to the app for each request: over a socket it skips the TCP handshake (bench/findings.md, section 5).
  const app = site.app.socket === undefined
    ? `    "host" => ${quote(site.app.url.hostname)},\n    "port" => ${appPort(site.app.url)},\n`
    : `    "socket" => ${quote(site.app.socket)},\n`;
  return `server.modules += ( "mod_proxy" )
${site.host ? `server.bind := ${quote(site.host.replace(/^\[|\]$/g, ''))}\n` : ''}server.port := ${site.port}
${site.serverName ? `# serving ${site.serverName}\n` : ''}# The app does not look up offloaded files: lighttpd must refuse a symlink
# (a symlink to /etc/passwd in the folder would otherwise be sent).
server.follow-symlink := "disable"
# What Node streams (a ZIP made on the fly, a virtual file) goes on to the client as it comes,
# read from the app no faster than the client takes it: lighttpd's default holds the whole answer first.
server.stream-response-body := 2
proxy.server = ( "" => ( (
${app}    "x-sendfile" => "enable",
    "x-sendfile-docroot" => ( ${docroots} )
) ) )
`;
}
