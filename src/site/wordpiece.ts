/**
 * The query side of an inference-free model without its tokenizer.json: a BERT WordPiece
 * tokenizer (BertNormalizer, BertPreTokenizer, WordPiece) whose vocabulary and static weights are
 * split into small shards, loaded as a query's words need them. It gives exactly the ids of
 * @huggingface/tokenizers with `add_special_tokens: false` (src/model/tokenizer.ts contentIds),
 * quirks included (a test compares them on a large set of inputs, Unicode included), so a query
 * vector here equals SparseEncoder.encodeQuery's.
 *
 * Why shards: a full bert-base-uncased tokenizer.json is ~195 KB gzipped, the vocabulary alone
 * ~107 KB; a query of a few words needs a few hundred entries of it. WordPiece's greedy longest
 * match looks up, at each position of a word, only substrings that start there, so entries are
 * sharded by their first two characters (and whether they continue a word): one position needs
 * at most two shards.
 *
 * No I/O, no DOM, no onnxruntime: the caller passes a function that returns a shard. The files'
 * format (config, shards, sharding key) is wordpiece-format.ts's.
 */

import { shardOf, type WordPieceConfig, type WordPieceShard } from './wordpiece-format.ts';

const PUNCTUATION = '\\p{P}\\u0021-\\u002F\\u003A-\\u0040\\u005B-\\u0060\\u007B-\\u007E';
const WORDS = new RegExp(`[^\\s${PUNCTUATION}]+|[${PUNCTUATION}]`, 'gu');
const CONTROL = /^\p{Cc}|\p{Cf}|\p{Co}|\p{Cs}$/u;
const SPACE = /^\s$/;

/** CJK ideographs (the ranges BERT pads with spaces), tested per UTF-16 unit as the library does. */
function isChinese(cp: number): boolean {
  return (
    (cp >= 0x4e00 && cp <= 0x9fff) ||
    (cp >= 0x3400 && cp <= 0x4dbf) ||
    (cp >= 0x20000 && cp <= 0x2a6df) ||
    (cp >= 0x2a700 && cp <= 0x2b73f) ||
    (cp >= 0x2b740 && cp <= 0x2b81f) ||
    (cp >= 0x2b820 && cp <= 0x2ceaf) ||
    (cp >= 0xf900 && cp <= 0xfaff) ||
    (cp >= 0x2f800 && cp <= 0x2fa1f)
  );
}

function stripAccents(text: string): string {
  return text.normalize('NFD').replace(/\p{Mn}/gu, '');
}

function normalize(config: WordPieceConfig, input: string): string {
  let text = input;
  if (config.removeSpace) text = text.trim().split(/\s+/).join(' ');
  if (config.lowercaseRemoveAccent) text = stripAccents(text.toLowerCase());
  const n = config.normalizer;
  if (!n) return text;
  if (n.clean_text) {
    let out = '';
    for (const ch of text) {
      const unit = ch.charCodeAt(0);
      // As the library: U+0000, U+FFFD and control/format/private/surrogate characters go (tab, LF, CR stay, as spaces).
      if (unit === 0 || unit === 0xfffd || (ch !== '\t' && ch !== '\n' && ch !== '\r' && CONTROL.test(ch))) continue;
      out += SPACE.test(ch) ? ' ' : ch;
    }
    text = out;
  }
  if (n.handle_chinese_chars) {
    let out = '';
    for (let k = 0; k < text.length; k++) {
      const ch = text[k]!;
      out += isChinese(ch.charCodeAt(0)) ? ` ${ch} ` : ch;
    }
    text = out;
  }
  if (n.lowercase) {
    text = text.toLowerCase();
    if (n.strip_accents !== false) text = stripAccents(text);
  } else if (n.strip_accents) text = stripAccents(text);
  return text;
}

export type Added = WordPieceConfig['added'][number];

/** A token of a query: its id, static weight and vocabulary entry. */
export interface Piece {
  id: number;
  weight: number;
  token: string;
}

/** Longest-match split of `text` on added tokens (at each position the longest token starting there). */
function splitAdded(text: string, tokens: readonly Added[]): (string | Added)[] {
  if (tokens.length === 0) return [text];
  const out: (string | Added)[] = [];
  let start = 0;
  let i = 0;
  while (i < text.length) {
    let best: Added | undefined;
    for (const t of tokens)
      if (t.content.length > 0 && text.startsWith(t.content, i) && (!best || t.content.length > best.content.length))
        best = t;
    if (best) {
      if (i > start) out.push(text.slice(start, i));
      out.push(best);
      i += best.content.length;
      start = i;
    } else i++;
  }
  if (start < text.length) out.push(text.slice(start));
  // lstrip / rstrip trim the neighbouring text.
  out.forEach((part, k) => {
    if (typeof part === 'string') return;
    if (part.lstrip && k > 0 && typeof out[k - 1] === 'string') out[k - 1] = (out[k - 1] as string).trimEnd();
    if (part.rstrip && k + 1 < out.length && typeof out[k + 1] === 'string')
      out[k + 1] = (out[k + 1] as string).trimStart();
  });
  return out;
}

/**
 * The words of `text` as the tokenizer sees them before WordPiece splits them: added tokens matched,
 * the rest normalized (BertNormalizer) and pre-tokenized (BertPreTokenizer: whitespace, and each
 * punctuation character a word of its own). The build lists a site's words with this same function,
 * so a query word and a page word compare equal exactly when the tokenizer treats them alike.
 */
export function splitWords(config: WordPieceConfig, text: string): (string | Added)[] {
  const clean = text.isWellFormed() ? text : text.toWellFormed();
  const words: (string | Added)[] = [];
  for (const section of splitAdded(clean, config.added)) {
    if (typeof section !== 'string') {
      words.push(section);
      continue;
    }
    if (section.length === 0) continue;
    const normalized = normalize(config, section);
    if (normalized.length === 0) continue;
    for (const sub of splitAdded(normalized, config.addedNormalized)) {
      if (typeof sub !== 'string') words.push(sub);
      else if (sub.length) words.push(...(sub.trim().match(WORDS) ?? []));
    }
  }
  return words;
}

const PUNCTUATION_WORD = new RegExp(`^[${PUNCTUATION}]$`, 'u');

/** Whether a word of splitWords is one punctuation character (BertPreTokenizer makes each its own word). */
export function isPunctuation(word: string): boolean {
  return PUNCTUATION_WORD.test(word);
}

/**
 * A sharded WordPiece tokenizer. `load(k)` returns shard k (fetched once; the instance keeps it).
 */
export class ShardedWordPiece {
  private readonly shards = new Map<number, Promise<Map<string, Piece>>>();
  private readonly addedWeights = new Map<number, number>();

  constructor(
    readonly config: WordPieceConfig,
    private readonly load: (shard: number) => Promise<WordPieceShard>,
  ) {
    for (const a of [...config.added, ...config.addedNormalized]) this.addedWeights.set(a.id, a.weight);
  }

  /** Shards fetched so far. */
  get loadedShards(): number {
    return this.shards.size;
  }

  private shard(k: number): Promise<Map<string, Piece>> {
    let s = this.shards.get(k);
    if (!s) {
      s = this.load(k).then(
        (shard) => new Map(shard.tokens.map((t, j) => [t, { id: shard.ids[j]!, weight: shard.weights[j]!, token: t }])),
      );
      // A failed fetch is not remembered: the next query asks again.
      s.catch(() => this.shards.delete(k));
      this.shards.set(k, s);
    }
    return s;
  }

  private async lookup(piece: string, body: string, continued: boolean): Promise<Piece | undefined> {
    return (await this.shard(shardOf(body, continued, this.config.shards))).get(piece);
  }

  /** Token ids of `text` without special tokens: contentIds() of the full tokenizer. */
  async ids(text: string): Promise<number[]> {
    return (await this.tokens(text)).map((t) => t.id);
  }

  /** Ids with their static weights. */
  async tokens(text: string): Promise<Piece[]> {
    return (await this.tokensOfWords(splitWords(this.config, text))).flat();
  }

  /** The pieces of each word (as splitWords gives them); an added token is its own piece. */
  tokensOfWords(words: readonly (string | Added)[]): Promise<Piece[][]> {
    // Words are independent: tokenize them concurrently, so their shards load in parallel.
    return Promise.all(
      words.map((w) => (typeof w === 'string' ? this.word(w) : [{ id: w.id, weight: w.weight, token: w.content }])),
    );
  }

  /** The pieces of one word (normalized and pre-tokenized, as splitWords gives it). */
  async word(word: string): Promise<Piece[]> {
    const c = this.config;
    const chars = [...word];
    const unk = () => [{ id: c.unkId, weight: this.addedWeights.get(c.unkId) ?? 0, token: c.unkToken }];
    if (chars.length > c.maxInputCharsPerWord) return unk();
    const out: Piece[] = [];
    let start = 0;
    while (start < chars.length) {
      // Both shards a position can need (one- and two-character keys), fetched together.
      const continued = start > 0;
      const first = chars[start]!;
      const second = chars[start + 1];
      await Promise.all([
        this.shard(shardOf(first, continued, c.shards)),
        second === undefined ? undefined : this.shard(shardOf(first + second, continued, c.shards)),
      ]);
      let found: Piece | undefined;
      let end = chars.length;
      for (; end > start; end--) {
        const body = chars.slice(start, end).join('');
        found = await this.lookup(continued ? c.prefix + body : body, body, continued);
        if (found) break;
      }
      if (!found) return unk();
      out.push(found);
      start = end;
    }
    return out;
  }

  /** The query vector: distinct ids ascending, each with its static weight, weights > 0 only. */
  async encodeQuery(text: string): Promise<{ indices: Uint32Array; values: Float32Array }> {
    const byId = new Map<number, number>();
    for (const t of await this.tokens(text)) byId.set(t.id, t.weight);
    const ids = [...byId.keys()].sort((a, b) => a - b).filter((id) => byId.get(id)! > 0);
    return { indices: Uint32Array.from(ids), values: Float32Array.from(ids, (id) => byId.get(id)!) };
  }
}
