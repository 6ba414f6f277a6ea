/** The demo's home page: plain HTML, no build step. */
import type { BackendName } from '../src/backends/backend.js';
import type { DemoRoute } from './app.js';
import { downloadsPanelStyle } from './downloadsPanel.js';

const escape = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function size(bytes: number | undefined): string {
  if (bytes === undefined) return 'unknown size';
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

function badge(route: DemoRoute, proxy: BackendName | undefined): string {
  if (route.sentBy === 'node') return '<span class="badge node">streamed by Node</span>';
  if (proxy === route.sentBy) return `<span class="badge offload live" title="${route.sentBy} is in front: it sends the bytes">offloaded to ${route.sentBy}</span>`;
  // Without its proxy, the app's hand-off would reach the browser: an empty file. So no link, and the way to see it work.
  return `<span class="badge offload">offloaded to ${route.sentBy}</span>
<p class="needs">Needs ${route.sentBy} in front to send the file: the app alone answers with an empty hand-off. Try <code>npm run demo -- --proxy ${route.sentBy}</code></p>`;
}

/** The route's path: a link, unless it is offloaded to a proxy that is not in front. */
function pathCell(route: DemoRoute, proxy: BackendName | undefined): string {
  const href = encodeURI(route.path);
  if (route.sentBy !== 'node' && route.sentBy !== proxy) return `<span class="path" data-path="${escape(route.path)}">${escape(route.path)}</span>`;
  const player = route.media === 'audio' ? `<br><audio controls preload="metadata" src="${href}"></audio>` : '';
  return `<a href="${href}" data-path="${escape(route.path)}">${escape(route.path)}</a>${player}`;
}

/** The page: what it runs on, `panel` (the live downloads), and every route. */
export function homePage(routes: DemoRoute[], proxy: BackendName | undefined, panel = ''): string {
  const rows = routes
    .map((route) => `<tr><td class="route">${pathCell(route, proxy)}</td><td>${escape(route.title)}</td><td>${badge(route, proxy)}</td><td class="size">${size(route.size)}</td><td><code class="headers" data-href="${encodeURI(route.path)}">…</code></td></tr>`)
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>koa-downloadview demo</title>
<style>
  body { font: 15px/1.4 system-ui, sans-serif; margin: 2rem; color: #222; }
  table { border-collapse: collapse; width: 100%; }
  td, th { border-bottom: 1px solid #ddd; padding: .4rem .6rem; vertical-align: top; text-align: left; }
  .badge { display: inline-block; padding: .1rem .5rem; border-radius: .8rem; font-size: 12px; white-space: nowrap; }
  .node { background: #e3f1e3; color: #225522; }
  .offload { background: #eee; color: #555; border: 1px dashed #999; }
  .offload.live { background: #dde8fb; color: #123c8c; border: 1px solid #123c8c; }
  .size { white-space: nowrap; }
  /* Long paths and header values wrap anywhere, so that the page fits the window. */
  td.route, code.headers { overflow-wrap: anywhere; }
  .path { color: #777; }
  .needs { margin: .3rem 0 0; font-size: 12px; color: #555; max-width: 18rem; }
  .needs code { white-space: nowrap; }
  code.headers { display: block; white-space: pre-wrap; font-size: 11px; color: #555; min-width: 16rem; }
${downloadsPanelStyle}
</style></head>
<body>
<h1>koa-downloadview demo</h1>
<p>${proxy ? `Behind <strong>${proxy}</strong>: routes offloaded to ${proxy} are sent by ${proxy}, the others by Node.` : 'Direct to Node: no proxy in front. Offloaded routes need their proxy to send the file, so they are not links here; their headers show the hand-off the app makes. Try <code>npm run demo -- --proxy nginx</code>.'}</p>
${panel}
<table>
<thead><tr><th>route</th><th>what it shows</th><th>who sends the bytes</th><th>size</th><th>headers it returns</th></tr></thead>
<tbody>
${rows}
</tbody></table>
<script>
  // The headers each route answers a HEAD request with, as the browser sees them.
  const shown = ['content-type', 'content-disposition', 'content-length', 'accept-ranges', 'etag', 'last-modified', 'x-accel-redirect', 'x-sendfile'];
  // The browser reads header bytes as latin1. Apache and Caddy are handed a path as raw UTF-8 bytes: show it as they read it.
  const utf8 = new TextDecoder('utf-8', { fatal: true });
  function readable(value) {
    if (!/[\\u0080-\\u00ff]/.test(value)) return value;
    try {
      return utf8.decode(Uint8Array.from(value, (c) => c.charCodeAt(0))) + '  (raw UTF-8 bytes)';
    } catch {
      return value;
    }
  }
  for (const code of document.querySelectorAll('code.headers')) {
    fetch(code.dataset.href, { method: 'HEAD' }).then((res) => {
      code.textContent = res.status + '\\n' + shown.filter((h) => res.headers.has(h)).map((h) => h + ': ' + readable(res.headers.get(h))).join('\\n');
    }, (error) => { code.textContent = String(error); });
  }
</script>
</body></html>
`;
}
