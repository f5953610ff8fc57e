/**
 * Search as you type and "no match" on a built site, in Node: the word list's files
 * (src/site/words-format.ts: sharded by word range, content-hashed, read back with checks), the
 * pure logic (src/site/words.ts: prefix ranges, completions and their shares, edit distance, the
 * nearest words), the build's word list (src/cli/words.ts: split as the query tokenizer splits) and
 * a typed query's vector and report (src/site/query-words.ts) with the bundled model's real
 * tokenizer.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { siteWordList } from '../src/cli/words.ts';
import { SpladeError } from '../src/errors.ts';
import { encodeTypedQuery } from '../src/site/query-words.ts';
import { ShardedWordPiece } from '../src/site/wordpiece.ts';
import {
  readWordPieceConfig,
  writeWordPiece,
  type TokenizerJson,
  type WordPieceShard,
} from '../src/site/wordpiece-format.ts';
import {
  completionShares,
  editDistance,
  maxEdits,
  nearestWords,
  prefixRange,
  shardOfWord,
  shardsOfPrefix,
  SiteWords,
  suggestionStarts,
  topWords,
} from '../src/site/words.ts';
import {
  readWordsConfig,
  readWordsShard,
  WORDS_FORMAT,
  WORDS_VERSION,
  writeWords,
  type SiteWord,
} from '../src/site/words-format.ts';

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
const parse = (bytes: Uint8Array | undefined): unknown => JSON.parse(new TextDecoder().decode(bytes));

const DIR = 'public/models/splade-tiny-en-if/query_0_SparseStaticEmbedding';
const tokenizerJson = JSON.parse(readFileSync(`${DIR}/tokenizer.json`, 'utf8')) as TokenizerJson;
const tokenizerConfig = JSON.parse(readFileSync(`${DIR}/tokenizer_config.json`, 'utf8')) as Record<string, unknown>;
const vocabSize = Object.keys(tokenizerJson.model!.vocab!).length;
// Weights that differ per id (none zero), so a piece at the wrong weight shows.
const weights = Float32Array.from({ length: vocabSize }, (_, id) => ((id % 7) + 1) / 4);

/** The bundled model's query tokenizer, through its written files, as a built site's browser reads it. */
function tokenizer(): ShardedWordPiece {
  const source = { tokenizer: tokenizerJson, tokenizerConfig, weights, model: 'tiny' };
  const { config: name, files } = writeWordPiece(source, { shards: 64, hash: sha256 });
  const config = readWordPieceConfig(parse(files.get(name)), name);
  return new ShardedWordPiece(config, async (k) => parse(files.get(config.files![k]!)) as WordPieceShard);
}

/** A word list written into files and read back through them, with the shards each call loaded. */
function wordList(list: readonly SiteWord[], shardBytes = 64, prefixShards = 2): { words: SiteWords; loads: number[] } {
  const { config: name, files } = writeWords(list, { shardBytes, prefixShards, topPerPrefix: 4, hash: sha256 });
  const config = readWordsConfig(parse(files.get(name)), name);
  const loads: number[] = [];
  const words = new SiteWords(config, async (k) => {
    loads.push(k);
    return readWordsShard(parse(files.get(config.files[k]!)), config.files[k]!);
  });
  return { words, loads };
}

const SITE_TEXTS = [
  'Interactive rebase: git rebase --interactive lets you edit, reword and squash commits.',
  'Rebasing rewrites history; rebase onto another branch. The interactive mode opens an editor.',
  'git cherry-pick applies the change a commit introduced. Cherry-picking many commits at once.',
  'Create a branch with git branch; rename it with git branch -m. Branches are cheap.',
  'The index (staging area) holds what the next commit records. Concurrency is not an issue.',
  'Résumé of the configuration: core.editor sets the editor for commit messages.',
];

function refusal(read: () => unknown): SpladeError {
  try {
    read();
  } catch (error) {
    expect(error).toBeInstanceOf(SpladeError);
    return error as SpladeError;
  }
  throw new Error('it was accepted');
}

describe('edit distance and suggestions', () => {
  it('counts insertions, deletions, substitutions and a swap of neighbours as one edit each', () => {
    expect(editDistance('rebsae', 'rebase', 2)).toBe(1);
    expect(editDistance('rebase', 'rebase', 2)).toBe(0);
    expect(editDistance('rebas', 'rebase', 2)).toBe(1);
    expect(editDistance('rebasee', 'rebase', 2)).toBe(1);
    expect(editDistance('rabase', 'rebase', 2)).toBe(1);
    expect(editDistance('rbsae', 'rebase', 2)).toBe(2);
    // Past the limit: limit + 1, whatever the true distance.
    expect(editDistance('kitten', 'sitting', 2)).toBe(3);
    expect(editDistance('zyzzyva', 'rebase', 2)).toBe(3);
    expect(editDistance('a', 'abcdef', 2)).toBe(3);
    // By code point, not UTF-16 unit.
    expect(editDistance('😀ab', '😀ba', 2)).toBe(1);
    expect(editDistance('커밋', '커믹', 2)).toBe(1);
  });

  it('allows 2 edits from 5 characters, 1 from 3, none below', () => {
    expect([maxEdits('ab'), maxEdits('abc'), maxEdits('abcd'), maxEdits('abcde'), maxEdits('rebsae')]).toEqual([
      0, 1, 1, 2, 2,
    ]);
  });

  it('suggests the nearest words, then those most sections hold', () => {
    const candidates: SiteWord[] = [
      { word: 'rebase', sections: 40 },
      { word: 'rebased', sections: 9 },
      { word: 'rebsa', sections: 30 },
      { word: 'rebsae', sections: 1 },
      { word: 'remote', sections: 50 },
    ];
    // The word itself is never its own suggestion; rebase (1 edit) first; at 2 edits, rebsa (30
    // sections) before rebased (9); remote is 3 edits away.
    expect(nearestWords('rebsae', candidates, 3).map((w) => w.word)).toEqual(['rebase', 'rebsa', 'rebased']);
    expect(nearestWords('rebsae', candidates, 1).map((w) => w.word)).toEqual(['rebase']);
    expect(nearestWords('zyzzyva', candidates, 3)).toEqual([]);
    expect(nearestWords('rb', candidates, 3)).toEqual([]);
    expect(suggestionStarts('rebsae')).toEqual(['re', 'er']);
    expect(suggestionStarts('aa')).toEqual(['aa']);
  });
});

describe('prefix completion', () => {
  const sorted = ['branch', 'branches', 'cherry', 'commit', 'commits', 'concurrency', 'concurrent', 'config'];

  it('finds the range of words that start with a prefix', () => {
    expect(prefixRange(sorted, 'co')).toEqual([3, 8]);
    expect(prefixRange(sorted, 'commit')).toEqual([3, 5]);
    expect(prefixRange(sorted, 'concurr')).toEqual([5, 7]);
    expect(prefixRange(sorted, 'zz')).toEqual([8, 8]);
    expect(prefixRange(sorted, 'a')).toEqual([0, 0]);
  });

  it('finds the shards of a word and of a prefix by their first words', () => {
    const first = ['', 'c', 'co', 'cz', 'm'];
    expect(shardOfWord(first, 'apple')).toBe(0);
    expect(shardOfWord(first, 'c')).toBe(1);
    expect(shardOfWord(first, 'cherry')).toBe(1);
    expect(shardOfWord(first, 'commit')).toBe(2);
    expect(shardOfWord(first, 'zebra')).toBe(4);
    expect(shardsOfPrefix(first, 'co')).toEqual([2]);
    expect(shardsOfPrefix(first, 'c')).toEqual([1, 2, 3]);
    expect(shardsOfPrefix(first, 'b')).toEqual([0]);
  });

  it('ranks completions by the sections that hold them and shares one word’s weight among them', () => {
    const words: SiteWord[] = [
      { word: 'commit', sections: 60 },
      { word: 'commits', sections: 30 },
      { word: 'committer', sections: 10 },
      { word: 'commitish', sections: 0 },
    ];
    expect(topWords(words, 3).map((w) => w.word)).toEqual(['commit', 'commits', 'committer']);
    const shares = completionShares(topWords(words, 3));
    expect(shares).toEqual([0.6, 0.3, 0.1].map((x) => expect.closeTo(x, 12)));
    expect(shares.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    // A word no section counts still gets a share (counted as 1), never 0 or NaN.
    expect(completionShares([{ word: 'x', sections: 0 }])).toEqual([1]);
  });
});

describe('the word list files', () => {
  const list: SiteWord[] = [
    { word: 'rebase', sections: 12 },
    { word: 'branch', sections: 30 },
    { word: 'rebased', sections: 3 },
    { word: 'cherry', sections: 4 },
    { word: 'résumé', sections: 1 },
    { word: 'commit', sections: 50 },
    { word: 'commits', sections: 20 },
    { word: '커밋', sections: 2 },
    { word: 'zebra', sections: 1 },
  ];

  it('writes sorted, range-sharded, content-hashed files that read back with their counts', async () => {
    const { config: name, files } = writeWords(list, {
      shardBytes: 20,
      prefixShards: 2,
      topPerPrefix: 2,
      hash: sha256,
    });
    expect(name).toMatch(/^words\/config\.[0-9a-f]{12}\.json$/);
    for (const [file, bytes] of files) expect(file.slice(-17, -5)).toBe(sha256(bytes).slice(0, 12));
    const config = readWordsConfig(parse(files.get(name)), name);
    expect(config.format).toBe(WORDS_FORMAT);
    expect(config.version).toBe(WORDS_VERSION);
    expect(config.words).toBe(list.length);
    expect(config.files.length).toBeGreaterThan(2);
    expect(config.prefixShards).toBe(2);
    // "c" spans cherry, commit, commits: more than 1 shard, so its top words are in the config.
    const narrow = readWordsConfig(
      parse(
        [...writeWords(list, { shardBytes: 20, prefixShards: 1, topPerPrefix: 2, hash: sha256 }).files].find(([f]) =>
          f.startsWith('words/config.'),
        )![1],
      ),
      'config',
    );
    expect(shardsOfPrefix(narrow.first, 'c').length).toBeGreaterThan(1);
    expect(narrow.top['c']).toEqual([
      ['commit', 50],
      ['commits', 20],
    ]);
    for (const prefix of Object.keys(narrow.top))
      expect(shardsOfPrefix(narrow.first, prefix).length, prefix).toBeGreaterThan(1);
    const all = config.files.flatMap((f) => readWordsShard(parse(files.get(f)), f).words);
    expect(all).toEqual(list.map((w) => w.word).sort());
    config.files.forEach((f, k) => expect(readWordsShard(parse(files.get(f)), f).words[0]).toBe(config.first[k]));
    const { words } = wordList(list, 20);
    for (const w of list) expect(await words.sections(w.word)).toBe(w.sections);
    expect(await words.sections('rebas')).toBe(0);
    expect(await words.sections('zzz')).toBe(0);
    expect(await words.sections('')).toBe(0);
  });

  it('refuses a duplicate word, a config of another format or version, and a shard out of order', () => {
    const options = { shardBytes: 20, prefixShards: 2, topPerPrefix: 2, hash: sha256 };
    expect(refusal(() => writeWords([...list, { word: 'rebase', sections: 1 }], options)).code).toBe('invalid-input');
    const { config: name, files } = writeWords(list, options);
    const config = parse(files.get(name)) as Record<string, unknown>;
    const version = refusal(() => readWordsConfig({ ...config, version: 99 }, 'words/config.x.json'));
    expect(version.code).toBe('index-schema');
    expect(version.file).toBe('words/config.x.json');
    expect(version.message).toContain('version 99');
    expect(version.message).toContain(`reads version ${WORDS_VERSION} only`);
    expect(refusal(() => readWordsConfig({ format: 'other' }, 'f')).message).toContain('is not a splade-web-words');
    expect(refusal(() => readWordsConfig(null, 'f')).code).toBe('index-schema');
    const short = refusal(() => readWordsConfig({ ...config, files: ['one'] }, 'f'));
    expect(short.message).toContain('one name per shard');
    expect(refusal(() => readWordsConfig({ ...config, prefixShards: 0 }, 'f')).message).toContain('prefixShards 0');
    const shard = refusal(() => readWordsShard({ words: ['b', 'a'], sections: [1, 1] }, 'words/0.x.json'));
    expect(shard.code).toBe('index-corrupt');
    expect(shard.file).toBe('words/0.x.json');
    expect(refusal(() => readWordsShard({ words: ['a'], sections: [] }, 'f')).code).toBe('index-corrupt');
  });

  it('completes as a scan of the whole list would, reading at most prefixShards shards', async () => {
    // Every word of the site texts, and every prefix of each: what complete() gives equals the top
    // words of a scan of the whole list; a wide prefix reads no shard, any other at most 2.
    const all = siteWordList(SITE_TEXTS, tokenizer().config);
    const { words, loads } = wordList(all, 40, 2);
    expect(words.config.files.length).toBeGreaterThan(10);
    expect(Object.keys(words.config.top).length).toBeGreaterThan(0);
    for (const prefix of Object.keys(words.config.top))
      expect(shardsOfPrefix(words.config.first, prefix).length, prefix).toBeGreaterThan(2);
    const prefixes = new Set(all.flatMap((w) => [...w.word].map((_, k) => [...w.word].slice(0, k + 1).join(''))));
    for (const prefix of prefixes) {
      loads.length = 0;
      const got = await words.complete(prefix, 4);
      const scan = topWords(
        all.filter((w) => w.word.startsWith(prefix)),
        4,
      );
      expect(got, prefix).toEqual(scan);
      expect(new Set(loads).size, prefix).toBeLessThanOrEqual(prefix in words.config.top ? 0 : 2);
    }
    expect(await words.complete('zz')).toEqual([]);
  });

  it('suggests from the shards of the word’s start, and of its start with two neighbours swapped', async () => {
    const { words } = wordList(list, 20);
    expect((await words.complete('커')).map((w) => w.word)).toEqual(['커밋']);
    expect((await words.nearest('rebsae')).map((w) => w.word)).toEqual(['rebase', 'rebased']);
    expect((await words.nearest('erbase')).map((w) => w.word)).toEqual(['rebase', 'rebased']);
    expect(suggestionStarts('rebsae', 3)).toEqual(['reb', 'erb', 'rbe']);
    // Where two characters span too many shards, the start grows: "comit" is looked for under "com".
    const many = [
      ...list,
      ...['coal', 'coat', 'code', 'coil', 'cold', 'cone', 'copy', 'core'].map((word) => ({ word, sections: 1 })),
    ];
    const wide = wordList(many, 20, 2);
    expect(shardsOfPrefix(wide.words.config.first, 'co').length).toBeGreaterThan(2);
    expect((await wide.words.nearest('comit')).map((w) => w.word)).toEqual(['commit', 'commits']);
  });
});

describe('the build’s word list', () => {
  it('holds the words as the query tokenizer splits them, each with the sections that hold it', () => {
    const config = tokenizer().config;
    const list = new Map(siteWordList(SITE_TEXTS, config).map((w) => [w.word, w.sections]));
    expect(list.get('rebase')).toBe(2);
    expect(list.get('interactive')).toBe(2);
    expect(list.get('commit')).toBe(3);
    expect(list.get('commits')).toBe(2);
    // Lowercased, accents stripped (the uncased tokenizer's normalizer); punctuation is not a word.
    expect(list.get('resume')).toBe(1);
    expect(list.has('Résumé')).toBe(false);
    expect(list.has('-')).toBe(false);
    expect(list.has(':')).toBe(false);
    // "cherry-pick" is three words for the tokenizer: cherry, -, pick.
    expect(list.get('cherry')).toBe(1);
    expect(list.get('pick')).toBe(1);
    expect(list.has('cherry-pick')).toBe(false);
  });
});

describe('a typed query', () => {
  const wordpiece = tokenizer();
  const { words } = wordList(siteWordList(SITE_TEXTS, wordpiece.config), 256);
  const typing = { prefix: true, matchWords: true };
  const asMap = (v: { indices: Uint32Array; values: Float32Array }) =>
    new Map([...v.indices].map((id, k) => [id, v.values[k]!]));

  it('of whole words pages hold is the tokenizer’s query vector, with nothing to report', async () => {
    for (const query of ['interactive rebase ', 'rename a branch.', 'cherry-pick ', 'Résumé ']) {
      const typed = await encodeTypedQuery(query, wordpiece, words, typing);
      expect(asMap(typed.vector), query).toEqual(asMap(await wordpiece.encodeQuery(query)));
      expect(typed.words, query).toEqual({ unmatched: [] });
    }
  });

  it('leaves out a word no page holds and reports it, with the nearest words pages hold', async () => {
    const typed = await encodeTypedQuery('zyzzyva rebase ', wordpiece, words, typing);
    expect(typed.words.unmatched).toEqual([{ word: 'zyzzyva', suggestions: [], partial: false }]);
    expect(asMap(typed.vector)).toEqual(asMap(await wordpiece.encodeQuery('rebase')));
    const alone = await encodeTypedQuery('zyzzyva', wordpiece, words, typing);
    expect(alone.vector.indices.length).toBe(0);
    expect(alone.words.unmatched).toEqual([{ word: 'zyzzyva', suggestions: [], partial: true }]);
    const typo = await encodeTypedQuery('Rebsae the branch ', wordpiece, words, typing);
    expect(typo.words.unmatched).toEqual([{ word: 'rebsae', suggestions: ['rebase'], partial: false }]);
    expect(asMap(typo.vector)).toEqual(asMap(await wordpiece.encodeQuery('the branch')));
    // Reported once, however often it is typed; matchWords: false keeps today's pieces.
    expect((await encodeTypedQuery('zyzzyva zyzzyva ', wordpiece, words, typing)).words.unmatched).toHaveLength(1);
    const kept = await encodeTypedQuery('zyzzyva ', wordpiece, words, { prefix: true, matchWords: false });
    expect(asMap(kept.vector)).toEqual(asMap(await wordpiece.encodeQuery('zyzzyva')));
    expect(kept.words.unmatched).toEqual([]);
  });

  it('completes a partial last word to the words pages hold, sharing one word’s weight', async () => {
    const typed = await encodeTypedQuery('git rebase --interac', wordpiece, words, typing);
    expect(typed.words.prefix).toEqual({ word: 'interac', completions: ['interactive'] });
    expect(asMap(typed.vector)).toEqual(asMap(await wordpiece.encodeQuery('git rebase --interactive')));
    // Two completions: each piece at its share of its weight; the prefix weighs no more than its
    // heaviest completion would as a whole word.
    const commit = await encodeTypedQuery('the comm', wordpiece, words, typing);
    expect(commit.words.prefix?.completions).toEqual(['commit', 'commits']);
    const [one, two] = [await wordpiece.tokens('commit'), await wordpiece.tokens('commits')];
    const shares = completionShares([
      { word: 'commit', sections: 3 },
      { word: 'commits', sections: 2 },
    ]);
    const expected = new Map((await wordpiece.tokens('the')).map((p) => [p.id, p.weight]));
    for (const [k, pieces] of [one!, two!].entries())
      for (const p of pieces) expected.set(p.id, (expected.get(p.id) ?? 0) + shares[k]! * p.weight);
    const got = asMap(commit.vector);
    expect([...got.keys()].sort()).toEqual([...expected.keys()].sort());
    for (const [id, w] of expected) expect(got.get(id)).toBeCloseTo(w, 5);
    const the = new Set((await wordpiece.tokens('the')).map((p) => p.id));
    const prefixTotal = [...got].reduce((n, [id, w]) => n + (the.has(id) ? 0 : w), 0);
    const heaviest = Math.max(...[one!, two!].map((ps) => ps.reduce((n, p) => n + p.weight, 0)));
    expect(prefixTotal).toBeLessThanOrEqual(heaviest + 1e-6);
    // prefix: false: the partial word is WordPiece pieces, as before.
    const off = await encodeTypedQuery('the comm', wordpiece, words, { prefix: false, matchWords: false });
    expect(asMap(off.vector)).toEqual(asMap(await wordpiece.encodeQuery('the comm')));
    expect(off.words).toEqual({ unmatched: [] });
  });

  it('reports a partial last word nothing starts with, and completes nothing after a space', async () => {
    const typed = await encodeTypedQuery('branch rebsa', wordpiece, words, typing);
    expect(typed.words.unmatched).toEqual([{ word: 'rebsa', suggestions: ['rebase'], partial: true }]);
    expect(asMap(typed.vector)).toEqual(asMap(await wordpiece.encodeQuery('branch')));
    // A query ending in a space, or in punctuation, has no partial word.
    expect((await encodeTypedQuery('the comm ', wordpiece, words, typing)).words.unmatched[0]?.word).toBe('comm');
    expect((await encodeTypedQuery('branch.', wordpiece, words, typing)).words.prefix).toBeUndefined();
  });
});
