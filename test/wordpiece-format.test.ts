/**
 * The sharded WordPiece tokenizer's files (src/site/wordpiece-format.ts): what the writer makes of
 * the bundled model's tokenizer.json reads back and tokenizes like the full tokenizer; the reader
 * refuses a config of another version or format, or one whose shard list does not match, with an
 * 'index-schema' error naming the file and what it accepts; the writer refuses tokenizers the
 * compact one cannot reproduce.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SpladeError } from '../src/errors.ts';
import { TextTokenizer } from '../src/model/tokenizer.ts';
import {
  readWordPieceConfig,
  WORDPIECE_FORMAT,
  WORDPIECE_VERSION,
  writeWordPiece,
  type TokenizerJson,
  type WordPieceShard,
} from '../src/site/wordpiece-format.ts';
import { ShardedWordPiece } from '../src/site/wordpiece.ts';

const DIR = 'public/models/splade-tiny-en-if/query_0_SparseStaticEmbedding';
const tokenizerJson = JSON.parse(readFileSync(`${DIR}/tokenizer.json`, 'utf8')) as TokenizerJson;
const tokenizerConfig = JSON.parse(readFileSync(`${DIR}/tokenizer_config.json`, 'utf8')) as Record<string, unknown>;
const vocabSize = Object.keys(tokenizerJson.model!.vocab!).length;
// Weights that differ per id, so a shard mixing up ids would show.
const weights = Float32Array.from({ length: vocabSize }, (_, id) => (id % 7) / 3);
const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
const SHARDS = 64;

function written() {
  const source = { tokenizer: tokenizerJson, tokenizerConfig, weights, model: 'the-model' };
  return writeWordPiece(source, { shards: SHARDS, hash: sha256 });
}

const parse = (bytes: Uint8Array | undefined): unknown => JSON.parse(new TextDecoder().decode(bytes));

function refusal(value: unknown, file = 'tok/config.abc.json'): SpladeError {
  try {
    readWordPieceConfig(value, file);
  } catch (error) {
    expect(error).toBeInstanceOf(SpladeError);
    return error as SpladeError;
  }
  throw new Error('readWordPieceConfig accepted it');
}

describe('the WordPiece files', () => {
  it('writes a config and a content-hashed file per shard, read back to tokenize as the full tokenizer', async () => {
    const { config: name, files } = written();
    expect(name).toMatch(/^tok\/config\.[0-9a-f]{12}\.json$/);
    expect(files.size).toBe(SHARDS + 1);
    for (const [file, bytes] of files) expect(file.slice(-17, -5)).toBe(sha256(bytes).slice(0, 12));
    const config = readWordPieceConfig(parse(files.get(name)), name);
    expect(config.format).toBe(WORDPIECE_FORMAT);
    expect(config.version).toBe(WORDPIECE_VERSION);
    expect(config.files).toHaveLength(SHARDS);
    const tokenizer = new ShardedWordPiece(config, async (k) => parse(files.get(config.files![k]!)) as WordPieceShard);
    const full = TextTokenizer.fromJson(tokenizerJson, tokenizerConfig, 'tokenizer.json');
    for (const text of ['Rebasing a branch onto another', 'naïve café [SEP] x', 'git-rev-parse --short HEAD~3']) {
      expect(await tokenizer.ids(text)).toEqual(full.contentIds(text));
    }
    const pieces = await tokenizer.tokens('rebase');
    // Written as the shortest text that reads back as the same float32.
    for (const p of pieces) expect(Math.fround(p.weight)).toBe(weights[p.id]);
  });

  it('is the same bytes for the same input (content hashes stay stable across builds)', () => {
    const a = written();
    const b = written();
    expect(a.config).toBe(b.config);
    expect([...a.files.keys()]).toEqual([...b.files.keys()]);
  });

  it('refuses a tokenizer the compact one cannot reproduce', () => {
    const bpe = { ...tokenizerJson, model: { ...tokenizerJson.model, type: 'BPE' } };
    const options = { shards: 4, hash: sha256 };
    const write = () => writeWordPiece({ tokenizer: bpe, tokenizerConfig, weights, model: 'm' }, options);
    expect(write).toThrow(SpladeError);
    expect(write).toThrow(/tokenizer of m is BertNormalizer \+ BertPreTokenizer \+ BPE; .*supports BertNormalizer/);
    const none = () => writeWordPiece({ tokenizer: undefined, tokenizerConfig, weights, model: 'm' }, options);
    expect(none).toThrow(/no normalizer \+ \? \+ \?/);
  });
});

describe('reading a config', () => {
  const good = () => parse(written().files.get(written().config)) as Record<string, unknown>;

  it('refuses another version, naming the file, the version found and the version read', () => {
    const error = refusal({ ...good(), version: 2 }, 'site/tok/config.123.json');
    expect(error.code).toBe('index-schema');
    expect(error.file).toBe('site/tok/config.123.json');
    expect(error.message).toContain('site/tok/config.123.json');
    expect(error.message).toContain('version 2');
    expect(error.message).toContain(`reads version ${WORDPIECE_VERSION} only`);
    expect(error.message).toContain('npx splade-web build');
    const missing = good();
    delete missing['version'];
    expect(refusal(missing).message).toContain('version null');
    expect(refusal({ ...good(), version: '1' }).message).toContain('version "1"');
  });

  it('refuses what is not a WordPiece config', () => {
    for (const value of [null, 'text', [], { ...good(), format: 'splade-web-site' }]) {
      const error = refusal(value);
      expect(error.code).toBe('index-schema');
      expect(error.message).toMatch(/tok\/config\.abc\.json is not a splade-web-wordpiece tokenizer config/);
    }
  });

  it('refuses a shard count or shard list that do not match', () => {
    expect(refusal({ ...good(), shards: 0 }).message).toMatch(/has shards 0; accepted: a whole number >= 1/);
    expect(refusal({ ...good(), shards: 2.5 }).message).toMatch(/has shards 2.5/);
    const files = good()['files'] as string[];
    const short = refusal({ ...good(), files: files.slice(1) });
    expect(short.message).toMatch(/names 63 shard files; accepted: one name per shard \(64\)/);
    const without = good();
    delete without['files'];
    expect(refusal(without).message).toMatch(/names no shard files/);
  });
});
