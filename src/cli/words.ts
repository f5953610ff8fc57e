/**
 * The build's word-list stage (inference-free sites): every word the sections hold, split and
 * normalized exactly as the query tokenizer splits a query (src/site/wordpiece.ts splitWords), with
 * the number of sections that hold it, written as the sharded word list of
 * src/site/words-format.ts. The query runtime completes a partial last word from it and tells a
 * word no page holds.
 */
import { gzipSync } from 'node:zlib';
import { isPunctuation, splitWords } from '../site/wordpiece.ts';
import type { WordPieceConfig } from '../site/wordpiece-format.ts';
import { writeWords, type SiteWord } from '../site/words-format.ts';
import { sha256 } from './content-hash.ts';

/**
 * Bytes of JSON per word-list shard before gzip (about 0.8 KB gzipped), or more so that a big site
 * keeps under MAX_WORD_SHARDS of them (the config lists each shard's first word). On git-doc (10 584
 * words) a cold query fetched a median 5.5 KB of the list with 2 KB shards, 12.9 KB with 8 KB ones
 * (bench/prefix.ts): a query reads a shard per word, so small shards cost least.
 */
const WORD_SHARD_BYTES = 2048;
const MAX_WORD_SHARDS = 256;
/** The most shards a prefix's completions are read from: wider prefixes complete from the config. */
const PREFIX_SHARDS = 3;
/** Words kept per wide prefix in the config (the completions use up to 4). */
const TOP_PER_PREFIX = 4;

/**
 * The words of `texts`, each with the number of texts holding it. Punctuation (a word of its own
 * for the tokenizer) and words longer than the tokenizer reads (it makes them its unknown token)
 * are left out.
 */
export function siteWordList(texts: readonly string[], config: WordPieceConfig): SiteWord[] {
  const sections = new Map<string, number>();
  for (const text of texts) {
    const seen = new Set<string>();
    for (const w of splitWords(config, text)) {
      if (typeof w !== 'string' || isPunctuation(w) || [...w].length > config.maxInputCharsPerWord) continue;
      seen.add(w);
    }
    for (const w of seen) sections.set(w, (sections.get(w) ?? 0) + 1);
  }
  return [...sections].map(([word, n]) => ({ word, sections: n }));
}

/** The word list's files (`config` is the entry's `words`), by name relative to the index folder. */
export function wordListFiles(
  texts: readonly string[],
  config: WordPieceConfig,
): { config: string; files: Map<string, Uint8Array>; words: number } {
  const list = siteWordList(texts, config);
  const bytes = list.reduce((n, w) => n + Buffer.byteLength(w.word) + String(w.sections).length + 4, 0);
  const shardBytes = Math.max(WORD_SHARD_BYTES, Math.ceil(bytes / MAX_WORD_SHARDS));
  const written = writeWords(list, {
    shardBytes,
    prefixShards: PREFIX_SHARDS,
    topPerPrefix: TOP_PER_PREFIX,
    hash: sha256,
  });
  return { ...written, words: list.length };
}

/** What the word list costs: its words, files and bytes, raw and gzipped (what a gzip host sends). */
export function wordListBytes(list: { files: Map<string, Uint8Array>; words: number }): {
  words: number;
  files: number;
  bytes: number;
  gzip: number;
} {
  let bytes = 0;
  let gzip = 0;
  for (const data of list.files.values()) {
    bytes += data.length;
    gzip += gzipSync(data).length;
  }
  return { words: list.words, files: list.files.size, bytes, gzip };
}
