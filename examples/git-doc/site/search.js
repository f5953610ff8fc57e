// The search page's script: one input, results as DOM nodes (textContent only: indexed text is
// never parsed as HTML), the query runtime imported from the index folder the build wrote.
import { open, search } from './search/splade.js';

const input = document.getElementById('q');
const status = document.getElementById('status');
const list = document.getElementById('results');

// After one visit the page shell and the pages opened from it come from the service worker's
// cache; the runtime keeps the index files it fetched in the Cache API itself.
if ('serviceWorker' in navigator) {
  navigator.serviceWorker.register('sw.js').catch((error) => console.warn('offline cache unavailable:', error));
}

let latest = 0;
async function run() {
  const query = input.value.trim();
  const ticket = ++latest;
  if (!query) {
    list.replaceChildren();
    status.textContent = '';
    return;
  }
  const started = performance.now();
  let hits;
  try {
    hits = await search(query, { limit: 10 });
  } catch (error) {
    if (ticket === latest) status.textContent = `Search failed: ${error instanceof Error ? error.message : String(error)}`;
    return;
  }
  if (ticket !== latest) return; // a newer query was typed meanwhile
  list.replaceChildren(...hits.map(renderHit));
  const ms = Math.round(performance.now() - started);
  status.textContent = hits.length ? `${hits.length} results (${ms} ms)` : 'No results';
}

function renderHit(hit) {
  const li = document.createElement('li');
  const link = document.createElement('a');
  link.href = hit.url;
  link.textContent = hit.title || hit.url;
  const path = document.createElement('div');
  path.className = 'path';
  path.textContent = [hit.fields?.page, ...hit.path.slice(0, -1)].filter(Boolean).join(' › ') || hit.url;
  const snippet = document.createElement('p');
  snippet.className = 'snippet';
  appendHighlighted(snippet, hit.snippet.text, hit.snippet.highlights);
  li.append(link, path, snippet);
  return li;
}

/** The snippet as text nodes, with <mark> elements over the highlighted ranges. */
function appendHighlighted(parent, text, highlights) {
  let at = 0;
  for (const { start, end } of [...highlights].sort((a, b) => a.start - b.start)) {
    if (start < at) continue;
    if (start > at) parent.append(text.slice(at, start));
    const mark = document.createElement('mark');
    mark.textContent = text.slice(start, end);
    parent.append(mark);
    at = end;
  }
  if (at < text.length) parent.append(text.slice(at));
}

let timer;
input.addEventListener('input', () => {
  clearTimeout(timer);
  timer = setTimeout(run, 120);
});
// Opens the index while the reader types (fetches its entry and directory, nothing large).
input.addEventListener('focus', () => open().catch(() => {}), { once: true });
if (input.value) run();
window.spladeExample = { search, ready: true };
