/**
 * Snippets: a short passage of a document with the words that matched marked by character
 * offsets. Never HTML: the caller renders `text` and the ranges with textContent / Range APIs.
 *
 * Highlights are exactly the spans they are given (the tokenizer's own offsets of the document's
 * tokens, see model/offsets.ts, or the spans an encoder reports with `spans: true`); nothing is
 * searched in the text, since a token's surface found by search is often the wrong place ("##s"
 * inside "Asymmetry") or shifted (lowercasing "İ" adds a code unit).
 */

import { NO_SPAN, positionOf } from '../vector.ts';

export interface Highlight {
  /** Offsets into the snippet's `text`, end exclusive. */
  start: number;
  end: number;
  /** The vocabulary entry that matched here. */
  token: string;
  /** Its vocabulary id, when known. */
  id?: number;
  /** Its contribution to the score (the weight it was given). */
  weight?: number;
  /** True for an expansion term: the text does not contain it; these words' context produced it. */
  expansion?: boolean;
}

/** A weighted range of the document: where a matched token is (or, for an expansion, came from). */
export interface WeightedSpan {
  /** UTF-16 offsets into the document text, end exclusive. */
  start: number;
  end: number;
  token: string;
  id?: number;
  weight: number;
  expansion?: boolean;
}

/** Characters of context a snippet shows at most (default). */
export const SNIPPET_CHARS = 240;

/** `offsets` pairs of a text's content tokens (what TextTokenizer.contentTokens / encoder.tokens give). */
export interface TokenSpans {
  ids: readonly number[];
  offsets: Uint32Array;
}

/**
 * The spans of every occurrence, among a document's own tokens, of each matched id, weighted by
 * that id's contribution: what the index needs at explain time, without a model call.
 */
export function spansOfMatches(
  tokens: TokenSpans,
  matches: readonly { id: number; token: string; weight: number }[],
): WeightedSpan[] {
  const byId = new Map<number, { token: string; weight: number }>();
  for (const m of matches) byId.set(m.id, m);
  const out: WeightedSpan[] = [];
  tokens.ids.forEach((id, k) => {
    const m = byId.get(id);
    const start = tokens.offsets[2 * k]!;
    const end = tokens.offsets[2 * k + 1]!;
    if (m && end > start) out.push({ start, end, token: m.token, id, weight: m.weight });
  });
  return out;
}

/**
 * The spans an encoder reported for a document vector (`spans: true`), for the matched ids: one
 * per entry, marked `expansion` where the id is not among the text's own tokens. Entries whose
 * max came from a special token or the prompt (NO_SPAN) have no place in the text and are left out.
 */
export function spansOfVector(
  vector: { indices: Uint32Array; spans?: Uint32Array; literal?: Uint8Array },
  matches: readonly { id: number; token: string; weight: number }[],
): WeightedSpan[] {
  if (!vector.spans) return [];
  const out: WeightedSpan[] = [];
  for (const m of matches) {
    const k = positionOf(vector.indices, m.id);
    if (k < 0) continue;
    const start = vector.spans[2 * k]!;
    const end = vector.spans[2 * k + 1]!;
    if (start === NO_SPAN || end <= start) continue;
    out.push({
      start,
      end,
      token: m.token,
      id: m.id,
      weight: m.weight,
      expansion: vector.literal ? vector.literal[k] === 0 : false,
    });
  }
  return out;
}

/**
 * Picks the `maxChars` window of `text` with the most highlighted weight and returns it with its
 * highlights, which are exactly the given spans inside it (offsets relative to the snippet).
 * Spans on the same range merge (heaviest token named); of overlapping ones the heavier is kept.
 * The window does not start or end inside a word where a word boundary is near, and keeps its
 * highlights whole.
 */
export function snippetFromSpans(text: string, spans: readonly WeightedSpan[], maxChars = SNIPPET_CHARS): Snippet {
  const marks = cleanSpans(text, spans);
  if (text.length <= maxChars) return { text, offset: 0, highlights: marks.map((m) => relative(m, 0)) };
  // The densest window: the run of consecutive marks fitting in maxChars with the largest weight.
  let bestFirst = 0;
  let bestLast = -1;
  let bestWeight = -Infinity;
  for (let i = 0, j = 0, sum = 0; i < marks.length; i++) {
    if (j < i) {
      j = i;
      sum = 0;
    }
    while (j < marks.length && marks[j]!.end - marks[i]!.start <= maxChars) sum += marks[j++]!.weight;
    if (sum > bestWeight) {
      bestWeight = sum;
      bestFirst = i;
      bestLast = j - 1;
    }
    sum -= marks[i]!.weight;
  }
  const from = bestLast >= bestFirst ? marks[bestFirst]!.start : 0;
  const to = bestLast >= bestFirst ? marks[bestLast]!.end : 0;
  // Some context before the marks (a third of the room left), the rest after.
  const slack = maxChars - (to - from);
  let start = Math.max(0, Math.min(from - Math.floor(slack / 3), text.length - maxChars));
  start = snapStart(text, start, from);
  let end = Math.min(text.length, start + maxChars);
  end = snapEnd(text, end, Math.max(to, start));
  const highlights = marks.filter((m) => m.start >= start && m.end <= end).map((m) => relative(m, start));
  return { text: text.slice(start, end), offset: start, highlights };
}

function relative(m: WeightedSpan, offset: number): Highlight {
  const h: Highlight = { start: m.start - offset, end: m.end - offset, token: m.token, weight: m.weight };
  if (m.id !== undefined) h.id = m.id;
  if (m.expansion) h.expansion = true;
  return h;
}

/** Valid spans in text order, one per range, without overlaps (the heavier of two wins). */
function cleanSpans(text: string, spans: readonly WeightedSpan[]): WeightedSpan[] {
  const byRange = new Map<string, WeightedSpan>();
  for (const s of spans) {
    if (!(
      Number.isInteger(s.start) &&
      Number.isInteger(s.end) &&
      s.start >= 0 &&
      s.end > s.start &&
      s.end <= text.length &&
      Number.isFinite(s.weight)
    ))
      continue;
    const key = `${s.start}:${s.end}`;
    const prev = byRange.get(key);
    // A literal mark wins over an expansion on the same range: the word is there.
    if (!prev || (prev.expansion && !s.expansion) || (!!prev.expansion === !!s.expansion && s.weight > prev.weight))
      byRange.set(key, s);
  }
  const heavyFirst = [...byRange.values()].sort((a, b) => b.weight - a.weight || a.start - b.start);
  const kept: WeightedSpan[] = [];
  for (const s of heavyFirst) if (!kept.some((k) => k.start < s.end && s.start < k.end)) kept.push(s);
  return kept.sort((a, b) => a.start - b.start);
}

const WORD = /[\p{L}\p{N}\p{M}_]/u;
/** Han, kana: scripts written without spaces, where any character boundary is a word boundary. */
const UNSPACED = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}]/u;

function insideWord(text: string, i: number): boolean {
  if (i <= 0 || i >= text.length) return false;
  const a = text[i - 1]!;
  const b = text[i]!;
  if (isLowSurrogate(b)) return true; // never split a surrogate pair
  return WORD.test(a) && WORD.test(b) && !UNSPACED.test(a) && !UNSPACED.test(b);
}

function isLowSurrogate(c: string): boolean {
  const u = c.charCodeAt(0);
  return u >= 0xdc00 && u <= 0xdfff;
}

/** Moves a window start off a word's middle (back a little, else forward, never past `limit`), then past spaces. */
function snapStart(text: string, start: number, limit: number): number {
  if (insideWord(text, start)) {
    let back = start;
    while (back > 0 && start - back < 24 && insideWord(text, back)) back--;
    if (!insideWord(text, back)) start = back;
    else {
      let fwd = start;
      while (fwd < limit && insideWord(text, fwd)) fwd++;
      start = fwd;
    }
  }
  while (start < limit && /\s/.test(text[start]!)) start++;
  return start;
}

/** Moves a window end back off a word's middle, never before `limit` (the last highlight's end). */
function snapEnd(text: string, end: number, limit: number): number {
  let e = end;
  while (e > limit && insideWord(text, e)) e--;
  if (insideWord(text, e)) e = end; // one long word: cut it rather than lose a highlight
  while (e > limit && /\s/.test(text[e - 1]!)) e--;
  return e;
}

export interface Snippet {
  text: string;
  /** Offset of `text` within the whole document. */
  offset: number;
  highlights: Highlight[];
}
