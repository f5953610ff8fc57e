/**
 * Token offsets (src/model/offsets.ts) against the tokenizer itself, on real passages of both
 * bundled models' languages and on hand-picked hard cases: the ids equal contentIds on every input,
 * and every span is exactly the text of its token.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Tokenizer } from '@huggingface/tokenizers';
import { offsetPipeline, tokenOffsets } from '../src/model/offsets.ts';
import { TextTokenizer } from '../src/model/tokenizer.ts';
import { readPassages } from './passages.ts';
import { mulberry32 } from './support.ts';

const MODELS = {
  'splade-tiny-en-if': 'public/models/splade-tiny-en-if/document_0_MLMTransformer',
  'splade-tiny-ko': 'public/models/splade-tiny-ko',
} as const;

function load(dir: string) {
  const json = JSON.parse(readFileSync(`${dir}/tokenizer.json`, 'utf8'));
  const config = JSON.parse(readFileSync(`${dir}/tokenizer_config.json`, 'utf8'));
  return {
    raw: new Tokenizer(json, config),
    text: TextTokenizer.fromJson(json, config, `${dir}/tokenizer.json`),
    json,
  };
}

const HARD = [
  'A symmetry is Asymmetry; asymmetries',
  'İstanbul: git rebase',
  'Café naïve cafe\u0301 re\u0301sume\u0301 Ångström ÅNGSTRÖM',
  '中文字 and 日本語テキスト and 한국어 텍스트',
  'emoji 👍🏽 family 👨‍👩‍👧 flag 🇰🇷 keycap 1️⃣ end',
  'lone \ud800 high and \udc00 low surrogates\ud83d',
  'control\u0000chars\u0007here\u200bzero\u00adwidth\ufeffbom',
  '  ΟΔΥΣΣΕΑΣ ﬁle ＡＢＣ ㈜ ～ ½ ² x\u00a0y  ',
  '[CLS] literal [SEP] special [UNK] tokens [MASK]',
  '한글 자모 \u1112\u1161\u11ab\u1100\u1173\u11af 조합',
  'tab\tnew\nline\r\ncrlf\u2028ls\u3000ideographic',
  'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa long',
  '',
  '   ',
  'x',
  '▁already▁metaspace ▁ _',
  '\u0301\u0301 leading marks and Z\u0351\u0352\u0353algo',
];

/** What a token's text is once normalized: its vocabulary entry without the word-piece markers. */
function surface(token: string, wordPiece: boolean): string {
  // "#" is punctuation to BertPreTokenizer, so a word-start piece never begins with "##".
  return wordPiece ? token.replace(/^##/, '') : token.replace(/^▁/, '');
}

interface Check {
  tokens: number;
  exact: number;
  shared: number;
  unk: number;
  bad: string[];
}

/**
 * Every token's span, normalized, is its surface. Where one original character gave several
 * normalized ones that tokens divide ("…" -> "...", Hangul jamo under NFD, "㈜" -> "(주)"), the
 * tokens' spans overlap on that character, and the run of overlapping tokens, joined, is the
 * normalized text of their spans' union. An [UNK] spans one whole word; an added token ("[SEP]")
 * its raw text.
 */
function checkSpans(tok: ReturnType<typeof load>, text: string, check: Check): void {
  const { ids, tokens, offsets, approximate } = tokenOffsets(offsetPipeline(tok.raw), text);
  expect(ids, JSON.stringify(text.slice(0, 80))).toEqual(tok.text.contentIds(text));
  expect(tok.text.contentTokens(text).ids).toEqual(ids);
  expect(approximate).toBe(0);
  // Final sigma depends on the letter after it, which a span leaves out.
  const norm = (s: string) =>
    (tok.raw.normalizer ? tok.raw.normalizer(s.toWellFormed()) : s).replace(/^ +| +$/g, '').replaceAll('ς', 'σ');
  const unkId = tok.raw.token_to_id(tok.json.model.unk_token ?? '[UNK]') ?? tok.json.model.unk_id;
  const wordPiece = tok.json.model.type === 'WordPiece';
  const added = new Set<string>((tok.json.added_tokens ?? []).map((t: { content: string }) => t.content));
  for (let k = 0; k < ids.length;) {
    // The run of tokens whose spans overlap (or coincide, or are empty inside the previous one).
    let j = k + 1;
    let e = offsets[2 * k + 1]!;
    while (j < ids.length && (offsets[2 * j]! < e || (offsets[2 * j] === offsets[2 * k] && offsets[2 * j + 1] === e))) {
      e = Math.max(e, offsets[2 * j + 1]!);
      j++;
    }
    const s = offsets[2 * k]!;
    const slice = text.slice(s, e);
    check.tokens += j - k;
    if (j === k + 1 && added.has(tokens[k]!) && slice === tokens[k]) {
      check.exact++;
    } else if (wordPiece && j === k + 1 && ids[k] === unkId) {
      const n = norm(slice);
      if (n.length > 0 && !/\s/.test(n) && e > s) check.unk++;
      else check.bad.push(`[UNK] ${JSON.stringify(slice)}`);
    } else {
      const want = tokens
        .slice(k, j)
        .map((t) => surface(t, wordPiece))
        .join('')
        .replaceAll('ς', 'σ');
      const got = norm(slice);
      if (got === want) j - k === 1 ? check.exact++ : (check.shared += j - k);
      else check.bad.push(`${tokens.slice(k, j).join(' ')} ${JSON.stringify(slice)} -> ${JSON.stringify(got)}`);
    }
    k = j;
  }
  // Spans are in order and inside the text.
  for (let k = 0; k < ids.length; k++) {
    expect(offsets[2 * k]!).toBeLessThanOrEqual(offsets[2 * k + 1]!);
    expect(offsets[2 * k + 1]!).toBeLessThanOrEqual(text.length);
    if (k > 0) expect(offsets[2 * k]!).toBeGreaterThanOrEqual(offsets[2 * k - 2]!);
  }
}

for (const [model, dir] of Object.entries(MODELS)) {
  describe(`token offsets, ${model}`, () => {
    const tok = load(dir);
    it('are exact on hand-picked hard cases', () => {
      const check: Check = { tokens: 0, exact: 0, shared: 0, unk: 0, bad: [] };
      for (const text of HARD) checkSpans(tok, text, check);
      expect(check.bad).toEqual([]);
    });

    for (const corpus of ['git-doc', 'gimp-help-ko'] as const) {
      it(`are exact on ${corpus} passages`, () => {
        const { passages } = readPassages(corpus);
        expect(passages.length).toBeGreaterThanOrEqual(200);
        const check: Check = { tokens: 0, exact: 0, shared: 0, unk: 0, bad: [] };
        for (const p of passages) checkSpans(tok, p, check);
        console.log(
          `${model} on ${corpus}: ${check.tokens} tokens, ${check.exact} exact, ${check.shared} sharing one character's span, ${check.unk} [UNK] words`,
        );
        expect(check.bad).toEqual([]);
      });
    }

    it('give contentIds on random mixtures of the passages and hard cases', () => {
      const rng = mulberry32(17);
      const pool = [
        ...HARD,
        ...readPassages('git-doc').passages.slice(0, 40),
        ...readPassages('gimp-help-ko').passages.slice(0, 40),
      ];
      const check: Check = { tokens: 0, exact: 0, shared: 0, unk: 0, bad: [] };
      for (let n = 0; n < 150; n++) {
        const a = pool[Math.floor(rng() * pool.length)]!;
        const b = pool[Math.floor(rng() * pool.length)]!;
        // Cut anywhere, even inside a surrogate pair or between a letter and its accent.
        const text = a.slice(Math.floor(rng() * a.length)) + b.slice(0, Math.floor(rng() * b.length));
        checkSpans(tok, text, check);
      }
      expect(check.bad).toEqual([]);
    });
  });
}
