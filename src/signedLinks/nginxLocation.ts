/**
 * Edge mode: nginx checks signed links itself (ngx_http_secure_link_module)
 * and serves the file from its folder; the app is never asked. The
 * `secure_link_md5` expression is the string md5Links.ts signs, so one
 * signer makes links for both. Refusals say why, as the app's do, and carry
 * no Content-Disposition.
 */
import { isAbsolute } from 'node:path';
import type { BackendName } from '../backends/backend.js';
import { ImproperlyConfiguredError } from '../errors.js';
import { checkEdgeSecret } from './keys.js';
import { SignedLinkError } from './refusal.js';

export interface EdgeLinksOptions {
  /** The edge secret: the one given to signedLinks({ edge: { secret } }). */
  secret: string;
  /** Each public URL prefix nginx serves signed links under, and its folder: `{ '/signed/': '/srv/media' }`. */
  folders: Record<string, string>;
}

export interface EdgeLinks {
  secret: string;
  locations: { url: string; dir: string }[];
}

const REFUSED = '/_koa_downloadview/link-refused';
const EXPIRED = '/_koa_downloadview/link-expired';
// nginx cannot tell a changed link from an unsigned one, nor from one used at another address.
const REFUSED_SENTENCE = 'This download link is not valid: it is not signed, or it was changed after it was signed, or it is used from another address than the one it was made for.';

/** The edge locations of a configuration, checked; undefined when there are none. */
export function resolveEdgeLinks(options: EdgeLinksOptions | undefined, backend: BackendName, internalUrls: (string | undefined)[]): EdgeLinks | undefined {
  if (options === undefined) return undefined;
  if (backend !== 'nginx') throw new ImproperlyConfiguredError(`edgeLinks are checked by nginx's secure_link module; ${backend} has none. Check links in the app with signedLinks(…).verify(), or put nginx in front.`);
  const secret = checkEdgeSecret(options.secret);
  const entries = Object.entries(options.folders ?? {});
  if (entries.length === 0) throw new ImproperlyConfiguredError('edgeLinks needs at least one folder: edgeLinks: { secret, folders: { "/signed/": "/srv/media" } }.');
  const locations = entries.map(([url, dir]) => {
    if (!/^\/([^\s"\\{};$]+\/)?$/.test(url) || url === '/' || url.includes('//')) {
      throw new ImproperlyConfiguredError(`An edgeLinks URL is a path prefix such as "/signed/", starting and ending with "/", without spaces, quotes or braces; got ${JSON.stringify(url)}.`);
    }
    if (typeof dir !== 'string' || !isAbsolute(dir) || /["\\\s]/.test(dir)) throw new ImproperlyConfiguredError(`The edgeLinks folder of ${url} must be an absolute path, e.g. "/srv/media"; got ${JSON.stringify(dir)}.`);
    // nginx picks the longest prefix: nested locations would send hand-offs to the public one, or links to the internal one.
    const clash = internalUrls.find((internal) => internal !== undefined && (internal.startsWith(url) || url.startsWith(internal)));
    if (clash) throw new ImproperlyConfiguredError(`The edgeLinks location ${url} overlaps the internal location ${clash} of a rule: give the signed links a prefix of their own, e.g. "/signed/".`);
    return { url, dir: dir.replace(/(.)\/+$/, '$1') };
  });
  return { secret, locations };
}

/** The maps the locations use, at the http level (before `server`). */
export function nginxEdgeMaps(edge: EdgeLinks | undefined): string {
  if (!edge) return '';
  return `# Signed links (secure_link): what the link signs, read as signedLinks reads it: "inline" or nothing, "1" (bound to the address) or nothing.
map $arg_disposition $kdv_link_disposition {
    default "";
    inline inline;
}
map $arg_ip $kdv_link_ip {
    default "";
    1 $remote_addr;
}
# Content-Disposition on the file only: never on a 304, a 404 or a refusal.
map "$status $kdv_link_disposition" $kdv_link_content_disposition {
    default "";
    "200 " attachment;
    "206 " attachment;
    "200 inline" inline;
    "206 inline" inline;
}

`;
}

/** One public location per folder, and the two internal ones that say why a link is refused. */
export function nginxEdgeLocations(edge: EdgeLinks | undefined, quote: (value: string) => string): string {
  if (!edge) return '';
  const refusal = (url: string, status: number, sentence: string) => `
    location = ${url} {
        internal;
        types { }
        default_type "text/plain; charset=utf-8";
        add_header Cache-Control no-store always;
        return ${status} ${quote(sentence)};
    }
`;
  const locations = edge.locations.map(
    ({ url, dir }) => `
    # Signed links to files under ${dir}, checked by nginx alone: the app is not asked.
    # The md5 is over what signedLinks(…).url(path, { edge: true }) signs (see docs/signed-links.md).
    location ^~ ${quote(url)} {
        secure_link $arg_md5,$arg_expires;
        secure_link_md5 ${quote(`$secure_link_expires $kdv_link_disposition $kdv_link_ip $uri ${edge.secret}`)};
        if ($secure_link = "") { rewrite ^ ${REFUSED} last; }
        if ($secure_link = "0") { rewrite ^ ${EXPIRED} last; }
        alias ${quote(`${dir}/`)};
        disable_symlinks on from=${quote(dir)};
        try_files $uri =404;
        if_modified_since before;
        add_header Content-Disposition $kdv_link_content_disposition;
        # A browser may keep the file, but asks nginx again (which checks the link again) before using it; no shared cache keeps it.
        add_header Cache-Control "private, no-cache";
    }
`,
  );
  return locations.join('') + refusal(REFUSED, 403, REFUSED_SENTENCE) + refusal(EXPIRED, 410, new SignedLinkError('expired').message);
}
