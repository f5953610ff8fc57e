/**
 * A site's word list (words-format.ts) as the query runtime reads it: shards fetched as a query's
 * words need them (a word needs the one shard of its range; a prefix the shards its range spans),
 * and the pure logic that search as you type and "no match" stand on: prefix ranges, completions
 * and their shares of a word's weight, edit distance and the nearest words. No I/O here: the
 * caller passes a function that returns a shard.
 */
import {
  compareWords,
  END,
  lowerBound,
  shardOfWord,
  shardsOfPrefix,
  type SiteWord,
  type WordsConfig,
  type WordsShard,
} from './words-format.ts';

export { shardOfWord, shardsOfPrefix };

/** Completions a partial last word expands to (measured by bench/prefix.ts: 3 to 5 did alike). */
export const COMPLETIONS = 4;
/** Suggestions kept per word that matched nothing. */
export const SUGGESTIONS = 3;

/** Edits allowed between a word and a suggestion: 2 from 5 characters, 1 from 3, none below. */
export function maxEdits(word: string): number {
  const n = [...word].length;
  return n >= 5 ? 2 : n >= 3 ? 1 : 0;
}

/**
 * Optimal string alignment distance (insertions, deletions, substitutions and swaps of two
 * neighbouring characters, each 1), by code point; `limit + 1` as soon as it must exceed `limit`.
 * A swap counts once, so `rebsae` is one edit from `rebase`.
 */
export function editDistance(a: string, b: string, limit: number): number {
  const x = [...a];
  const y = [...b];
  if (Math.abs(x.length - y.length) > limit) return limit + 1;
  let before = new Array<number>(y.length + 1).fill(0);
  let previous = Array.from({ length: y.length + 1 }, (_, j) => j);
  for (let i = 1; i <= x.length; i++) {
    const row = new Array<number>(y.length + 1).fill(0);
    row[0] = i;
    let best = row[0];
    for (let j = 1; j <= y.length; j++) {
      const cost = x[i - 1] === y[j - 1] ? 0 : 1;
      let d = Math.min(previous[j]! + 1, row[j - 1]! + 1, previous[j - 1]! + cost);
      if (i > 1 && j > 1 && x[i - 1] === y[j - 2] && x[i - 2] === y[j - 1]) d = Math.min(d, before[j - 2]! + 1);
      row[j] = d;
      if (d < best) best = d;
    }
    if (best > limit) return limit + 1;
    before = previous;
    previous = row;
  }
  return Math.min(previous[y.length]!, limit + 1);
}

/** The positions [start, end) of the words of `sorted` that start with `prefix`. */
export function prefixRange(sorted: readonly string[], prefix: string): [number, number] {
  return [lowerBound(sorted, prefix), lowerBound(sorted, prefix + END)];
}

/** The `max` words held by most sections (ties: in word order), most first. */
export function topWords(candidates: readonly SiteWord[], max: number): SiteWord[] {
  return [...candidates].sort((a, b) => b.sections - a.sections || compareWords(a.word, b.word)).slice(0, max);
}

/**
 * The share of a word's weight each completion gets: in proportion to the sections that hold it,
 * summing to 1. A prefix expanded to several words thus weighs, in all, no more than its heaviest
 * completion would as a whole word: a prefix never outweighs the whole words typed before it.
 */
export function completionShares(completions: readonly SiteWord[]): number[] {
  const total = completions.reduce((n, c) => n + Math.max(c.sections, 1), 0);
  return completions.map((c) => Math.max(c.sections, 1) / total);
}

/**
 * The words of `candidates` within maxEdits(word) edits of `word`, nearest first, then held by
 * most sections; at most `max`.
 */
export function nearestWords(word: string, candidates: readonly SiteWord[], max: number): SiteWord[] {
  const limit = maxEdits(word);
  if (limit === 0) return [];
  const near: { w: SiteWord; d: number }[] = [];
  for (const w of candidates) {
    if (w.word === word) continue;
    const d = editDistance(word, w.word, limit);
    if (d <= limit) near.push({ w, d });
  }
  near.sort((a, b) => a.d - b.d || b.w.sections - a.w.sections || compareWords(a.w.word, b.w.word));
  return near.slice(0, max).map((n) => n.w);
}

/**
 * The starts a misspelling of `word` is looked for under: its first `length` characters, and those
 * with two neighbours swapped (`erbase` for `rebase`). Suggestions are found among words sharing
 * such a start; another typo within the start is not corrected (the price of reading a few shards).
 */
export function suggestionStarts(word: string, length = 2): string[] {
  const cps = [...word].slice(0, length);
  const starts = new Set([cps.join('')]);
  for (let k = 0; k + 1 < cps.length; k++) {
    if (cps[k] === cps[k + 1]) continue;
    const swapped = [...cps];
    [swapped[k], swapped[k + 1]] = [swapped[k + 1]!, swapped[k]!];
    starts.add(swapped.join(''));
  }
  return [...starts];
}

/** A site's word list, its shards loaded as asked for (each once; a failed load is asked again). */
export class SiteWords {
  private readonly shards = new Map<number, Promise<WordsShard>>();

  constructor(
    readonly config: WordsConfig,
    private readonly load: (shard: number) => Promise<WordsShard>,
  ) {}

  /** Shards fetched so far. */
  get loadedShards(): number {
    return this.shards.size;
  }

  private shard(k: number): Promise<WordsShard> {
    let s = this.shards.get(k);
    if (!s) {
      s = this.load(k);
      s.catch(() => this.shards.delete(k));
      this.shards.set(k, s);
    }
    return s;
  }

  /** The number of sections that hold `word`, or 0 when no page holds it. */
  async sections(word: string): Promise<number> {
    const shard = await this.shard(shardOfWord(this.config.first, word));
    const k = lowerBound(shard.words, word);
    return shard.words[k] === word ? shard.sections[k]! : 0;
  }

  /** The words that start with `prefix` (itself included, when a page holds it). */
  private async withPrefix(prefix: string): Promise<SiteWord[]> {
    const out: SiteWord[] = [];
    for (const k of shardsOfPrefix(this.config.first, prefix)) {
      const shard = await this.shard(k);
      const [from, to] = prefixRange(shard.words, prefix);
      for (let j = from; j < to; j++) out.push({ word: shard.words[j]!, sections: shard.sections[j]! });
    }
    return out;
  }

  /**
   * Up to `max` words that start with `prefix`, held by most sections first. A prefix whose words
   * span many shards (`c`, `co`) takes the config's top words, reading no shard.
   */
  async complete(prefix: string, max = COMPLETIONS): Promise<SiteWord[]> {
    if (prefix.length === 0) return [];
    const top = this.config.top[prefix];
    if (top) return top.slice(0, max).map(([word, sections]) => ({ word, sections }));
    const spanned = shardsOfPrefix(this.config.first, prefix);
    // Wider than the writer allows only if the config is inconsistent: read what it allows.
    const words: SiteWord[] = [];
    for (const k of spanned.slice(0, this.config.prefixShards)) {
      const shard = await this.shard(k);
      const [from, to] = prefixRange(shard.words, prefix);
      for (let j = from; j < to; j++) words.push({ word: shard.words[j]!, sections: shard.sections[j]! });
    }
    return topWords(words, max);
  }

  /**
   * Up to `max` words a page holds within maxEdits(word) of `word`, looked for under its start
   * (suggestionStarts): two characters, or more where those words span too many shards.
   */
  async nearest(word: string, max = SUGGESTIONS): Promise<SiteWord[]> {
    if (maxEdits(word) === 0) return [];
    const most = this.config.prefixShards;
    const length = [...word].length;
    let starts = suggestionStarts(word, 2);
    for (let n = 3; n <= length && starts.some((s) => shardsOfPrefix(this.config.first, s).length > most); n++)
      starts = suggestionStarts(word, n);
    const candidates: SiteWord[] = [];
    for (const start of starts) {
      if (shardsOfPrefix(this.config.first, start).length > most) continue;
      candidates.push(...(await this.withPrefix(start)));
    }
    return nearestWords(word, candidates, max);
  }
}
