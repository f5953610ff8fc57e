/**
 * Long sections are indexed as passages: each gets its own vector, so one long section does not
 * match every query (max pooling saturates over many tokens), and a hit's stored text stays short.
 * Limits are in tokens of the model (a Korean or Japanese character is not an English one), and
 * cuts fall at sentence ends of every script (Intl.Segmenter: UAX #29, so "。", "！", "?" and
 * line ends all count), else at word boundaries, else anywhere but inside a surrogate pair.
 */
import type { Passage } from './types.ts';

/** Tokens per passage when the caller names no limit: ~1 500 characters of English. */
export const DEFAULT_PASSAGE_TOKENS = 384;

/** Counts the model's tokens of each text (without special tokens), at once or as a promise. */
export type TokenCounter = (texts: string[]) => number[] | Promise<number[]>;

export interface CutOptions {
  /** Tokens a passage holds at most (default DEFAULT_PASSAGE_TOKENS). */
  maxTokens?: number;
  /** The model's tokenizer; `estimateTokens` when there is none at hand. */
  countTokens?: TokenCounter;
}

const LATIN_WORD = /[\p{L}\p{N}\p{M}]+|[^\s\p{L}\p{N}\p{M}]/gu;
const CJK = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}]/u;
const HANGUL = /\p{Script=Hangul}/u;

/**
 * A tokenizer-free count that errs high: a WordPiece or SentencePiece model splits a word into
 * about one piece per six letters (rare words more), a Han or kana character is usually a piece of
 * its own, a Hangul word about one piece per two syllables, and punctuation a piece per mark.
 */
export function estimateTokens(text: string): number {
  let n = 0;
  for (const [word] of text.matchAll(LATIN_WORD)) {
    if (CJK.test(word)) n += word.length;
    else if (HANGUL.test(word)) n += Math.ceil(word.length / 2);
    else n += 1 + Math.floor(word.length / 6);
  }
  return n;
}

let sentences: Intl.Segmenter | undefined;
let words: Intl.Segmenter | undefined;

/** [start, end) pieces of `text` between sentence (or word) boundaries. */
function units(text: string, start: number, end: number, granularity: 'sentence' | 'word'): Range[] {
  const segmenter =
    granularity === 'sentence'
      ? (sentences ??= new Intl.Segmenter(undefined, { granularity: 'sentence' }))
      : (words ??= new Intl.Segmenter(undefined, { granularity: 'word' }));
  const out: Range[] = [];
  for (const s of segmenter.segment(text.slice(start, end)))
    out.push([start + s.index, start + s.index + s.segment.length]);
  return out;
}

type Range = [start: number, end: number];

/**
 * The passages of `text.slice(start, end)`: sentences packed while they fit `maxTokens`; a sentence
 * longer than that alone is cut at word boundaries, a word longer than that by characters. Passages
 * are trimmed ranges of `text`; together they hold every word of the range. Needs a synchronous
 * counter (the default estimate is one); `cutPassagesAsync` takes any.
 */
export function cutPassages(text: string, start = 0, end = text.length, options: CutOptions = {}): Passage[] {
  const count = options.countTokens ?? countEstimated;
  const plan = cutPlan(text, start, end, options.maxTokens ?? DEFAULT_PASSAGE_TOKENS);
  for (let step = plan.next(); ;) {
    if (step.done) return step.value;
    const counts = count(step.value);
    if (!Array.isArray(counts))
      throw new TypeError('cutPassages needs a synchronous countTokens; use cutPassagesAsync');
    step = plan.next(counts);
  }
}

/** `cutPassages` with a counter that may answer later (a tokenizer in a Worker). */
export async function cutPassagesAsync(
  text: string,
  start = 0,
  end = text.length,
  options: CutOptions = {},
): Promise<Passage[]> {
  const count = options.countTokens ?? countEstimated;
  const plan = cutPlan(text, start, end, options.maxTokens ?? DEFAULT_PASSAGE_TOKENS);
  for (let step = plan.next(); ;) {
    if (step.done) return step.value;
    step = plan.next(await count(step.value));
  }
}

function countEstimated(texts: string[]): number[] {
  return texts.map(estimateTokens);
}

/**
 * The cutting itself, as a coroutine: it yields the texts whose token counts it needs (the whole
 * range, then its sentences, then the words of too-long sentences) and takes the counts back, so
 * one algorithm serves a counter that answers at once and one that answers later, in a few batches.
 */
function* cutPlan(
  text: string,
  start: number,
  end: number,
  maxTokens: number,
): Generator<string[], Passage[], number[]> {
  if (!(maxTokens >= 1)) throw new RangeError(`maxTokens must be at least 1, got ${maxTokens}`);
  const out: Passage[] = [];
  const slice = ([s, e]: Range) => text.slice(s, e);
  const [whole] = yield [text.slice(start, end)];
  if (whole! <= maxTokens) {
    push(out, text, start, end);
    return out;
  }
  const sentences = units(text, start, end, 'sentence');
  const sentenceTokens = yield sentences.map(slice);
  const long = sentences.filter((_, k) => sentenceTokens[k]! > maxTokens);
  const words = long.map((r) => units(text, r[0], r[1], 'word'));
  const flat = words.flat();
  const flatTokens = flat.length ? yield flat.map(slice) : [];
  const wordTokens = new Map(flat.map((r, k) => [r, flatTokens[k]!]));

  let piece: Range | undefined;
  let pieceTokens = 0;
  const emit = () => {
    if (piece) push(out, text, piece[0], piece[1]);
    piece = undefined;
    pieceTokens = 0;
  };
  const add = ([s, e]: Range, tokens: number) => {
    if (piece && pieceTokens + tokens <= maxTokens) {
      piece[1] = e;
      pieceTokens += tokens;
      return;
    }
    emit();
    piece = [s, e];
    pieceTokens = tokens;
  };
  let longIndex = 0;
  sentences.forEach((sentence, k) => {
    const tokens = sentenceTokens[k]!;
    if (tokens <= maxTokens) return add(sentence, tokens);
    for (const word of words[longIndex++]!) {
      const n = wordTokens.get(word)!;
      if (n <= maxTokens) add(word, n);
      else for (const part of byCharacters(text, word, n, maxTokens)) add(part, maxTokens);
    }
  });
  emit();
  return out;
}

/** A word of `tokens` tokens cut into even character pieces of at most `maxTokens` tokens each. */
function byCharacters(text: string, [start, end]: Range, tokens: number, maxTokens: number): Range[] {
  const pieces = Math.ceil(tokens / maxTokens);
  const size = Math.max(1, Math.floor((end - start) / pieces));
  const out: Range[] = [];
  for (let s = start; s < end;) {
    let e = Math.min(end, s + size);
    if (e < end && /[\ud800-\udbff]/.test(text[e - 1]!)) e++; // never split a surrogate pair
    out.push([s, e]);
    s = e;
  }
  return out;
}

function push(out: Passage[], text: string, start: number, end: number): void {
  while (start < end && /\s/.test(text[start]!)) start++;
  while (end > start && /\s/.test(text[end - 1]!)) end--;
  if (end > start) out.push({ start, end, text: text.slice(start, end), number: out.length + 1 });
}
