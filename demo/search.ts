/**
 * Search as you type. Every keystroke starts a search and aborts the previous one; a response
 * that arrives after a newer keystroke is dropped (counted in `searchStats.dropped`), so the list
 * never shows the hits of an older query. Hits come with their explanation from the index (the
 * stored vectors and spans; no model call), which the snippet highlights and the explainer use.
 * The last word, until a space follows it, is completed from the words the index holds, and a word
 * it does not hold is left out and named ("No match for …", with the nearest words): query-words.ts.
 */
import type { EncodedVector, Hit, SparseIndex, WorkerSparseEncoder } from '../src/browser.ts';
import { noMatchLines, replaceWord } from '../src/widget/no-match.ts';
import { DEFAULT_STRINGS } from '../src/widget/types.ts';
import { announce, byId, h, markedText } from './dom.ts';
import { app, describeError, on } from './app.ts';
import { showExplanation, clearExplanation } from './explainer.ts';
import { queuedFiles } from './indexing.ts';
import { encodeDemoQuery, indexWords, type DemoQuery, type IndexWords } from './query-words.ts';

export const RESULTS = 10;
export const searchStats = { started: 0, shown: 0, dropped: 0, lastMs: 0, lastQueryMs: 0 };

let seq = 0;
let controller: AbortController | undefined;

export interface SearchResult {
  query: string;
  vector: EncodedVector;
  queryMs: number;
  hits: Hit[];
  /** Words the index does not hold, and what a partial last word was completed to. */
  words: Omit<DemoQuery, 'vector'>;
}

/** The index's words, kept until the index, its generation or the encoder changes. */
let vocabulary: { index: SparseIndex; generation: number; encoder: WorkerSparseEncoder; words: IndexWords } | undefined;

async function wordsOf(index: SparseIndex, encoder: WorkerSparseEncoder): Promise<IndexWords> {
  const v = vocabulary;
  if (v && v.index === index && v.generation === index.generation && v.encoder === encoder) return v.words;
  const generation = index.generation;
  const words = indexWords(await index.terms(), (id) => encoder.token(id));
  vocabulary = { index, generation, encoder, words };
  return words;
}

/** The "No match for …" line: text nodes, and a button per suggestion that reruns the query with it. */
function showNoMatch(unmatched: DemoQuery['unmatched']): void {
  const box = byId('no-match');
  box.replaceChildren(
    ...noMatchLines(unmatched, DEFAULT_STRINGS).map((line) => {
      const s = line.suggestion;
      const button = s ? h('button', { attrs: { type: 'button', class: 'suggestion' }, text: s.word }) : null;
      button?.addEventListener('click', () => {
        const input = byId<HTMLInputElement>('query');
        input.value = replaceWord(input.value, line.word, s!.word);
        input.focus();
        void run(input.value);
      });
      return h('p', {}, line.text, s ? ` ${s.before}` : null, button, s?.after || null);
    }),
  );
}

export function initSearch(): void {
  const input = byId<HTMLInputElement>('query');
  const form = byId<HTMLFormElement>('search-form');
  input.addEventListener('input', () => void run(input.value));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    void run(input.value);
  });
  input.addEventListener('keydown', (e) => {
    if (e.key === 'ArrowDown') {
      const first = document.querySelector<HTMLButtonElement>('#results .hit-open');
      if (first) {
        e.preventDefault();
        first.focus();
      }
    } else if (e.key === 'Escape') {
      input.value = '';
      void run('');
    }
  });
  // Arrow keys move between hits; Home/End jump.
  byId('results').addEventListener('keydown', (e) => {
    const buttons = Array.from(document.querySelectorAll<HTMLButtonElement>('#results .hit-open'));
    const at = buttons.indexOf(document.activeElement as HTMLButtonElement);
    if (at < 0) return;
    const to =
      e.key === 'ArrowDown'
        ? at + 1
        : e.key === 'ArrowUp'
          ? at - 1
          : e.key === 'Home'
            ? 0
            : e.key === 'End'
              ? buttons.length - 1
              : -2;
    if (to === -2) return;
    e.preventDefault();
    if (to < 0) input.focus();
    else buttons[Math.min(to, buttons.length - 1)]!.focus();
  });
  // A new model or a changed library: search again so the list is never stale.
  const rerun = () => {
    if (input.value.trim()) void run(input.value);
    else showUnavailable();
  };
  on('model', rerun);
  on('library', rerun);
}

function showUnavailable(): void {
  const info = byId('search-info');
  const empty = app.index && app.index.count() === 0;
  const waiting = 'Your files are being indexed: search finds their passages as they are committed.';
  info.textContent =
    app.unavailable ?? (empty ? (queuedFiles() ? waiting : 'The library is empty: add documents to search them.') : '');
}

/** Why a search may miss a file for now: files still in the indexing queue. */
function queueNote(): string {
  const n = queuedFiles();
  return n ? ` ${n} file${n === 1 ? ' is' : 's are'} still being indexed.` : '';
}

export async function run(query: string): Promise<void> {
  const mine = ++seq;
  controller?.abort();
  const ctrl = new AbortController();
  controller = ctrl;
  const info = byId('search-info');
  const results = byId('results');
  if (!query.trim()) {
    results.replaceChildren();
    byId('no-match').replaceChildren();
    clearExplanation();
    showUnavailable();
    return;
  }
  const encoder = app.encoder;
  const index = app.index;
  if (!encoder || !index) {
    info.textContent = app.unavailable ?? 'No model is loaded yet.';
    return;
  }
  searchStats.started++;
  const started = performance.now();
  try {
    const typed = await encodeDemoQuery(query, encoder, await wordsOf(index, encoder), {
      prefix: true,
      signal: ctrl.signal,
    });
    const { vector, ...words } = typed;
    const queryMs = performance.now() - started;
    if (mine !== seq) {
      searchStats.dropped++;
      return;
    }
    // Every word left out: nothing to search with (the line below says why).
    const hits =
      vector.indices.length === 0
        ? []
        : await index.search(vector, { limit: RESULTS, explain: true, rescore: true, signal: ctrl.signal });
    if (mine !== seq) {
      searchStats.dropped++;
      return;
    }
    const ms = performance.now() - started;
    searchStats.shown++;
    searchStats.lastMs = ms;
    searchStats.lastQueryMs = queryMs;
    const total = index.count();
    info.textContent =
      hits.length === 0
        ? `No passage shares a term with this query (${total.toLocaleString('en')} passages searched in ${ms.toFixed(0)} ms).`
        : `${hits.length === RESULTS ? `Top ${hits.length}` : hits.length} of ${total.toLocaleString('en')} passages in ${ms.toFixed(0)} ms (query ${queryMs.toFixed(0)} ms${app.model?.inferenceFree ? ', static weights, no model call' : ', model call'}).`;
    info.textContent += queueNote();
    info.dataset['count'] = String(hits.length);
    // The query these figures are for: a script (or a test) waiting for a query's answer waits on it.
    info.dataset['query'] = query;
    const result: SearchResult = { query, vector, queryMs, hits, words };
    showNoMatch(words.unmatched);
    // A reader who moved into the list while this answer was on its way keeps their place: the
    // button they were on is replaced, so focus goes to the one at the same position (or the field).
    const buttons = Array.from(results.querySelectorAll<HTMLButtonElement>('.hit-open'));
    const focusedAt = buttons.indexOf(document.activeElement as HTMLButtonElement);
    results.replaceChildren(...hits.map((hit, k) => hitItem(result, k)));
    if (focusedAt >= 0) {
      const again = results.querySelectorAll<HTMLButtonElement>('.hit-open');
      (again[Math.min(focusedAt, again.length - 1)] ?? byId<HTMLInputElement>('query')).focus();
    }
    announce(info.textContent);
    if (hits.length) showExplanation(result, 0);
    else clearExplanation();
  } catch (error) {
    if (mine !== seq || ctrl.signal.aborted) {
      searchStats.dropped++;
      return;
    }
    const code = (error as { code?: string }).code;
    info.textContent =
      code === 'index-missing'
        ? 'The index was deleted by the browser: see the library panel to re-index your files.'
        : `Search failed: ${describeError(error)}. Try again; if it persists, reload the page.`;
    announce(info.textContent);
  }
}

function hitItem(result: SearchResult, k: number): HTMLLIElement {
  const hit = result.hits[k]!;
  const f = hit.fields as { title?: string; name?: string; path?: string; start?: number; end?: number };
  const snippet = hit.snippet;
  const snippetNode = h('p', { class: 'snippet' });
  if (snippet) {
    const lead = snippet.offset > 0 ? '… ' : '';
    const tail = hit.text && snippet.offset + snippet.text.length < hit.text.length ? ' …' : '';
    snippetNode.append(
      lead,
      markedText(
        snippet.text,
        snippet.highlights.map((x) => ({
          start: x.start,
          end: x.end,
          class: x.expansion ? 'expansion' : '',
          data: { token: x.token, offset: String(snippet.offset) },
        })),
      ),
      tail,
    );
  }
  const title = f.title || f.name || hit.id;
  const open = h(
    'button',
    {
      class: 'hit-open',
      attrs: { type: 'button', 'aria-label': `Explain result ${k + 1}: ${title}`, 'aria-controls': 'explainer' },
    },
    h('span', { class: 'hit-title', text: title }),
  );
  open.addEventListener('click', () => {
    document.querySelectorAll('#results li').forEach((li) => li.classList.remove('selected'));
    open.closest('li')?.classList.add('selected');
    showExplanation(result, k);
    byId('explainer').focus();
  });
  return h(
    'li',
    { class: k === 0 ? 'hit selected' : 'hit', attrs: { 'data-id': hit.id, 'data-score': String(hit.score) } },
    h(
      'div',
      { class: 'hit-head' },
      open,
      h('span', {
        class: 'score',
        attrs: { 'aria-label': `score ${hit.score.toFixed(4)}` },
        text: hit.score.toFixed(3),
      }),
    ),
    h(
      'div',
      { class: 'hit-meta' },
      h('span', { class: 'hit-file', text: f.name ?? '' }),
      f.path ? h('span', { class: 'hit-path', text: ` › ${f.path}` }) : null,
      f.start !== undefined ? h('span', { class: 'muted', text: ` · characters ${f.start}–${f.end}` }) : null,
    ),
    snippetNode,
  );
}
