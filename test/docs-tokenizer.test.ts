/**
 * The compact query tokenizer (src/site/wordpiece.ts, what a built site's browser runs) gives the
 * ids of the full tokenizer (@huggingface/tokenizers via TextTokenizer.contentIds) on every input
 * of a large set: real documentation text, every word of it in odd case, accents, CJK, emoji, lone
 * surrogates, control characters, long words, added tokens; and the query vector equals
 * SparseEncoder.encodeQuery's.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SparseEncoder } from '../src/node.ts';
import { TextTokenizer } from '../src/model/tokenizer.ts';
import { ShardedWordPiece } from '../src/site/wordpiece.ts';
import { float32Text, shardVocabulary, type WordPieceConfig } from '../src/site/wordpiece-format.ts';
import { readPassages } from './passages.ts';

const DIR = 'public/models/splade-tiny-en-if/query_0_SparseStaticEmbedding';
const json = JSON.parse(readFileSync(`${DIR}/tokenizer.json`, 'utf8'));
const full = TextTokenizer.fromJson(
  json,
  JSON.parse(readFileSync(`${DIR}/tokenizer_config.json`, 'utf8')),
  'tokenizer.json',
);

function compact(weights: ArrayLike<number>): { tokenizer: ShardedWordPiece; loads: number[] } {
  const vocab = new Map<string, number>(Object.entries(json.model.vocab));
  const shards = shardVocabulary(vocab, weights, '##', 256);
  for (const s of shards) s.weights = s.weights.map(float32Text);
  const config: WordPieceConfig = {
    format: 'splade-web-wordpiece',
    version: 1,
    normalizer: { clean_text: true, handle_chinese_chars: true, lowercase: true, strip_accents: null },
    removeSpace: false,
    lowercaseRemoveAccent: false,
    prefix: '##',
    unkId: 100,
    unkToken: '[UNK]',
    maxInputCharsPerWord: 100,
    added: json.added_tokens.map((a: { content: string; id: number }) => ({
      content: a.content,
      id: a.id,
      weight: float32Text(weights[a.id] ?? 0),
      lstrip: false,
      rstrip: false,
    })),
    addedNormalized: [],
    shards: 256,
  };
  const loads: number[] = [];
  // Through JSON, as the browser gets the shards.
  const wire = shards.map((s) => JSON.stringify(s));
  return { tokenizer: new ShardedWordPiece(config, async (k) => (loads.push(k), JSON.parse(wire[k]!))), loads };
}

function inputs(): string[] {
  const out: string[] = [];
  const texts = [...readPassages('git-doc').passages, ...readPassages('gimp-help-ko').passages];
  for (const t of texts) {
    out.push(t, t.toUpperCase(), t.slice(0, 40));
    for (const w of t.split(/\s+/).slice(0, 60)) out.push(w, `${w}ing`, `un${w}s`);
  }
  const odd = [
    '',
    ' ',
    '\t\n\r',
    'naïve café résumé Ångström',
    'İstanbul ǅemal ß straße',
    'ﬁle ﬂow Ⅻ ①②',
    'e\u0301 a\u0308 o\u0302',
    '日本語のテキスト 中文文本 한국어 텍스트',
    '𠀀𠀁 astral CJK',
    'emoji 😀👍🏽 family 👨‍👩‍👧',
    'lone \ud800 high and \udc00 low',
    'control\u0000chars\u0007here\u200bzero\u200dwidth\ufeffbom',
    'private \ue000 use',
    'replacement \ufffd char',
    'x'.repeat(99),
    'y'.repeat(100),
    'z'.repeat(101),
    `${'ab'.repeat(60)} end`,
    '[CLS] [SEP] [MASK] [PAD] [UNK]',
    'a[SEP]b',
    '[cls] lowercased',
    'git-rebase --onto <newbase> HEAD~3',
    "don't stop-believing; ok?!",
    'über-cool αβγ Ωmega Привет мир',
    'ﾊﾝｶｸ half width',
    '١٢٣ arabic digits ٣',
    '\u00a0nbsp\u2003em\u3000ideographic space',
    'tab\tseparated\u000bvertical',
    'Ǆ ǆ ǅ',
    'ΣΑΣ σας',
    'ﬀ ﬃ ﬄ ligatures',
  ];
  out.push(...odd);
  // Random strings over a mixed alphabet.
  const alphabet = [
    ...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJ0123456789 .,-_#@!?()[]{}éüñçÅØ日本中文한국😀\u0301\u0000\t\n',
  ];
  let seed = 7;
  const rand = () => (seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32;
  for (let k = 0; k < 2000; k++) {
    let s = '';
    const n = 1 + Math.floor(rand() * 30);
    for (let j = 0; j < n; j++) s += alphabet[Math.floor(rand() * alphabet.length)];
    out.push(s);
  }
  return out;
}

describe('compact query tokenizer', () => {
  it('equals the full tokenizer on a large set of inputs, Unicode included', async () => {
    const { tokenizer } = compact(new Float32Array(30522));
    const all = inputs();
    expect(all.length).toBeGreaterThan(5000);
    const mismatches: string[] = [];
    for (const text of all) {
      const a = await tokenizer.ids(text);
      const b = full.contentIds(text);
      if (JSON.stringify(a) !== JSON.stringify(b)) mismatches.push(JSON.stringify(text));
    }
    expect(mismatches.slice(0, 10)).toEqual([]);
  });

  it('gives SparseEncoder.encodeQuery vectors, loading only a few shards per query', async () => {
    const encoder = await SparseEncoder.fromPretrained('./public/models/splade-tiny-en-if', { queryOnly: true });
    const route = encoder.spec.query;
    if (route.kind !== 'static') throw new Error('the bundled model is inference-free');
    for (const q of [
      'rebase a branch onto another',
      'How do I undo the last commit?',
      'Übersetzung naïve 日本',
      'stash pop conflict',
    ]) {
      const { tokenizer, loads } = compact(route.weights);
      const a = await tokenizer.encodeQuery(q);
      const b = await encoder.encodeQuery(q);
      expect(Array.from(a.indices)).toEqual(Array.from(b.indices));
      expect(Array.from(a.values)).toEqual(Array.from(b.values));
      expect(new Set(loads).size).toBeLessThan(20);
    }
    await encoder.dispose();
  });
});
