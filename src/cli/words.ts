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

/** Bytes of JSON per word-list shard before gzip (about 2 KB gzipped). */
const WORD_SHARD_BYTES = 8192;
/** Words kept per first character for one-character prefixes (the completions use up to 4). */
const TOP_PER_CHARACTER = 4;

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
  const written = writeWords(list, { shardBytes: WORD_SHARD_BYTES, topPerCharacter: TOP_PER_CHARACTER, hash: sha256 });
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
