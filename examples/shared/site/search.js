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

// The page's words, from the status element (the page is in the documentation's language):
// {n}, {ms} and {error} are filled in.
const words = {
  loading: status.dataset.loading || 'Loading the search index…',
  results: status.dataset.results || '{n} results ({ms} ms)',
  none: status.dataset.none || 'No results',
  failed: status.dataset.failed || 'Search failed: {error}',
};
const say = (text, values = {}) => text.replace(/\{(\w+)\}/g, (_, k) => String(values[k] ?? ''));
/** What the page shows, and `data-state` (searching | done | failed) for scripts that drive it. */
function show(state, text) {
  status.dataset.state = state;
  status.textContent = text;
}

let latest = 0;
let searched = false;
async function run() {
  const query = input.value.trim();
  const ticket = ++latest;
  if (!query) {
    list.replaceChildren();
    show('done', '');
    return;
  }
  // The first search opens the index (and, with a symmetric model, loads the model): say so.
  show('searching', searched ? status.textContent : words.loading);
  const started = performance.now();
  let hits;
  try {
    hits = await search(query, { limit: 10 });
  } catch (error) {
    if (ticket === latest)
      show('failed', say(words.failed, { error: error instanceof Error ? error.message : String(error) }));
    return;
  }
  searched = true;
  if (ticket !== latest) return; // a newer query was typed meanwhile
  list.replaceChildren(...hits.map(renderHit));
  const ms = Math.round(performance.now() - started);
  show('done', hits.length ? say(words.results, { n: hits.length, ms }) : words.none);
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
// Opens the index while the reader types (its entry and directory; with a symmetric model, the
// model and onnxruntime-web too, which the first query needs anyway).
input.addEventListener('focus', () => open().catch(() => {}), { once: true });
if (input.value) run();
window.spladeExample = { search, ready: true };
