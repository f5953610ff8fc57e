/**
 * Snippets from spans: highlights are exactly the given spans, on real passages, against the
 * string-search highlighting they replace (whose share of exact highlights is measured here).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { TextTokenizer } from '../src/model/tokenizer.ts';
import { snippetFromSpans, spansOfMatches, spansOfVector, type Highlight, type Snippet, type WeightedSpan } from '../src/results/snippet.ts';
import { readPassages } from './passages.ts';
import { mulberry32 } from './support.ts';

const MODELS = {
  'splade-tiny-en-if': 'public/models/splade-tiny-en-if/document_0_MLMTransformer',
  'splade-tiny-ko': 'public/models/splade-tiny-ko',
} as const;

function tokenizer(dir: string): TextTokenizer {
  return TextTokenizer.fromJson(JSON.parse(readFileSync(`${dir}/tokenizer.json`, 'utf8')), JSON.parse(readFileSync(`${dir}/tokenizer_config.json`, 'utf8')), dir);
}

/** A highlight is exact when it covers exactly one occurrence of its token in the tokenizer's own offsets. */
function exactShare(tok: TextTokenizer, text: string, snippet: Snippet): { exact: number; total: number } {
  const { ids, offsets } = tok.contentTokens(text);
  const at = new Set<string>();
  ids.forEach((id, k) => at.add(`${id}:${offsets[2 * k]}:${offsets[2 * k + 1]}`));
  let exact = 0;
  for (const h of snippet.highlights) {
    const id = h.id ?? tok.idOf(h.token);
    if (at.has(`${id}:${snippet.offset + h.start}:${snippet.offset + h.end}`)) exact++;
  }
  return { exact, total: snippet.highlights.length };
}

describe('snippets on real passages', () => {
  for (const [model, dir] of Object.entries(MODELS)) {
    it(`highlight exactly the matched tokens (${model}), unlike string search`, () => {
      const tok = tokenizer(dir);
      const rng = mulberry32(9);
      const before = { exact: 0, total: 0 };
      const after = { exact: 0, total: 0 };
      for (const corpus of ['git-doc', 'gimp-help-ko'] as const) {
        for (const text of readPassages(corpus).passages) {
          // A query whose terms match: five of the passage's distinct tokens, specials excluded.
          const { ids } = tok.contentTokens(text);
          const distinct = [...new Set(ids)].filter((id) => !tok.specialIds.includes(id));
          const matches = Array.from({ length: Math.min(5, distinct.length) }, () => distinct[Math.floor(rng() * distinct.length)]!)
            .filter((id, i, all) => all.indexOf(id) === i)
            .map((id) => ({ id, token: tok.token(id), weight: 0.1 + rng() }));
          const old = makeSnippet(text, matches.map((m) => ({ token: m.token, weight: m.weight })));
          const snippet = snippetFromSpans(text, spansOfMatches(tok.contentTokens(text), matches));
          const b = exactShare(tok, text, old);
          const a = exactShare(tok, text, snippet);
          before.exact += b.exact;
          before.total += b.total;
          after.exact += a.exact;
          after.total += a.total;
          // Highlights lie inside the snippet, in order, and name the matched ids.
          for (const h of snippet.highlights) {
            expect(h.start).toBeGreaterThanOrEqual(0);
            expect(h.end).toBeLessThanOrEqual(snippet.text.length);
            expect(matches.some((m) => m.id === h.id)).toBe(true);
          }
          expect(snippet.text).toBe(text.slice(snippet.offset, snippet.offset + snippet.text.length));
          expect(snippet.text.length).toBeLessThanOrEqual(240);
        }
      }
      const pct = (x: { exact: number; total: number }) => ((100 * x.exact) / x.total).toFixed(1);
      console.log(`${model}: exact highlights, string search ${pct(before)}% of ${before.total}; from spans ${pct(after)}% of ${after.total}`);
      expect(after.exact).toBe(after.total);
      expect(after.total).toBeGreaterThan(500);
    });
  }
});

describe('snippetFromSpans', () => {
  const text = 'Intro words here. ' + 'filler text that says nothing at all. '.repeat(12) + 'Use git rebase to replay commits onto another base; rebase rewrites history. ' + 'more filler words. '.repeat(10);
  const find = (w: string, from = 0) => text.indexOf(w, from);

  it('picks the densest window, keeps the spans exact and does not cut words', () => {
    const r = find('rebase');
    const spans: WeightedSpan[] = [
      { start: find('Intro'), end: find('Intro') + 5, token: 'intro', weight: 1 },
      { start: r, end: r + 6, token: 'rebase', id: 1, weight: 2 },
      { start: find('rebase', r + 1), end: find('rebase', r + 1) + 6, token: 'rebase', id: 1, weight: 2 },
      { start: find('commits'), end: find('commits') + 7, token: 'commits', weight: 1 },
    ];
    const s = snippetFromSpans(text, spans, 120);
    expect(s.highlights.map((h) => s.text.slice(h.start, h.end))).toEqual(['rebase', 'commits', 'rebase']);
    expect(s.text.length).toBeLessThanOrEqual(120);
    // Whole words at both ends.
    expect(/\w/.test(text[s.offset - 1] ?? ' ') && /\w/.test(text[s.offset]!)).toBe(false);
    const end = s.offset + s.text.length;
    expect(/\w/.test(text[end - 1]!) && /\w/.test(text[end] ?? ' ')).toBe(false);
  });

  it('merges equal ranges, drops overlaps and invalid spans, marks expansions', () => {
    const short = 'git rebase';
    const s = snippetFromSpans(short, [
      { start: 4, end: 10, token: 'rebase', id: 7, weight: 1 },
      { start: 4, end: 10, token: 'replay', id: 8, weight: 3, expansion: true },
      { start: 5, end: 8, token: 'ba', weight: 0.5 },
      { start: 0, end: 3, token: 'history', id: 9, weight: 0.2, expansion: true },
      { start: 8, end: 99, token: 'bad', weight: 9 },
      { start: 3, end: 3, token: 'empty', weight: 9 },
    ]);
    expect(s).toEqual({
      text: short,
      offset: 0,
      highlights: [
        { start: 0, end: 3, token: 'history', id: 9, weight: 0.2, expansion: true },
        { start: 4, end: 10, token: 'rebase', id: 7, weight: 1 },
      ],
    });
  });

  it('reads spans off a vector encoded with spans: true', () => {
    const vector = { indices: Uint32Array.from([3, 7, 9]), values: Float32Array.from([1, 1, 1]), spans: Uint32Array.from([0, 3, 4, 10, 0xffffffff, 0xffffffff]), literal: Uint8Array.from([1, 0, 1]) };
    expect(spansOfVector(vector, [{ id: 7, token: 'x', weight: 2 }, { id: 9, token: 'y', weight: 1 }, { id: 5, token: 'z', weight: 1 }])).toEqual([{ start: 4, end: 10, token: 'x', id: 7, weight: 2, expansion: true }]);
  });
});

/** The readable surface of a vocabulary entry: "##ing" -> "ing", "▁사용" -> "사용", "[CLS]" -> "". */
function surfaceOf(token: string): string {
  if (/^\[.*\]$/.test(token) || /^<.*>$/.test(token)) return '';
  return token.replace(/^##/, '').replace(/^▁/, '').replace(/^Ġ/, '');
}

/** The string-search highlighting the library used before spans (kept here only to measure it against spans). */
function makeSnippet(text: string, tokens: readonly { token: string; weight: number }[], maxChars = 240): Snippet {
  const lower = text.toLowerCase();
  const found: (Highlight & { weight: number })[] = [];
  for (const { token, weight } of tokens) {
    const surface = surfaceOf(token).toLowerCase();
    if (surface.length === 0) continue;
    const continuation = token.startsWith('##');
    for (let at = lower.indexOf(surface); at >= 0; at = lower.indexOf(surface, at + surface.length)) {
      // A word-start token must start a word; a continuation ("##ing") must not.
      const before = at > 0 ? lower[at - 1]! : ' ';
      const startsWord = !/[\p{L}\p{N}]/u.test(before);
      if (continuation === startsWord && !/[\p{Script=Hangul}\p{Script=Han}]/u.test(surface)) continue;
      found.push({ start: at, end: at + surface.length, token, weight });
    }
  }
  found.sort((a, b) => a.start - b.start || b.end - a.end);
  // Drop overlaps, keeping the earlier/longer mark.
  const marks: typeof found = [];
  for (const f of found) if (!marks.length || f.start >= marks[marks.length - 1]!.end) marks.push(f);
  let bestStart = 0;
  let bestWeight = -1;
  for (let i = 0, j = 0, sum = 0; i < marks.length; i++) {
    while (j < marks.length && marks[j]!.end - marks[i]!.start <= maxChars) sum += marks[j++]!.weight;
    if (sum > bestWeight) {
      bestWeight = sum;
      bestStart = marks[i]!.start;
    }
    sum -= marks[i]!.weight;
  }
  let start = Math.max(0, Math.min(bestStart - Math.floor(maxChars / 6), text.length - maxChars));
  // Do not cut a word in half at the start.
  while (start > 0 && /[\p{L}\p{N}]/u.test(text[start - 1]!) && bestStart - start < maxChars / 3) start--;
  const end = Math.min(text.length, start + maxChars);
  const highlights = marks.filter((m) => m.start >= start && m.end <= end).map((m) => ({ start: m.start - start, end: m.end - start, token: m.token }));
  return { text: text.slice(start, end), offset: start, highlights };
}
