/**
 * The home page's live panel of the latest downloads: started, finished,
 * aborted or failed, with their bytes, duration and who sent the bytes. An
 * EventSource on the feed's route (demo/downloadsFeed.ts) keeps it current.
 * Plain HTML and a script, no build step; rows are built with textContent, as
 * the paths come from clients.
 */

/** Its CSS, for the page's <style>: it wraps and scrolls within the page's width. */
export const downloadsPanelStyle = `
  #downloads .scroll { max-height: 18rem; overflow-y: auto; border: 1px solid #ddd; margin-bottom: 1.5rem; }
  #downloads table { table-layout: fixed; }
  #downloads th { position: sticky; top: 0; background: #fafafa; }
  #downloads td { overflow-wrap: anywhere; font-size: 13px; }
  #downloads .outcome { width: 11rem; } #downloads .by { width: 6rem; } #downloads .bytes { width: 13rem; }
  #downloads .status { width: 4rem; } #downloads .duration { width: 6rem; }
  #downloads .state { display: inline-block; padding: 0 .5rem; border-radius: .8rem; font-size: 12px; }
  #downloads .started .state { background: #fff4d6; color: #7a5600; }
  #downloads .finished .state { background: #e3f1e3; color: #225522; }
  #downloads .aborted .state { background: #fde2cf; color: #8a3b00; }
  #downloads .error .state { background: #fbdada; color: #8c1212; }
  #downloads .live-status { font-size: 12px; font-weight: normal; color: #777; }
  #downloads .live-status[data-connected="true"] { color: #225522; }
  #downloads .hint { margin: 0 0 .5rem; font-size: 13px; color: #555; }`;

/** The panel, empty until its script connects to `eventsPath` (the snapshot fills it). */
export function downloadsPanel(eventsPath: string, slowPath: string): string {
  return `<section id="downloads">
<h2>Latest downloads <span class="live-status" data-connected="false">connecting…</span></h2>
<p class="hint">Live, from the library's diagnostics channels through Server-Sent Events (<code>${eventsPath}</code>). Download a file below, or start <a href="${encodeURI(slowPath)}">the slow one</a> and cancel it in the browser: it shows here as aborted, with the bytes sent before. The page's own HEAD requests (the headers column) are left out.</p>
<div class="scroll"><table>
<thead><tr><th class="outcome">outcome</th><th>path</th><th class="by">sent by</th><th class="bytes">bytes</th><th class="status">status</th><th class="duration">duration</th></tr></thead>
<tbody><tr class="none"><td colspan="6">No download yet.</td></tr></tbody>
</table></div>
</section>
<script>
(() => {
  const KEEP = 20;
  const panel = document.getElementById('downloads');
  const tbody = panel.querySelector('tbody');
  const none = tbody.firstElementChild;
  const liveStatus = panel.querySelector('.live-status');
  const downloads = new Map();
  const human = (bytes) => bytes < 1024 ? bytes + ' B' : bytes < 1048576 ? (bytes / 1024).toFixed(1) + ' KiB' : (bytes / 1048576).toFixed(1) + ' MiB';
  const sender = (d) => d.sentBy === 'node' ? 'Node' : d.sentBy;
  function bytesText(d) {
    if (d.sentBy !== 'node') return d.state === 'error' ? '0 B' : sender(d) + ' sends them';
    if (d.state === 'started') return d.size === undefined ? '…' : '… of ' + human(d.size);
    return d.size === undefined || d.bytes === d.size ? human(d.bytes) : human(d.bytes) + ' of ' + human(d.size);
  }
  function cell(text, title) {
    const td = document.createElement('td');
    td.textContent = text;
    if (title) td.title = title;
    return td;
  }
  function row(d) {
    const tr = document.createElement('tr');
    tr.className = d.state;
    Object.assign(tr.dataset, { id: d.id, path: d.path, state: d.state, bytes: d.bytes, sentBy: d.sentBy });
    const outcome = cell('');
    const state = document.createElement('span');
    state.className = 'state';
    state.textContent = d.state + (d.error ? ': ' + d.error : '');
    outcome.append(state);
    tr.append(
      outcome,
      cell(d.path + (d.range ? ' (' + d.range + ')' : ''), d.file && 'file: ' + d.file),
      cell(sender(d)),
      cell(bytesText(d), d.bytes + ' bytes handed to the socket' + (d.size === undefined ? '' : ', of ' + d.size)),
      cell(String(d.status)),
      cell(d.duration === undefined ? '…' : d.duration < 1000 ? Math.round(d.duration) + ' ms' : (d.duration / 1000).toFixed(1) + ' s'),
    );
    return tr;
  }
  function render() {
    const latest = [...downloads.values()].sort((a, b) => b.id - a.id).slice(0, KEEP);
    for (const d of [...downloads.values()]) if (!latest.includes(d)) downloads.delete(d.id);
    tbody.replaceChildren(...(latest.length ? latest.map(row) : [none]));
  }
  function connected(yes, text) {
    liveStatus.dataset.connected = String(yes);
    liveStatus.textContent = text;
  }
  const source = new EventSource(${JSON.stringify(eventsPath)});
  // On each (re)connection the server sends the downloads it keeps first.
  source.onopen = () => (downloads.clear(), render(), connected(true, 'live'));
  source.onerror = () => connected(false, source.readyState === EventSource.CLOSED ? 'stopped' : 'reconnecting…');
  source.addEventListener('download', (event) => {
    const d = JSON.parse(event.data);
    downloads.set(d.id, d);
    render();
  });
})();
</script>`;
}
