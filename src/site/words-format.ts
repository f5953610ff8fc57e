/**
 * The site's word list, as `splade-web build` writes it and a built site's query runtime reads it:
 * every word the pages hold (split and normalized by the query tokenizer, src/site/wordpiece.ts
 * splitWords), with the number of sections holding it, sorted, and cut into small content-hashed
 * shards by word range. The runtime reads it to complete a partial last word from words that exist
 * (search as you type) and to tell a query word that no page holds (with the nearest words that
 * do). A query fetches only the shards of its own words' ranges.
 *
 * One config (`words/config.<hash>.json`, WordsConfig: each shard's first word and file) and the
 * shards (`words/<k>.<hash>.json`, WordsShard). This module owns the format: its version, the writer
 * (pure: it takes the content hash as a function and returns bytes) and the reader's checks.
 */
import { SpladeError } from '../errors.ts';

export const WORDS_FORMAT = 'splade-web-words';
/** The version this code writes and the only one it reads; bump it when a field changes meaning. */
export const WORDS_VERSION = 1;

export interface WordsConfig {
  format: typeof WORDS_FORMAT;
  version: typeof WORDS_VERSION;
  /** Words in all shards. */
  words: number;
  /**
   * Shard k holds the words from `first[k]` (its first word) up to, not including, `first[k + 1]`,
   * in JavaScript string order (UTF-16 code units).
   */
  first: string[];
  /** Shard k's file, relative to the index folder. */
  files: string[];
  /** The most shards a prefix's completions are read from; a prefix spanning more has `top` words. */
  prefixShards: number;
  /**
   * The most frequent words (most sections first, with their counts) of each prefix whose words
   * span more than `prefixShards` shards: short prefixes (`c`, `co`) complete from here, with no
   * shard read, and a longer one reads at most `prefixShards` shards.
   */
  top: Record<string, [word: string, sections: number][]>;
}

/** One shard: words in order, each with the number of sections that hold it. */
export interface WordsShard {
  words: string[];
  sections: number[];
}

/** A word the build found, with the number of sections that hold it. */
export interface SiteWord {
  word: string;
  sections: number;
}

export interface WordsWriteOptions {
  /** A shard is cut once its JSON reaches this many bytes (the last one may be smaller). */
  shardBytes: number;
  /** The most shards a prefix's completions may be read from (wider prefixes get `top` words). */
  prefixShards: number;
  /** Words kept per prefix in the config's `top`. */
  topPerPrefix: number;
  /** Hex content hash of a file's bytes; file names carry its first 12 digits. */
  hash: (bytes: Uint8Array) => string;
}

/** JavaScript string order (UTF-16 code units): what the reader's binary searches assume. */
export function compareWords(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Above every word that starts with a prefix `p`: all of them sort below `p + END`. */
export const END = '\uffff';

/** The index of the first word of `sorted` that is not below `word`. */
export function lowerBound(sorted: readonly string[], word: string): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (compareWords(sorted[mid]!, word) < 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The shard whose range holds `word` (shard k: from first[k] up to first[k + 1]). */
export function shardOfWord(first: readonly string[], word: string): number {
  return Math.max(0, lowerBound(first, word + '\u0000') - 1);
}

/** The shards whose ranges may hold words starting with `prefix`, in order (what a reader reads). */
export function shardsOfPrefix(first: readonly string[], prefix: string): number[] {
  const from = shardOfWord(first, prefix);
  const to = shardOfWord(first, prefix + END);
  return Array.from({ length: to - from + 1 }, (_, k) => from + k);
}

/**
 * The files of a word list: `config` is the config's name (the site entry's `words`), `files`
 * every file by name (relative to the index folder), config included.
 */
export function writeWords(
  list: readonly SiteWord[],
  options: WordsWriteOptions,
): { config: string; files: Map<string, Uint8Array> } {
  const sorted = [...list].sort((a, b) => compareWords(a.word, b.word));
  for (let k = 1; k < sorted.length; k++)
    if (sorted[k]!.word === sorted[k - 1]!.word)
      throw new SpladeError('invalid-input', `the word list holds "${sorted[k]!.word}" twice; each word once`);
  const shards: WordsShard[] = [];
  let current: WordsShard = { words: [], sections: [] };
  let bytes = 0;
  for (const { word, sections } of sorted) {
    current.words.push(word);
    current.sections.push(sections);
    // The entry's share of the JSON: quotes, comma, the count and its comma.
    bytes += new TextEncoder().encode(word).length + String(sections).length + 4;
    if (bytes >= options.shardBytes) {
      shards.push(current);
      current = { words: [], sections: [] };
      bytes = 0;
    }
  }
  if (current.words.length > 0 || shards.length === 0) shards.push(current);
  const files = new Map<string, Uint8Array>();
  const names = shards.map((s, k) => {
    const data = json(s);
    const name = `words/${k}.${options.hash(data).slice(0, 12)}.json`;
    files.set(name, data);
    return name;
  });
  const first = shards.map((s) => s.words[0] ?? '');
  const top = widePrefixes(shards, first, options.prefixShards, options.topPerPrefix);
  const config: WordsConfig = {
    format: WORDS_FORMAT,
    version: WORDS_VERSION,
    words: sorted.length,
    first,
    files: names,
    prefixShards: options.prefixShards,
    top,
  };
  const configBytes = json(config);
  const name = `words/config.${options.hash(configBytes).slice(0, 12)}.json`;
  files.set(name, configBytes);
  return { config: name, files };
}

/**
 * The top words of every prefix whose range spans more than `most` shards as a reader counts them
 * (shardsOfPrefix): prefixes of one code point, then of two within those, and so on.
 */
function widePrefixes(
  shards: readonly WordsShard[],
  first: readonly string[],
  most: number,
  keep: number,
): WordsConfig['top'] {
  const top: WordsConfig['top'] = {};
  const all = shards.flatMap((s) => s.words.map((word, j) => ({ word, sections: s.sections[j]! })));
  let groups = [all];
  for (let length = 1; groups.length > 0; length++) {
    const next: (typeof all)[] = [];
    for (const group of groups) {
      const byPrefix = new Map<string, typeof all>();
      for (const w of group) {
        const cps = [...w.word];
        if (cps.length < length) continue; // a word shorter than the prefix is found by its own shard
        const prefix = cps.slice(0, length).join('');
        const list = byPrefix.get(prefix);
        if (list) list.push(w);
        else byPrefix.set(prefix, [w]);
      }
      for (const [prefix, words] of byPrefix) {
        if (shardsOfPrefix(first, prefix).length <= most) continue;
        top[prefix] = [...words]
          .sort((a, b) => b.sections - a.sections || compareWords(a.word, b.word))
          .slice(0, keep)
          .map((w) => [w.word, w.sections]);
        next.push(words);
      }
    }
    groups = next;
  }
  return top;
}

/**
 * A parsed config file, checked: format, version (WORDS_VERSION only: another version's fields may
 * mean something else), one first word and one file per shard. `file` names it in errors.
 */
export function readWordsConfig(value: unknown, file: string): WordsConfig {
  const c = value as Partial<Record<keyof WordsConfig, unknown>> | null;
  const invalid = (what: string) =>
    new SpladeError(
      'index-schema',
      `${file} ${what}; rebuild the site with this version of splade-web (npx splade-web build)`,
      { file },
    );
  if (typeof c !== 'object' || c === null || c.format !== WORDS_FORMAT) {
    const found = typeof c === 'object' && c !== null ? JSON.stringify(c.format ?? null) : typeof c;
    throw invalid(`is not a ${WORDS_FORMAT} word list (format ${found})`);
  }
  if (c.version !== WORDS_VERSION) {
    throw invalid(
      `is a ${WORDS_FORMAT} list of version ${JSON.stringify(c.version ?? null)}; ` +
        `this splade-web reads version ${WORDS_VERSION} only`,
    );
  }
  const { first, files, top } = c;
  if (!Array.isArray(first) || first.length < 1 || !first.every((w) => typeof w === 'string'))
    throw invalid('has no list of shard first words (first); accepted: one string per shard');
  if (!Array.isArray(files) || files.length !== first.length || !files.every((f) => typeof f === 'string')) {
    const named = Array.isArray(files) ? files.length : 'no';
    throw invalid(`names ${named} shard files for ${first.length} shards; accepted: one name per shard`);
  }
  if (typeof top !== 'object' || top === null || Array.isArray(top))
    throw invalid('has no top words of wide prefixes (top); accepted: an object of word lists');
  const most = c.prefixShards;
  if (typeof most !== 'number' || !Number.isInteger(most) || most < 1)
    throw invalid(`has prefixShards ${JSON.stringify(most ?? null)}; accepted: a whole number >= 1`);
  return c as WordsConfig;
}

/**
 * A parsed shard file, checked: words in order, one section count per word. `file` names it in
 * errors: a shard that does not hold what the config says is a damaged or mixed-up deployment.
 */
export function readWordsShard(value: unknown, file: string): WordsShard {
  const s = value as Partial<Record<keyof WordsShard, unknown>> | null;
  const words = s?.words;
  const sections = s?.sections;
  const ok =
    Array.isArray(words) &&
    Array.isArray(sections) &&
    words.length === sections.length &&
    words.every((w, k) => typeof w === 'string' && (k === 0 || compareWords(words[k - 1] as string, w) < 0)) &&
    sections.every((n) => typeof n === 'number');
  if (!ok)
    throw new SpladeError(
      'index-corrupt',
      `${file} is not a word list shard (words in order, one section count each); rebuild the site (npx splade-web build)`,
      { file },
    );
  return s as WordsShard;
}

function json(value: unknown): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(value));
}
