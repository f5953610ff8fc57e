/**
 * The demo's search as you type and "no match" (demo/query-words.ts), in Node with the real parts:
 * the bundled inference-free model (SparseEncoder on onnxruntime-node) encodes a few passages into a
 * SparseIndex, whose vocabulary (SparseIndex.terms()) gives the indexed words; queries are encoded
 * as the demo encodes them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeDemoQuery, indexWords, queryWords, type IndexWords } from '../demo/query-words.ts';
import { SparseIndex } from '../src/index/engine/sparse-index.ts';
import { openMemoryStore } from '../src/index/store/memory.ts';
import { SparseEncoder } from '../src/node.ts';

const MODEL = './public/models/splade-tiny-en-if';
const PASSAGES = [
  'Interactive rebase lets you edit, reword and squash commits before you share them.',
  'git cherry-pick applies the change that an existing commit introduced.',
  'Create a branch, rename it, delete it: branches are cheap.',
  'The index holds what the next commit records.',
];

let encoder: SparseEncoder;
let index: SparseIndex;
let words: IndexWords;
const asMap = (v: { indices: Uint32Array; values: Float32Array }) =>
  new Map([...v.indices].map((id, k) => [id, v.values[k]!]));

beforeAll(async () => {
  encoder = await SparseEncoder.fromPretrained(MODEL);
  index = await SparseIndex.openStore(openMemoryStore(), { name: 'demo-words' });
  const vectors = await encoder.encodeDocument(PASSAGES);
  await index.add(PASSAGES.map((text, k) => ({ id: String(k), text, vector: vectors[k]! })));
  words = indexWords(await index.terms(), (id) => encoder.token(id));
}, 120_000);
afterAll(async () => {
  await index?.dispose();
  await encoder?.dispose();
});

describe('the demo’s indexed words', () => {
  it('are the whole-word vocabulary entries with postings, in order, with their documents', () => {
    expect(words.style).toBe('wordpiece');
    const list = words.words.map((w) => w.word);
    expect(list).toEqual([...list].sort());
    for (const w of ['interactive', 'branch', 'commit', 'cherry', 'squash']) expect(list, w).toContain(w);
    // Continuations, special entries and punctuation are not words.
    expect(list.some((w) => w.startsWith('##') || w.startsWith('[') || !/\p{L}|\p{N}/u.test(w))).toBe(false);
    // "rebase" is two entries (re ##base) for this vocabulary: only "re" starts a word.
    expect(list).toContain('re');
    expect(list).not.toContain('rebase');
    const commit = words.words.find((w) => w.word === 'commit')!;
    expect(commit.sections).toBeGreaterThanOrEqual(2);
  });

  it('read a SentencePiece vocabulary by its word-start mark', () => {
    const tokens = ['▁re', 'base', '▁branch', '<s>', '▁'];
    const sp = indexWords(new Map(tokens.map((_, id) => [id, 1])), (id) => tokens[id]!);
    expect(sp.style).toBe('sentencepiece');
    expect(sp.words.map((w) => w.word)).toEqual(['branch', 're']);
    const grouped = queryWords(
      { ids: [0, 1, 2], offsets: Uint32Array.of(0, 2, 2, 6, 7, 13) },
      (id) => tokens[id]!,
      'sentencepiece',
    );
    expect(grouped.map((w) => [w.word, w.ids])).toEqual([
      ['rebase', [0, 1]],
      ['branch', [2]],
    ]);
  });
});

describe('a demo query', () => {
  it('of indexed whole words is the encoder’s own query vector', async () => {
    const q = await encodeDemoQuery('rebase a branch ', encoder, words, { prefix: true });
    expect(q.unmatched).toEqual([]);
    expect(q.prefix).toBeUndefined();
    expect(asMap(q.vector)).toEqual(asMap(await encoder.encodeQuery('rebase a branch ')));
  });

  it('leaves out a made-up word and names it, with the nearest indexed word for a typo', async () => {
    const made = await encodeDemoQuery('zyzzyva branch ', encoder, words, { prefix: true });
    expect(made.unmatched.map((u) => u.word)).toEqual(['zyzzyva']);
    expect(asMap(made.vector)).toEqual(asMap(await encoder.encodeQuery('branch')));
    const alone = await encodeDemoQuery('zyzzyva', encoder, words, { prefix: true });
    expect(alone.vector.indices.length).toBe(0);
    expect(alone.unmatched).toEqual([{ word: 'zyzzyva', suggestions: [], partial: true }]);
    const typo = await encodeDemoQuery('Brnach ', encoder, words, { prefix: true });
    expect(typo.unmatched).toEqual([{ word: 'brnach', suggestions: ['branch'], partial: false }]);
    expect(typo.vector.indices.length).toBe(0);
    // A word the vocabulary splits matches when all its pieces are indexed; its misspelling is
    // reported, with no suggestion (the index holds pieces, not that word).
    expect((await encodeDemoQuery('rebase ', encoder, words, { prefix: true })).unmatched).toEqual([]);
    const split = await encodeDemoQuery('rebsae ', encoder, words, { prefix: true });
    expect(split.unmatched).toEqual([{ word: 'rebsae', suggestions: [], partial: false }]);
  });

  it('completes a partial last word to indexed words, each at its share', async () => {
    const q = await encodeDemoQuery('squash commi', encoder, words, { prefix: true });
    expect(q.prefix?.word).toBe('commi');
    expect(q.prefix?.completions[0]).toBe('commit');
    expect(q.unmatched).toEqual([]);
    const squash = asMap(await encoder.encodeQuery('squash'));
    const got = asMap(q.vector);
    for (const [id, w] of squash) expect(got.get(id)).toBeGreaterThanOrEqual(w);
    const commit = asMap(await encoder.encodeQuery('commit'));
    for (const id of commit.keys()) expect(got.has(id)).toBe(true);
    // Without prefix, the partial word is a whole word: not indexed, so reported.
    const off = await encodeDemoQuery('squash commi', encoder, words, { prefix: false });
    expect(off.prefix).toBeUndefined();
    expect(off.unmatched.map((u) => u.word)).toEqual(['commi']);
    // The start of a word the vocabulary splits (re ##base): no whole word starts with "reba", its
    // pieces (re ##ba) are searched if indexed, else it is reported.
    const reba = await encodeDemoQuery('squash reba', encoder, words, { prefix: true });
    expect(reba.prefix).toBeUndefined();
    const pieces = (await encoder.tokens('reba')).ids.every((id) => words.documents.has(id));
    expect(reba.unmatched.map((u) => u.word)).toEqual(pieces ? [] : ['reba']);
  });
});
