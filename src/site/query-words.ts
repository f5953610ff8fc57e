/**
 * A typed query against a site's words (inference-free sites): the query vector, and what the
 * reader should be told about their words.
 *
 * - Search as you type: when the query does not end in whitespace, its last word is a prefix. It
 *   is expanded to the words pages hold that start with it (words.ts complete: most sections
 *   first), each completion's pieces weighted by its share (completionShares: the shares sum to 1),
 *   instead of being split into WordPiece pieces that match unrelated pages.
 * - No match: a whole word that no page holds is reported with the nearest words pages do hold, and
 *   its pieces are left out of the vector, so sub-word pieces of a made-up word do not rank pages.
 *
 * Whole words that pages hold, punctuation and added tokens weigh exactly as in
 * ShardedWordPiece.encodeQuery. No I/O here beyond the two loaders' shards.
 */
import type { SparseVector } from '../vector.ts';
import { isPunctuation, splitWords, type Piece, type ShardedWordPiece } from './wordpiece.ts';
import { completionShares, COMPLETIONS, SUGGESTIONS, type SiteWords } from './words.ts';

export interface UnmatchedWord {
  /** The word as the tokenizer normalizes it (lowercased, accents stripped for an uncased model). */
  word: string;
  /** Words pages hold within a few edits of it, nearest first (may be empty). */
  suggestions: string[];
  /** Whether it was the partial last word (nothing the pages hold starts with it). */
  partial: boolean;
}

export interface QueryWords {
  /** Words no page holds, in query order, each once: left out of the vector. */
  unmatched: UnmatchedWord[];
  /** The partial last word and the words it was completed to (absent when there was none). */
  prefix?: { word: string; completions: string[] };
}

export interface TypedQueryOptions {
  /** Complete the last word when the query does not end in whitespace. */
  prefix: boolean;
  /** Report words no page holds and leave them out of the vector. */
  matchWords: boolean;
}

export interface TypedQuery {
  vector: SparseVector;
  words: QueryWords;
  /** Every piece the vector holds, with its vocabulary entry (to name query terms). */
  pieces: Piece[];
}

/** `text` as a query vector, with its words checked against the site's (see the module comment). */
export async function encodeTypedQuery(
  text: string,
  wordpiece: ShardedWordPiece,
  words: SiteWords,
  options: TypedQueryOptions,
): Promise<TypedQuery> {
  const split = splitWords(wordpiece.config, text);
  const last = split.length - 1;
  const tail = split[last];
  const partialAt =
    options.prefix && typeof tail === 'string' && !isPunctuation(tail) && !/\s$/u.test(text) ? last : -1;
  const whole = new Map<number, Piece>();
  const expanded = new Map<number, { piece: Piece; weight: number }>();
  const report: QueryWords = { unmatched: [] };
  const reported = new Set<string>();
  const unmatched = async (word: string, partial: boolean) => {
    if (reported.has(word)) return;
    reported.add(word);
    const suggestions = (await words.nearest(word, SUGGESTIONS)).map((w) => w.word);
    report.unmatched.push({ word, suggestions, partial });
  };
  // Words are independent: their shards load in parallel; results are applied in query order.
  // A word's tokenizer shards are asked for beside its word-list shard, not after it (one round
  // trip, not two, on a cold query's critical path): a whole word is tokenized unless no page holds
  // it, and a partial word's completions share its first characters, so its first shards.
  const early = new Map<string, Promise<Piece[][]>>();
  for (const w of split) {
    if (typeof w !== 'string' || isPunctuation(w) || early.has(w)) continue;
    const p = wordpiece.tokensOfWords([w]);
    p.catch(() => {}); // awaited below when needed; a failure then is that query's error
    early.set(w, p);
  }
  const plans = await Promise.all(
    split.map(async (w, k) => {
      if (typeof w !== 'string' || isPunctuation(w)) return { kind: 'whole' as const, w };
      if (k === partialAt) {
        const completions = await words.complete(w, COMPLETIONS);
        if (completions.length > 0) return { kind: 'prefix' as const, w, completions };
        return options.matchWords ? { kind: 'unmatched' as const, w, partial: true } : { kind: 'whole' as const, w };
      }
      if (options.matchWords && (await words.sections(w)) === 0)
        return { kind: 'unmatched' as const, w, partial: false };
      return { kind: 'whole' as const, w };
    }),
  );
  for (const plan of plans) {
    if (plan.kind === 'whole') {
      const pieces = (typeof plan.w === 'string' ? early.get(plan.w) : undefined) ?? wordpiece.tokensOfWords([plan.w]);
      for (const piece of (await pieces)[0]!) whole.set(piece.id, piece);
    } else if (plan.kind === 'unmatched') {
      await unmatched(plan.w, plan.partial);
    } else {
      const shares = completionShares(plan.completions);
      const pieces = await wordpiece.tokensOfWords(plan.completions.map((c) => c.word));
      pieces.forEach((list, k) => {
        // A completion's distinct pieces, each at its share of the piece's weight.
        for (const piece of new Map(list.map((p) => [p.id, p])).values()) {
          const e = expanded.get(piece.id);
          if (e) e.weight += shares[k]! * piece.weight;
          else expanded.set(piece.id, { piece, weight: shares[k]! * piece.weight });
        }
      });
      report.prefix = { word: plan.w, completions: plan.completions.map((c) => c.word) };
    }
  }
  const byId = new Map<number, number>();
  const pieces = new Map<number, Piece>();
  for (const [id, { piece, weight }] of expanded) {
    byId.set(id, weight);
    pieces.set(id, piece);
  }
  // A piece a whole word holds keeps the whole word's weight (never less for also being a completion's).
  for (const [id, piece] of whole) {
    byId.set(id, Math.max(piece.weight, byId.get(id) ?? 0));
    pieces.set(id, piece);
  }
  const ids = [...byId.keys()].filter((id) => byId.get(id)! > 0).sort((a, b) => a - b);
  return {
    vector: { indices: Uint32Array.from(ids), values: Float32Array.from(ids, (id) => byId.get(id)!) },
    words: report,
    pieces: ids.map((id) => pieces.get(id)!),
  };
}
