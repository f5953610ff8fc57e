/**
 * Snippets from spans: highlights are exactly the given spans, on real passages, against the
 * string-search highlighting they replace (whose share of exact highlights is measured here).
 * A highlight never marks part of a token: checked on Korean passages where a query's piece is the
 * start of a longer token, through the path an index search takes (describeMatch with the spans
 * the real model stored).
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SparseEncoder } from '../src/node.ts';
import { TextTokenizer } from '../src/model/tokenizer.ts';
import { describeMatch } from '../src/results/describe.ts';
import {
  snippetFromSpans,
  spansOfMatches,
  spansOfVector,
  type Highlight,
  type Snippet,
  type WeightedSpan,
} from '../src/results/snippet.ts';
import { readPassages } from './passages.ts';
import { mulberry32 } from './support.ts';

const MODELS = {
  'splade-tiny-en-if': 'public/models/splade-tiny-en-if/document_0_MLMTransformer',
  'splade-tiny-ko': 'public/models/splade-tiny-ko',
} as const;

function tokenizer(dir: string): TextTokenizer {
  return TextTokenizer.fromJson(
    JSON.parse(readFileSync(`${dir}/tokenizer.json`, 'utf8')),
    JSON.parse(readFileSync(`${dir}/tokenizer_config.json`, 'utf8')),
    dir,
  );
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
          const matches = Array.from(
            { length: Math.min(5, distinct.length) },
            () => distinct[Math.floor(rng() * distinct.length)]!,
          )
            .filter((id, i, all) => all.indexOf(id) === i)
            .map((id) => ({ id, token: tok.token(id), weight: 0.1 + rng() }));
          const old = makeSnippet(
            text,
            matches.map((m) => ({ token: m.token, weight: m.weight })),
          );
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
      console.log(
        `${model}: exact highlights, string search ${pct(before)}% of ${before.total}; from spans ${pct(after)}% of ${after.total}`,
      );
      expect(after.exact).toBe(after.total);
      expect(after.total).toBeGreaterThan(500);
    });
  }
});

describe('snippetFromSpans', () => {
  const text =
    'Intro words here. ' +
    'filler text that says nothing at all. '.repeat(12) +
    'Use git rebase to replay commits onto another base; rebase rewrites history. ' +
    'more filler words. '.repeat(10);
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
    const vector = {
      indices: Uint32Array.from([3, 7, 9]),
      values: Float32Array.from([1, 1, 1]),
      spans: Uint32Array.from([0, 3, 4, 10, 0xffffffff, 0xffffffff]),
      literal: Uint8Array.from([1, 0, 1]),
    };
    expect(
      spansOfVector(vector, [
        { id: 7, token: 'x', weight: 2 },
        { id: 9, token: 'y', weight: 1 },
        { id: 5, token: 'z', weight: 1 },
      ]),
    ).toEqual([{ start: 4, end: 10, token: 'x', id: 7, weight: 2, expansion: true }]);
  });
});

/**
 * Highlights that mark something other than a token the tokenizer produced: each must be exactly
 * one token's span (the tokenizer's own offsets) and name that token, unless it marks the token as
 * the source of its term (an expansion, or the stored span of the token whose context gave the
 * term its weight). Described as "term on [marked text] in word".
 */
function strayHighlights(
  tok: TextTokenizer,
  text: string,
  snippet: Snippet,
  sources?: ReadonlyMap<number, string>,
): string[] {
  const { ids, offsets } = tok.contentTokens(text);
  const idsAt = new Map<string, Set<number>>();
  ids.forEach((id, k) => {
    const key = `${offsets[2 * k]}:${offsets[2 * k + 1]}`;
    idsAt.set(key, (idsAt.get(key) ?? new Set()).add(id));
  });
  const stray: string[] = [];
  for (const h of snippet.highlights) {
    const s = snippet.offset + h.start;
    const e = snippet.offset + h.end;
    const key = `${s}:${e}`;
    const id = h.id ?? tok.idOf(h.token);
    const there = idsAt.get(key);
    const asSource = h.expansion === true || (id !== undefined && sources?.get(id) === key);
    if (!there || (!(id !== undefined && there.has(id)) && !asSource)) {
      const word = /\S*$/.exec(text.slice(0, s))![0] + text.slice(s, e) + /^\S*/.exec(text.slice(e))![0];
      stray.push(`${h.token} on [${text.slice(s, e)}] in ${word}`);
    }
  }
  return stray;
}

/** Per term, the stored span ("start:end") of the token that produced its weight. */
function storedSources(v: { indices: Uint32Array; spans?: Uint32Array | undefined }): Map<number, string> {
  const out = new Map<number, string>();
  v.indices.forEach((id, k) => out.set(id, `${v.spans![2 * k]}:${v.spans![2 * k + 1]}`));
  return out;
}

/**
 * Passages of the GIMP manual (Debian gimp-help-ko 2.10.34, /usr/share/gimp/2.0/help/ko; GFDL-1.2+,
 * © The GIMP Documentation Team) as test/passages.ts htmlBlocks reads them, where a query's piece
 * begins or ends a word the tokenizer cuts otherwise: string search marks the piece inside the word.
 */
const PIECE_IN_A_WORD = [
  {
    file: 'gimp-pimping.html',
    text: '김프 이미지 데이터에 할당된 시스템 메모리 양입니다. 김프에서 이 이상의 메모리를 사용하면, 디스크 스왑으로 대체하게 됩니다. 이럴 경우 일부 시스템에서는 순간적인 다운현상이 있을 수도 있습니다. 이는 김프 설치시에 설정할 수 있고, 여기서 변경할 수도 있습니다. 더 자세한 사항은 타일 캐쉬 설정하는 방법을 참고하세요.',
    piece: '▁사용',
    word: '사용하면,',
    tokens: ['▁사용하면', ','],
  },
  {
    file: 'gimp-concepts-patterns.html',
    text: '.pat 파일은 김프에서만 사용할 수 있는 무늬 파일 포맷입니다. 김프를 이용하면 어떤 이미지든 .pat 파일로 저장할 수 있는데, 이는 김프로 해당 이미지를 읽은 후에 확장자명을 .pat 으로 하여 저장하면 됩니다. 경고 김프에서 생성한 .pat 파일을 Photoshop과 같은 다른 프로그램에서 생성한 파일과 혼동하지 마십시오. .pat은 단순히 파일 이름의 일부일 뿐입니다. (하지만 김프는 Photoshop.pat 파일을 최근 버전까지 지원합니다.)',
    piece: '▁하면',
    word: '저장하면',
    tokens: ['▁저장', '하면'],
  },
  {
    file: 'gimp-pimping.html',
    text: '여기에 있는 항목들을 활성화시키면, 선택한 붓이나 무늬, 그라디언트 등을 모든 도구에서 같이 사용하게 됩니다. 반대로 비활성시키면 각 도구들은 각기 마지막으로 사용한 항목들을 기억하여 각 도구별로 다른 붓이나 무늬, 그라디언트를 사용하게 됩니다.',
    piece: '▁도구',
    word: '도구들은',
    tokens: ['▁도구들', '은'],
  },
];

describe('highlights never mark part of a token (splade-tiny-ko, GIMP manual passages)', () => {
  const dir = MODELS['splade-tiny-ko'];
  const tok = tokenizer(dir);
  let encoder: SparseEncoder;
  beforeAll(async () => {
    encoder = await SparseEncoder.fromPretrained(`./${dir}`);
  }, 120_000);
  afterAll(async () => {
    await encoder?.dispose();
  });

  for (const { file, text, piece, word, tokens } of PIECE_IN_A_WORD) {
    it(`${piece} is not marked inside ${word} (${file})`, async () => {
      const id = tok.idOf(piece)!;
      expect(id, piece).toBeDefined();
      const from = text.indexOf(word);
      const to = from + word.length;
      // The tokenizer cuts the word otherwise: the piece is not one of its tokens.
      const { ids, offsets } = tok.contentTokens(text);
      const within = (k: number) => offsets[2 * k]! >= from && offsets[2 * k + 1]! <= to;
      const inWord = ids.flatMap((t, k) => (within(k) ? [tok.token(t)] : []));
      expect(inWord).toEqual(tokens);

      // String search (the library's highlighting before spans) marks the piece inside the word.
      const searched = makeSnippet(text, [{ token: piece, weight: 1 }]);
      const pieceAt = from + (word.startsWith(piece.slice(1)) ? 0 : word.indexOf(piece.slice(1)));
      expect(strayHighlights(tok, text, searched)).toContain(`${piece} on [${piece.slice(1)}] in ${word}`);
      expect(searched.highlights.some((h) => searched.offset + h.start === pieceAt)).toBe(true);

      // An index search's highlights: the document's own occurrences of the term (tokenizer offsets)
      // and the span the model stored for it (the token whose context produced its weight).
      const [vector] = await encoder.encodeDocument([text], { spans: true });
      const stored = { indices: vector!.indices, spans: vector!.spans!, literal: vector!.literal! };
      const query = { indices: Uint32Array.of(id), values: Float32Array.of(1) };
      for (const own of [undefined, tok.contentTokens(text)]) {
        const { snippet } = describeMatch(query, vector!, (t) => tok.token(t), text, stored, own);
        expect(strayHighlights(tok, text, snippet, storedSources(vector!))).toEqual([]);
        // Inside the word: whole tokens only; the piece named there only as an expansion's source.
        for (const h of snippet.highlights) {
          const s = snippet.offset + h.start;
          const e = snippet.offset + h.end;
          if (e <= from || s >= to) continue;
          const k = ids.findIndex((_, j) => offsets[2 * j] === s && offsets[2 * j + 1] === e);
          expect(k, `${h.token} on [${text.slice(s, e)}]`).toBeGreaterThanOrEqual(0);
          if ((h.id ?? tok.idOf(h.token)) !== id) continue;
          expect(h.expansion, `${h.token} on [${text.slice(s, e)}] is marked as the token itself`).toBe(true);
        }
      }
    });
  }

  it('on real passages: each highlight is one whole token, for all terms and for expansions alone', async () => {
    // 50 of the 200: encoding them is most of this test's time.
    const passages = readPassages('gimp-help-ko').passages.slice(0, 50);
    const vectors = await encoder.encodeDocument(passages, { spans: true });
    let highlights = 0;
    let sourceInLongerToken = 0;
    let searchedStray = 0;
    const stray: string[] = [];
    passages.forEach((text, d) => {
      const v = vectors[d]!;
      const own = tok.contentTokens(text);
      const stored = { indices: v.indices, spans: v.spans!, literal: v.literal! };
      // Queries: every term of the passage; then its expansions alone (on this model mostly the
      // first pieces of its longer words, "▁사용" from "▁사용하면": what string search marks inside them).
      const expansions = v.indices.filter((_, k) => v.literal![k] === 0);
      for (const terms of [v.indices, expansions]) {
        const query = { indices: terms, values: new Float32Array(terms.length).fill(1) };
        for (const tokens of [undefined, own]) {
          const { snippet } = describeMatch(query, v, (t) => tok.token(t), text, stored, tokens);
          stray.push(...strayHighlights(tok, text, snippet, storedSources(v)));
          highlights += snippet.highlights.length;
          for (const h of snippet.highlights) {
            const surface = h.token.replace(/^▁/, '');
            const marked = snippet.text.slice(h.start, h.end);
            if (h.expansion && marked.length > surface.length && marked.startsWith(surface)) sourceInLongerToken++;
          }
        }
        if (terms === expansions) {
          const searched = makeSnippet(
            text,
            [...terms].map((t) => ({ token: tok.token(t), weight: 1 })),
          );
          searchedStray += strayHighlights(tok, text, searched).length;
        }
      }
    });
    expect(stray).toEqual([]);
    expect(highlights).toBeGreaterThan(2000);
    // The hard case is exercised: a term that begins a longer token marks that whole token, as its
    // source; string search marks the term's characters inside it instead.
    expect(sourceInLongerToken).toBeGreaterThan(100);
    expect(searchedStray).toBeGreaterThan(100);
    console.log(
      `splade-tiny-ko on gimp-help-ko: ${highlights} highlights, none stray; ${sourceInLongerToken} mark a` +
        ` longer token as an expansion's source, where string search leaves ${searchedStray} stray`,
    );
  }, 120_000);
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
  const highlights = marks
    .filter((m) => m.start >= start && m.end <= end)
    .map((m) => ({ start: m.start - start, end: m.end - start, token: m.token }));
  return { text: text.slice(start, end), offset: start, highlights };
}
