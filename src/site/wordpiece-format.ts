/**
 * The sharded WordPiece query tokenizer's files, as `splade-web build` writes them and a built site
 * (splade.js, `splade-web export`) reads them: one config (`tok/config.<hash>.json`, a
 * WordPieceConfig naming its shards) and `shards` shard files (`tok/<k>.<hash>.json`, WordPieceShard).
 * This module owns the format: its version, the writer (from a model's tokenizer.json) and the
 * reader, which refuses a config of another version rather than tokenizing queries wrongly.
 *
 * No I/O and no node: modules (splade.js bundles the reader): the writer takes the content hash
 * as a function and returns bytes; the caller writes them.
 */
import { SpladeError } from '../errors.ts';

export const WORDPIECE_FORMAT = 'splade-web-wordpiece';
/** The version this code writes and the only one it reads; bump it when a field changes meaning. */
export const WORDPIECE_VERSION = 1;

/** An added token (matched before WordPiece splits words), with its id and static weight. */
export interface WordPieceAdded {
  content: string;
  id: number;
  weight: number;
  lstrip: boolean;
  rstrip: boolean;
}

export interface WordPieceConfig {
  format: typeof WORDPIECE_FORMAT;
  version: typeof WORDPIECE_VERSION;
  /** BertNormalizer options, as tokenizer.json states them. */
  normalizer: {
    clean_text: boolean;
    handle_chinese_chars: boolean;
    lowercase: boolean;
    strip_accents: boolean | null;
  } | null;
  /** tokenizer_config.json flags the library applies before the normalizer. */
  removeSpace: boolean;
  lowercaseRemoveAccent: boolean;
  prefix: string;
  unkId: number;
  unkToken: string;
  maxInputCharsPerWord: number;
  /** Added tokens matched on the raw text (normalized: false), with their ids and weights. */
  added: WordPieceAdded[];
  /** Added tokens matched after normalization (normalized: true). */
  addedNormalized: WordPieceAdded[];
  /** Number of shards; shard k holds the entries whose key hashes to k. */
  shards: number;
  /** Where shard k is, relative to this file's folder (set by the site builder). */
  files?: string[];
}

/** One shard: vocabulary entries (as tokenizer.json spells them), their ids and static weights. */
export interface WordPieceShard {
  tokens: string[];
  ids: number[];
  weights: number[];
}

/** The shard of a vocabulary entry, or of a lookup: `continued` marks a piece after a word's start. */
export function shardOf(body: string, continued: boolean, shards: number): number {
  // Key: the first two code points of the piece (one, for a one-character piece).
  const cps = [...body.slice(0, 4)].slice(0, 2).join('');
  let h = continued ? 0x811c9dc5 ^ 0x23 : 0x811c9dc5;
  for (let k = 0; k < cps.length; k++) h = Math.imul(h ^ cps.charCodeAt(k), 0x01000193);
  return (h >>> 0) % shards;
}

/** Splits a vocabulary into shards (the builder's side). `weights[id]` is the static weight. */
export function shardVocabulary(
  vocab: ReadonlyMap<string, number>,
  weights: ArrayLike<number>,
  prefix: string,
  shards: number,
): WordPieceShard[] {
  const out: WordPieceShard[] = Array.from({ length: shards }, () => ({ tokens: [], ids: [], weights: [] }));
  for (const [token, id] of vocab) {
    const continued = token.startsWith(prefix) && token.length > prefix.length;
    const s = out[shardOf(continued ? token.slice(prefix.length) : token, continued, shards)]!;
    s.tokens.push(token);
    s.ids.push(id);
    s.weights.push(weights[id] ?? 0);
  }
  return out;
}

/** The static weight written so that Math.fround(parse(text)) is exactly the float32 weight. */
export function float32Text(w: number): number {
  for (let p = 1; p <= 9; p++) {
    const v = Number(w.toPrecision(p));
    if (Math.fround(v) === Math.fround(w)) return v;
  }
  return w;
}

/** The part of a Hugging Face tokenizer.json the writer reads. */
export interface TokenizerJson {
  normalizer?: ({ type?: string } & Record<string, unknown>) | null;
  pre_tokenizer?: { type?: string } | null;
  model?: {
    type?: string;
    unk_token?: string;
    continuing_subword_prefix?: string;
    max_input_chars_per_word?: number;
    vocab?: Record<string, number>;
  };
  added_tokens?: { id: number; content: string; normalized?: boolean; lstrip?: boolean; rstrip?: boolean }[];
}

export interface WordPieceSource {
  /** The model's query-side tokenizer.json. */
  tokenizer: TokenizerJson | undefined;
  /** Its tokenizer_config.json ({} when there is none). */
  tokenizerConfig: Record<string, unknown>;
  /** Static query weight of each vocabulary id (SparseStaticEmbedding). */
  weights: ArrayLike<number>;
  /** The model as the user named it, for error messages. */
  model: string;
}

export interface WordPieceWriteOptions {
  /** Number of vocabulary shards (a query of a few words loads a handful). */
  shards: number;
  /** Hex content hash of a file's bytes; file names carry its first 12 digits. */
  hash: (bytes: Uint8Array) => string;
}

/**
 * The tokenizer's files: `config` is the name of the config file (the site entry's
 * `query.tokenizer`), `files` every file by name (relative to the index folder), config included.
 * Refuses (SpladeError 'unsupported-module') a tokenizer other than BertNormalizer (or none) +
 * BertPreTokenizer + WordPiece, which is all the compact tokenizer reproduces.
 */
export function writeWordPiece(
  source: WordPieceSource,
  options: WordPieceWriteOptions,
): { config: string; files: Map<string, Uint8Array> } {
  const t = source.tokenizer;
  const supported =
    t?.model?.type === 'WordPiece' &&
    t.pre_tokenizer?.type === 'BertPreTokenizer' &&
    (t.normalizer == null || t.normalizer.type === 'BertNormalizer');
  if (!t || !supported || !t.model?.vocab) {
    const normalizer = t?.normalizer?.type ?? 'no normalizer';
    const parts = `${normalizer} + ${t?.pre_tokenizer?.type ?? '?'} + ${t?.model?.type ?? '?'}`;
    throw new SpladeError(
      'unsupported-module',
      `the query tokenizer of ${source.model} is ${parts}; ` +
        'the compact query tokenizer supports BertNormalizer + BertPreTokenizer + WordPiece',
    );
  }
  const { weights, tokenizerConfig } = source;
  const weightOf = (id: number) => float32Text(weights[id] ?? 0);
  const prefix = t.model.continuing_subword_prefix ?? '##';
  const vocab = new Map(Object.entries(t.model.vocab));
  for (const a of t.added_tokens ?? []) vocab.set(a.content, a.id);
  const shards = shardVocabulary(vocab, weights, prefix, options.shards);
  for (const s of shards) s.weights = s.ids.map(weightOf);
  const unkToken = t.model.unk_token ?? '[UNK]';
  const added = (t.added_tokens ?? []).map((a) => ({
    content: a.content,
    id: a.id,
    weight: weightOf(a.id),
    lstrip: a.lstrip === true,
    rstrip: a.rstrip === true,
    normalized: a.normalized === true,
  }));
  const n = t.normalizer as (WordPieceConfig['normalizer'] & { type?: string }) | null | undefined;
  const config: WordPieceConfig = {
    format: WORDPIECE_FORMAT,
    version: WORDPIECE_VERSION,
    normalizer: n
      ? {
          clean_text: n.clean_text !== false,
          handle_chinese_chars: n.handle_chinese_chars !== false,
          lowercase: n.lowercase !== false,
          strip_accents: n.strip_accents ?? null,
        }
      : null,
    removeSpace: tokenizerConfig['remove_space'] === true,
    lowercaseRemoveAccent: tokenizerConfig['do_lowercase_and_remove_accent'] === true,
    prefix,
    unkId: vocab.get(unkToken) ?? 0,
    unkToken,
    maxInputCharsPerWord: t.model.max_input_chars_per_word ?? 100,
    // As the library: added tokens marked normalized are matched after the normalizer (when there
    // is one), on their normalized form.
    added: added.filter((a) => !(a.normalized && n)).map(({ normalized: _, ...a }) => a),
    addedNormalized: n ? added.filter((a) => a.normalized).map(({ normalized: _, ...a }) => a) : [],
    shards: options.shards,
  };
  const files = new Map<string, Uint8Array>();
  config.files = shards.map((s, k) => {
    const bytes = json(s);
    const name = `tok/${k}.${options.hash(bytes).slice(0, 12)}.json`;
    files.set(name, bytes);
    return name;
  });
  const configBytes = json(config);
  const name = `tok/config.${options.hash(configBytes).slice(0, 12)}.json`;
  files.set(name, configBytes);
  return { config: name, files };
}

/**
 * A parsed config file, checked: format, version (WORDPIECE_VERSION only: another version's fields
 * may mean something else), and that it names one file per shard. `file` names it in errors.
 */
export function readWordPieceConfig(value: unknown, file: string): WordPieceConfig {
  const c = value as Partial<Record<keyof WordPieceConfig, unknown>> | null;
  const invalid = (what: string) =>
    new SpladeError(
      'index-schema',
      `${file} ${what}; rebuild the site with this version of splade-web (npx splade-web build)`,
      { file },
    );
  if (typeof c !== 'object' || c === null || c.format !== WORDPIECE_FORMAT) {
    const found = typeof c === 'object' && c !== null ? JSON.stringify(c.format ?? null) : typeof c;
    throw invalid(`is not a ${WORDPIECE_FORMAT} tokenizer config (format ${found})`);
  }
  if (c.version !== WORDPIECE_VERSION) {
    throw invalid(
      `is a ${WORDPIECE_FORMAT} config of version ${JSON.stringify(c.version ?? null)}; ` +
        `this splade-web reads version ${WORDPIECE_VERSION} only`,
    );
  }
  const shards = c.shards;
  if (typeof shards !== 'number' || !Number.isInteger(shards) || shards < 1) {
    throw invalid(`has shards ${JSON.stringify(shards ?? null)}; accepted: a whole number >= 1`);
  }
  const files = c.files;
  if (!Array.isArray(files) || files.length !== shards || !files.every((f) => typeof f === 'string')) {
    const named = Array.isArray(files) ? files.length : 'no';
    throw invalid(`names ${named} shard files; accepted: one name per shard (${shards})`);
  }
  return c as WordPieceConfig;
}

function json(value: unknown): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(value));
}
