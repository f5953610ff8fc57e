/**
 * Search as you type and "no match" for the demo's own index (IndexedDB), DOM-free. The demo has
 * no list of the words its files hold, but its index knows which vocabulary entries have postings
 * (SparseIndex.terms()): its words are the whole-word entries among them (WordPiece entries not
 * starting with `##`, SentencePiece entries starting with `▁`), each with the documents holding it.
 *
 * - A partial last word (the query does not end in whitespace) is completed to the indexed words
 *   that start with it, held by most passages first, each completion's vector at its share
 *   (src/site/words.ts completionShares: the shares sum to 1). When no indexed whole word starts
 *   with it, it may be the start of a word the vocabulary splits (`reba` of `re ##base`): its
 *   pieces are searched as before if all are indexed, else it is reported.
 * - A whole word matches when its pieces are indexed: one piece, an indexed whole word; several, all
 *   indexed (the files hold the same pieces; an approximation: the index has no words, only pieces).
 *   A word that does not match is reported with the nearest indexed words and left out of the query.
 *   Suggestions are whole-word entries only: the index cannot tell a misspelling of a word the
 *   vocabulary splits (`rebsae` for `re ##base`) from a made-up one.
 *
 * The words are the tokenizer's own (its tokens and their offsets), so an uncased model compares
 * `Rebsae` as `rebsae`. Works with inference-free encoders and with models (completions are encoded
 * as the query's words are).
 */
import type { EncodedVector } from '../src/encode/merge.ts';
import { completionShares, COMPLETIONS, nearestWords, prefixRange, SUGGESTIONS, topWords } from '../src/site/words.ts';
import { compareWords, type SiteWord } from '../src/site/words-format.ts';

/** What the demo's query side needs of an encoder (WorkerSparseEncoder in the page, SparseEncoder in tests). */
export interface WordsEncoder {
  token(id: number): string;
  tokens(text: string): Promise<{ ids: number[]; offsets: Uint32Array }>;
  encodeQuery(texts: readonly string[], options?: { signal?: AbortSignal }): Promise<EncodedVector[]>;
}

/** The indexed words: whole-word vocabulary entries with postings, in order, and the ids' document counts. */
export interface IndexWords {
  /** Sorted by word (compareWords). */
  words: SiteWord[];
  /** Documents holding each indexed id. */
  documents: ReadonlyMap<number, number>;
  /** Entries' style: WordPiece (`##` continues a word) or SentencePiece (`▁` starts one). */
  style: 'wordpiece' | 'sentencepiece';
}

const SPECIAL = /^(\[[^\]]*\]|<[^>]*>)$/;

/** The indexed words of an index whose vocabulary entries are `token(id)`. */
export function indexWords(documents: ReadonlyMap<number, number>, token: (id: number) => string): IndexWords {
  const entries = [...documents].map(([id, n]) => ({ token: token(id), n }));
  const style = entries.some((e) => e.token.startsWith('▁')) ? 'sentencepiece' : 'wordpiece';
  const byWord = new Map<string, number>();
  for (const { token: t, n } of entries) {
    const word = wordOfEntry(t, style);
    // Punctuation entries are pieces, not words a reader completes or misspells.
    if (word && /[\p{L}\p{N}]/u.test(word)) byWord.set(word, Math.max(n, byWord.get(word) ?? 0));
  }
  const words = [...byWord].map(([word, sections]) => ({ word, sections }));
  words.sort((a, b) => compareWords(a.word, b.word));
  return { words, documents, style };
}

/** The word a vocabulary entry is when it starts a word (undefined for continuations and special entries). */
function wordOfEntry(entry: string, style: IndexWords['style']): string | undefined {
  if (SPECIAL.test(entry)) return undefined;
  if (style === 'sentencepiece') return entry.startsWith('▁') && entry.length > 1 ? entry.slice(1) : undefined;
  return entry.startsWith('##') || entry.length === 0 ? undefined : entry;
}

/** A word of the query: its pieces, where it is in the text, and its form as the vocabulary spells it. */
export interface QueryWord {
  ids: number[];
  start: number;
  end: number;
  word: string;
  /** Punctuation or symbols only: always kept, never completed or reported. */
  symbol: boolean;
}

/** The query's words: pieces grouped into words (a continuation entry joins the word before it). */
export function queryWords(
  tokens: { ids: number[]; offsets: Uint32Array },
  token: (id: number) => string,
  style: IndexWords['style'],
): QueryWord[] {
  const out: QueryWord[] = [];
  tokens.ids.forEach((id, k) => {
    const entry = token(id);
    const start = tokens.offsets[2 * k]!;
    const end = tokens.offsets[2 * k + 1]!;
    const continues = style === 'sentencepiece' ? !entry.startsWith('▁') : entry.startsWith('##');
    const body = style === 'sentencepiece' ? entry.replace(/^▁/, '') : entry.replace(/^##/, '');
    const last = out[out.length - 1];
    if (continues && last && last.end === start) {
      last.ids.push(id);
      last.end = end;
      last.word += body;
    } else {
      out.push({ ids: [id], start, end, word: body, symbol: false });
    }
  });
  for (const w of out) w.symbol = !/[\p{L}\p{N}]/u.test(w.word);
  return out;
}

export interface DemoQuery {
  vector: EncodedVector;
  /** Words no indexed entry matches (left out of the vector), with the nearest indexed words. */
  unmatched: { word: string; suggestions: string[]; partial: boolean }[];
  /** The partial last word and its completions. */
  prefix?: { word: string; completions: string[] };
}

/**
 * The query's vector with its last word completed (when `prefix` and the text does not end in
 * whitespace) and words the index does not hold left out and reported.
 */
export async function encodeDemoQuery(
  text: string,
  encoder: WordsEncoder,
  vocabulary: IndexWords,
  options: { prefix: boolean; signal?: AbortSignal },
): Promise<DemoQuery> {
  const words = queryWords(await encoder.tokens(text), (id) => encoder.token(id), vocabulary.style);
  const tail = words[words.length - 1];
  const partial = options.prefix && tail && !tail.symbol && !/\s$/u.test(text) ? tail : undefined;
  const sorted = vocabulary.words.map((w) => w.word);
  const result: DemoQuery = { vector: emptyVector(), unmatched: [] };
  const reported = new Set<string>();
  const report = (word: string, isPartial: boolean) => {
    if (reported.has(word)) return;
    reported.add(word);
    const suggestions = nearestWords(word, vocabulary.words, SUGGESTIONS).map((w) => w.word);
    result.unmatched.push({ word, suggestions, partial: isPartial });
  };
  // The text of the words kept: the others' spans become spaces (the tokenizer sees the same words).
  const dropped: [number, number][] = [];
  let completions: SiteWord[] = [];
  for (const w of words) {
    if (w.symbol) continue;
    const indexed = w.ids.every((id) => vocabulary.documents.has(id));
    if (w === partial) {
      const [from, to] = prefixRange(sorted, w.word);
      completions = topWords(vocabulary.words.slice(from, to), COMPLETIONS);
      if (completions.length > 0) {
        result.prefix = { word: w.word, completions: completions.map((c) => c.word) };
        dropped.push([w.start, w.end]);
      } else if (!indexed) {
        report(w.word, true);
        dropped.push([w.start, w.end]);
      }
      continue;
    }
    const whole = w.ids.length > 1 || sorted[prefixRange(sorted, w.word)[0]] === w.word;
    if (!indexed || !whole) {
      report(w.word, false);
      dropped.push([w.start, w.end]);
    }
  }
  let kept = text;
  for (const [start, end] of dropped) kept = kept.slice(0, start) + ' '.repeat(end - start) + kept.slice(end);
  // One encode call: the kept words (none when nothing is left: a model would still answer an
  // empty text with a vector), then each completion.
  const rest = kept.trim() ? [kept] : [];
  const texts = [...rest, ...completions.map((c) => c.word)];
  const encoded = texts.length
    ? await encoder.encodeQuery(texts, options.signal ? { signal: options.signal } : {})
    : [];
  const byId = new Map<number, number>();
  const shares = completionShares(completions);
  completions.forEach((_, k) => {
    const v = encoded[rest.length + k]!;
    v.indices.forEach((id, j) => byId.set(id, (byId.get(id) ?? 0) + shares[k]! * v.values[j]!));
  });
  // A piece the kept words hold keeps their weight (never less for also being a completion's).
  if (rest.length) {
    const v = encoded[0]!;
    v.indices.forEach((id, j) => byId.set(id, Math.max(v.values[j]!, byId.get(id) ?? 0)));
  }
  const ids = [...byId.keys()].filter((id) => byId.get(id)! > 0).sort((a, b) => a - b);
  result.vector = { indices: Uint32Array.from(ids), values: Float32Array.from(ids, (id) => byId.get(id)!) };
  return result;
}

function emptyVector(): EncodedVector {
  return { indices: new Uint32Array(0), values: new Float32Array(0) };
}
