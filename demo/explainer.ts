/**
 * The explainer: why a hit matched, from what the index stored with it (its vector, and per entry
 * the span of the token that produced it), with no model call when a hit is explained.
 *   1. the query as the model sees it: tokens and weights (static weights for inference-free models)
 *   2. the contributions as bars (query weight × document weight) that add up to the score
 *   3. the passage, its source words highlighted; choosing a term highlights its own; expansion
 *      terms (not in the text) point at the words whose context produced them
 *   4. the passage's heaviest terms, from its stored vector, contributing or not
 *   5. "why is A above B": the contributions of two hits side by side with the per-term difference
 * The document's own tokens (tokenizer only, no model) place every occurrence of a matched term.
 */
import type { Contribution, Hit } from '../src/browser.ts';
import { byId, h, markedText, type Mark } from './dom.ts';
import { app } from './app.ts';
import type { SearchResult } from './search.ts';

const QUERY_TOKENS_SHOWN = 40;
const HEAVIEST = 24;

let current: { result: SearchResult; k: number } | undefined;
/** Bumped per explanation: the async parts of an older one must not land in a newer one. */
let shown = 0;

export function clearExplanation(): void {
  current = undefined;
  shown++;
  const root = byId('explainer');
  root.hidden = true;
  byId('explainer-body').replaceChildren();
}

const fmt = (x: number) => x.toFixed(4);

function titleOf(hit: Hit): string {
  const f = hit.fields as { title?: string; name?: string };
  return f.title || f.name || hit.id;
}

function sourceText(text: string, c: Contribution): string {
  return (c.sources ?? []).map((s) => text.slice(s.start, s.end)).join(', ');
}

export function showExplanation(result: SearchResult, k: number): void {
  current = { result, k };
  const mine = ++shown;
  const hit = result.hits[k]!;
  const text = hit.text ?? '';
  const contributions = hit.contributions ?? [];
  const root = byId('explainer');
  root.hidden = false;
  byId('explainer-title').textContent = `Why “${titleOf(hit)}” matched “${result.query}”`;
  const body = byId('explainer-body');

  // 1. The query.
  const encoder = app.encoder;
  const qTokens = encoder ? encoder.decode(result.vector) : [];
  const queryPart = h(
    'section',
    { class: 'part', attrs: { 'aria-labelledby': 'x-query' } },
    h('h3', { attrs: { id: 'x-query' }, text: 'The query as the model sees it' }),
    h('p', {
      class: 'note',
      attrs: { id: 'query-note' },
      text: app.model?.inferenceFree
        ? `Inference-free model: these are static per-token weights, looked up for the query’s own tokens (no model call; ${result.queryMs.toFixed(1)} ms). The document side carries all the expansion.`
        : `The model encoded the query (${result.queryMs.toFixed(1)} ms): its weights, including expansion terms the query does not contain.`,
    }),
    h(
      'ul',
      { class: 'tokens', attrs: { id: 'query-tokens', 'aria-label': 'Query tokens and weights' } },
      ...qTokens
        .slice(0, QUERY_TOKENS_SHOWN)
        .map((t) =>
          h(
            'li',
            { class: contributions.some((c) => c.id === t.id) ? 'token match' : 'token', attrs: { 'data-id': t.id } },
            h('span', { text: t.token }),
            h('small', { text: t.weight.toFixed(2) }),
          ),
        ),
    ),
    qTokens.length > QUERY_TOKENS_SHOWN
      ? h('p', { class: 'muted', text: `…and ${qTokens.length - QUERY_TOKENS_SHOWN} lighter tokens.` })
      : null,
  );

  // 2. The contributions as bars that add up to the score.
  const sum = contributions.reduce((s, c) => s + c.product, 0);
  const max = Math.max(...contributions.map((c) => c.product), 1e-9);
  const stack = h(
    'div',
    {
      class: 'stack',
      attrs: {
        role: 'img',
        'aria-label': `The score ${fmt(hit.score)} split into ${contributions.length} contributions`,
      },
    },
    ...contributions.map((c, i) =>
      h('span', {
        class: `seg seg${i % 6}${c.expansion ? ' expansion' : ''}`,
        attrs: {
          'data-id': c.id,
          title: `${c.token}: ${fmt(c.product)}`,
          'data-width': (100 * c.product) / Math.max(sum, 1e-9),
        },
      }),
    ),
  );
  const bars = h(
    'ol',
    { class: 'bars', attrs: { id: 'bars', 'aria-label': 'Contributions to the score' } },
    ...contributions.map((c, i) => {
      const src = sourceText(text, c);
      const button = h(
        'button',
        {
          class: 'term',
          attrs: {
            type: 'button',
            'aria-pressed': 'false',
            'data-id': c.id,
            'aria-label': `${c.token}: ${fmt(c.queryWeight)} × ${fmt(c.documentWeight)} = ${fmt(c.product)}${c.expansion ? `, expansion term produced by “${src}”` : ''}. Highlight its source words`,
          },
        },
        c.token,
      );
      button.addEventListener('click', () => selectTerm(c.id));
      return h(
        'li',
        {
          class: c.expansion ? 'bar-row expansion' : 'bar-row',
          attrs: {
            'data-id': c.id,
            'data-product': String(c.product),
            'data-sources': (c.sources ?? []).map((s) => `${s.start}-${s.end}`).join(' '),
          },
        },
        button,
        h(
          'span',
          { class: 'bar' },
          h('span', { class: `fill seg${i % 6}`, attrs: { 'data-width': (100 * c.product) / max } }),
        ),
        h('span', {
          class: 'math',
          text: `${c.queryWeight.toFixed(3)} × ${c.documentWeight.toFixed(3)} = ${fmt(c.product)}`,
        }),
        c.expansion ? h('span', { class: 'badge', text: src ? `expansion, from “${src}”` : 'expansion' }) : null,
      );
    }),
  );
  const barsPart = h(
    'section',
    { class: 'part', attrs: { 'aria-labelledby': 'x-bars' } },
    h('h3', { attrs: { id: 'x-bars' }, text: 'Contributions: query weight × document weight' }),
    stack,
    bars,
    h('p', {
      class: 'sum',
      attrs: { id: 'bar-sum', 'data-sum': String(sum), 'data-score': String(hit.score) },
      text: `Sum of the ${contributions.length} bars: ${fmt(sum)} = score ${fmt(hit.score)}`,
    }),
  );

  // 3. The passage with its source words.
  const doc = h(
    'p',
    { class: 'doc-text', attrs: { id: 'doc-text' } },
    markedText(text, sourceMarks(text, contributions, undefined)),
  );
  const docPart = h(
    'section',
    { class: 'part', attrs: { 'aria-labelledby': 'x-doc' } },
    h('h3', { attrs: { id: 'x-doc' }, text: 'The passage: the words that produced each contribution' }),
    h('p', {
      class: 'muted',
      text: 'Solid marks: where a matched term’s weight came from (the token whose context gave the maximum). Dotted: other occurrences. Choose a term above to see its own.',
    }),
    doc,
  );

  // 4 and 5 fill in below (the stored vector is read from the index).
  const heavy = h(
    'section',
    { class: 'part', attrs: { 'aria-labelledby': 'x-heavy' } },
    h('h3', { attrs: { id: 'x-heavy' }, text: 'What the model thinks the passage is about: its heaviest terms' }),
    h('p', { class: 'muted', text: 'Reading the stored vector…' }),
  );
  const compare = comparePart(result, k);
  body.replaceChildren(queryPart, barsPart, docPart, heavy, compare);
  applyWidths(body);

  // Every occurrence of a matched term, from the tokenizer's offsets (the tokenizer only: no model).
  if (encoder && text) {
    void encoder
      .tokens(text)
      .then((tokens) => {
        if (mine !== shown) return;
        doc.replaceChildren(markedText(text, sourceMarks(text, contributions, tokens)));
      })
      .catch(() => {});
  }
  void heaviest(hit, contributions).then((part) => {
    if (mine === shown) heavy.replaceChildren(...part);
  });
}

/** Widths come from data attributes through the CSSOM: the CSP forbids inline style attributes. */
function applyWidths(root: HTMLElement): void {
  root.querySelectorAll<HTMLElement>('[data-width]').forEach((el) => {
    el.style.width = `${Math.max(0, Math.min(100, Number(el.dataset['width'])))}%`;
  });
}

/**
 * Marks for the passage: each contribution's stored source span, and (given the document's tokens)
 * every occurrence of a matched literal term. A span marked for several terms names all of them.
 */
function sourceMarks(
  text: string,
  contributions: readonly Contribution[],
  tokens: { ids: readonly number[]; offsets: Uint32Array } | undefined,
): Mark[] {
  const bySpan = new Map<
    string,
    { start: number; end: number; terms: Set<number>; source: boolean; expansion: boolean; tokens: Set<string> }
  >();
  const add = (start: number, end: number, c: Contribution, source: boolean) => {
    if (end <= start || end > text.length) return;
    const key = `${start}:${end}`;
    const m = bySpan.get(key) ?? { start, end, terms: new Set(), source: false, expansion: false, tokens: new Set() };
    m.terms.add(c.id);
    m.tokens.add(c.token);
    m.source ||= source;
    m.expansion ||= source && !!c.expansion;
    bySpan.set(key, m);
  };
  for (const c of contributions) for (const s of c.sources ?? []) add(s.start, s.end, c, true);
  if (tokens) {
    const matched = new Map(contributions.filter((c) => !c.expansion).map((c) => [c.id, c]));
    tokens.ids.forEach((id, k) => {
      const c = matched.get(id);
      if (c) add(tokens.offsets[2 * k]!, tokens.offsets[2 * k + 1]!, c, false);
    });
  }
  return [...bySpan.values()].map((m) => ({
    start: m.start,
    end: m.end,
    class: `${m.source ? 'source' : 'occurrence'}${m.expansion ? ' expansion' : ''}`,
    data: { terms: [...m.terms].join(' ') },
    title: `${m.expansion ? 'produced the expansion term' : 'matched'} ${[...m.tokens].join(', ')}`,
  }));
}

function selectTerm(id: number): void {
  const buttons = document.querySelectorAll<HTMLButtonElement>('#bars .term');
  let on = false;
  buttons.forEach((b) => {
    const mine = Number(b.dataset['id']) === id;
    const pressed = mine && b.getAttribute('aria-pressed') !== 'true';
    if (mine) on = pressed;
    b.setAttribute('aria-pressed', String(pressed));
  });
  document.querySelectorAll<HTMLElement>('#doc-text mark').forEach((m) => {
    m.classList.toggle('active', on && (m.dataset['terms'] ?? '').split(' ').includes(String(id)));
  });
  document
    .querySelectorAll<HTMLElement>('.stack .seg')
    .forEach((s) => s.classList.toggle('active', on && Number(s.dataset['id']) === id));
  document.querySelector('#doc-text mark.active')?.scrollIntoView({ block: 'nearest' });
}

async function heaviest(hit: Hit, contributions: readonly Contribution[]): Promise<Node[]> {
  const index = app.index;
  const encoder = app.encoder;
  const head = h('h3', {
    attrs: { id: 'x-heavy' },
    text: 'What the model thinks the passage is about: its heaviest terms',
  });
  try {
    const stored = index ? await index.get(hit.id) : undefined;
    const v = stored?.vector;
    if (!v || !encoder)
      return [
        head,
        h('p', {
          class: 'muted',
          text: 'This index keeps no vectors (storeVectors: false), so the passage’s terms cannot be listed.',
        }),
      ];
    const order = Array.from(v.indices.keys()).sort(
      (a, b) => v.values[b]! - v.values[a]! || v.indices[a]! - v.indices[b]!,
    );
    const matched = new Set(contributions.map((c) => c.id));
    const items = order.slice(0, HEAVIEST).map((k) => {
      const id = v.indices[k]!;
      const expansion = v.literal ? v.literal[k] === 0 : false;
      return h(
        'li',
        { class: `token${matched.has(id) ? ' match' : ''}${expansion ? ' expansion' : ''}`, attrs: { 'data-id': id } },
        h('span', { text: encoder.token(id) }),
        h('small', { text: v.values[k]!.toFixed(2) }),
      );
    });
    return [
      head,
      h('p', {
        class: 'muted',
        text: `${v.indices.length > HEAVIEST ? `The ${HEAVIEST} heaviest of its ${v.indices.length} terms` : `All ${v.indices.length} of its terms, heaviest first`}. Highlighted: they meet the query. Italic: expansion terms (not in the text).`,
      }),
      h(
        'ul',
        { class: 'tokens', attrs: { id: 'heavy-terms', 'aria-label': 'The passage’s heaviest terms' } },
        ...items,
      ),
    ];
  } catch (error) {
    return [
      head,
      h('p', { class: 'muted', text: `The stored vector could not be read (${(error as Error).message}).` }),
    ];
  }
}

function comparePart(result: SearchResult, k: number): HTMLElement {
  const part = h(
    'section',
    { class: 'part', attrs: { 'aria-labelledby': 'x-compare' } },
    h('h3', { attrs: { id: 'x-compare' }, text: 'Why is one hit above another?' }),
  );
  if (result.hits.length < 2) {
    part.append(h('p', { class: 'muted', text: 'Only one hit: nothing to compare with.' }));
    return part;
  }
  const select = h(
    'select',
    { attrs: { id: 'compare' } },
    ...result.hits.map((other, j) =>
      j === k
        ? null
        : h('option', { attrs: { value: j }, text: `#${j + 1} ${titleOf(other)} (${other.score.toFixed(3)})` }),
    ),
  );
  const table = h('div', { attrs: { id: 'compare-table' } });
  const draw = () => table.replaceChildren(compareTable(result, k, Number(select.value)));
  select.addEventListener('change', draw);
  // Default: the next hit below (or the one above for the last).
  select.value = String(k + 1 < result.hits.length ? k + 1 : k - 1);
  part.append(h('label', { attrs: { for: 'compare' }, text: `Compare #${k + 1} with ` }), select, table);
  draw();
  return part;
}

function compareTable(result: SearchResult, a: number, b: number): Node {
  const A = result.hits[a]!;
  const B = result.hits[b]!;
  const terms = new Map<number, { token: string; a: number; b: number; ea: boolean; eb: boolean }>();
  for (const c of A.contributions ?? [])
    terms.set(c.id, { token: c.token, a: c.product, b: 0, ea: !!c.expansion, eb: false });
  for (const c of B.contributions ?? []) {
    const t = terms.get(c.id) ?? { token: c.token, a: 0, b: 0, ea: false, eb: false };
    t.b = c.product;
    t.eb = !!c.expansion;
    terms.set(c.id, t);
  }
  const rows = [...terms].sort((x, y) => Math.abs(y[1].a - y[1].b) - Math.abs(x[1].a - x[1].b) || x[0] - y[0]);
  const diff = A.score - B.score;
  const lead = rows[0];
  const fmtCell = (x: number, e: boolean) => (x === 0 ? '—' : `${fmt(x)}${e ? ' (expansion)' : ''}`);
  const summary = lead
    ? `#${a + 1} scores ${fmt(A.score)}, #${b + 1} ${fmt(B.score)}: ${diff >= 0 ? 'ahead' : 'behind'} by ${fmt(Math.abs(diff))}, most of it from “${lead[1].token}” (${lead[1].a - lead[1].b >= 0 ? '+' : '−'}${fmt(Math.abs(lead[1].a - lead[1].b))}).`
    : '';
  return h(
    'div',
    {},
    h('p', { attrs: { id: 'compare-summary' }, text: summary }),
    h(
      'table',
      { class: 'compare' },
      h('caption', { text: `Contributions of #${a + 1} and #${b + 1}, by term, largest difference first` }),
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          h('th', { attrs: { scope: 'col' }, text: 'term' }),
          h('th', { attrs: { scope: 'col' }, text: `#${a + 1} ${titleOf(A)}` }),
          h('th', { attrs: { scope: 'col' }, text: `#${b + 1} ${titleOf(B)}` }),
          h('th', { attrs: { scope: 'col' }, text: 'difference' }),
        ),
      ),
      h(
        'tbody',
        {},
        ...rows.map(([id, t]) =>
          h(
            'tr',
            { attrs: { 'data-id': id } },
            h('th', { attrs: { scope: 'row' }, text: t.token }),
            h('td', { text: fmtCell(t.a, t.ea) }),
            h('td', { text: fmtCell(t.b, t.eb) }),
            h('td', {
              class: t.a >= t.b ? 'pos' : 'neg',
              text: `${t.a - t.b >= 0 ? '+' : '−'}${fmt(Math.abs(t.a - t.b))}`,
            }),
          ),
        ),
      ),
      h(
        'tfoot',
        {},
        h(
          'tr',
          {},
          h('th', { attrs: { scope: 'row' }, text: 'score' }),
          h('td', { text: fmt(A.score) }),
          h('td', { text: fmt(B.score) }),
          h('td', { text: `${diff >= 0 ? '+' : '−'}${fmt(Math.abs(diff))}` }),
        ),
      ),
    ),
  );
}

export function currentExplanation(): { result: SearchResult; k: number } | undefined {
  return current;
}
