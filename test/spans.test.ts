/**
 * spans: true on onnxruntime-node, on real passages: every entry's span is the span of the token at
 * its reported (window, token) position, literal marks the text's own ids, and fromPretrained
 * returns the entry's own class.
 */
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SparseEncoder, SpladeError } from '../src/node.ts';
import { attachSpans, NO_SPAN } from '../src/encode/merge.ts';
import { SparseEncoder as BaseEncoder } from '../src/encode/encoder.ts';
import { readPassages } from './passages.ts';

type Vec = Awaited<ReturnType<SparseEncoder['encodeDocument']>> extends (infer V)[] ? V : never;

/** The independent reading: windows and tokens of the text, then the token at (window, token). */
async function checkEntrySpans(
  enc: SparseEncoder,
  text: string,
  v: Vec,
  prompt = '',
): Promise<{ entries: number; special: number; expansion: number }> {
  const windows = await enc.windows(text);
  const { prefix, suffix } = enc.spec.document.tokenizer;
  const withPrompt = enc.spec.document.tokenizer.contentTokens(prompt + text);
  const own = await enc.tokens(text);
  expect(v.spans!.length).toBe(2 * v.indices.length);
  expect(v.literal!.length).toBe(v.indices.length);
  const ownIds = new Set(prompt ? own.ids : withPrompt.ids);
  let special = 0;
  let expansion = 0;
  for (let k = 0; k < v.indices.length; k++) {
    const w = v.positions![2 * k]!;
    const t = v.positions![2 * k + 1]!;
    const s = v.spans![2 * k]!;
    const e = v.spans![2 * k + 1]!;
    const c = t - prefix.length;
    const len = windows[w]!.length - prefix.length - suffix.length;
    if (c < 0 || c >= len) {
      expect([s, e]).toEqual([NO_SPAN, NO_SPAN]);
      special++;
    } else {
      let index = c;
      for (let x = 0; x < w; x++) index += windows[x]!.length - prefix.length - suffix.length;
      expect(windows[w]![t]).toBe(withPrompt.ids[index]);
      const ps = withPrompt.offsets[2 * index]!;
      const pe = withPrompt.offsets[2 * index + 1]!;
      if (pe <= prompt.length && !(prompt.length === 0)) expect([s, e]).toEqual([NO_SPAN, NO_SPAN]);
      else expect([s, e]).toEqual([Math.max(ps, prompt.length) - prompt.length, pe - prompt.length]);
    }
    expect(v.literal![k]).toBe(ownIds.has(v.indices[k]!) ? 1 : 0);
    if (!v.literal![k]) expansion++;
  }
  return { entries: v.indices.length, special, expansion };
}

describe('attachSpans', () => {
  it('maps (window, token) through [prefix] chunk [suffix] windows; specials and prompt tokens have no span', () => {
    // Content tokens 0..4 (token 0 is the prompt's), windows of 2 content tokens: [C t0 t1 S] [C t2 t3 S] [C t4 S].
    const doc = {
      ids: [50, 51, 52, 53, 51],
      offsets: Uint32Array.from([NO_SPAN, NO_SPAN, 0, 4, 5, 9, 10, 14, 15, 19]),
      prefixLength: 1,
      windowLengths: [2, 2, 1],
    };
    const v = {
      indices: Uint32Array.from([50, 51, 52, 60, 61, 62]),
      values: new Float32Array(6),
      positions: Uint32Array.from([0, 1, 2, 1, 0, 2, 1, 2, 0, 0, 2, 2]),
    };
    const out = attachSpans(v, doc);
    expect(Array.from(out.spans!)).toEqual([
      NO_SPAN,
      NO_SPAN,
      15,
      19,
      0,
      4,
      10,
      14,
      NO_SPAN,
      NO_SPAN,
      NO_SPAN,
      NO_SPAN,
    ]);
    // 50 is only the prompt's: not literal; 60..62 are expansions.
    expect(Array.from(out.literal!)).toEqual([0, 1, 1, 0, 0, 0]);
  });
});

for (const model of ['splade-tiny-en-if', 'splade-tiny-ko']) {
  describe(`spans: true, ${model}`, () => {
    let enc: SparseEncoder;
    beforeAll(async () => {
      enc = await SparseEncoder.fromPretrained(`./public/models/${model}`);
    });
    afterAll(() => enc.dispose());

    it('fromPretrained returns the entry class', async () => {
      expect(enc).toBeInstanceOf(SparseEncoder);
      expect(enc).toBeInstanceOf(BaseEncoder);
      // The runtime-agnostic base has no runtime of its own.
      const err = await BaseEncoder.fromPretrained(`./public/models/${model}`).catch((e) => e);
      expect(err).toBeInstanceOf(SpladeError);
      expect(err.message).toMatch(/has no runtime.*"splade-web\/node"/);
    });

    for (const corpus of ['git-doc', 'gimp-help-ko'] as const) {
      it(`names the token at each entry's (window, token) on ${corpus} passages`, async () => {
        // The longest passages (several windows each) and a few short ones; the machine is shared,
        // so a sample: the offsets themselves are checked on every passage in offsets.test.ts.
        const all = readPassages(corpus).passages;
        const byLength = [...all].sort((a, b) => b.length - a.length);
        const texts = [...byLength.slice(0, 16), ...all.slice(0, 8)];
        const vectors = await enc.encodeDocument(texts, { spans: true, positions: true });
        const plain = await enc.encodeDocument(texts.slice(0, 6));
        let entries = 0;
        let multiWindow = 0;
        for (const [d, text] of texts.entries()) {
          const v = vectors[d]!;
          // Asking for spans changes nothing else.
          if (d < plain.length) {
            expect(Array.from(v.indices)).toEqual(Array.from(plain[d]!.indices));
            expect(Array.from(v.values)).toEqual(Array.from(plain[d]!.values));
          }
          entries += (await checkEntrySpans(enc, text, v)).entries;
          if ((await enc.windows(text)).length > 1) multiWindow++;
        }
        expect(entries).toBeGreaterThan(500);
        expect(multiWindow).toBeGreaterThanOrEqual(8); // spans are mapped through several windows
      });
    }

    it('keeps spans aligned under maxActiveDims and leaves positions out unless asked', async () => {
      const text = readPassages('git-doc').passages[3]!;
      const full = await enc.encodeDocument(text, { spans: true });
      expect(full.positions).toBeUndefined();
      const top = await enc.encodeDocument(text, { spans: true, maxActiveDims: 10 });
      expect(top.indices.length).toBe(10);
      for (let k = 0; k < 10; k++) {
        const at = full.indices.indexOf(top.indices[k]!);
        expect([top.spans![2 * k], top.spans![2 * k + 1], top.literal![k]]).toEqual([
          full.spans![2 * at],
          full.spans![2 * at + 1],
          full.literal![at],
        ]);
      }
      const empty = await enc.encodeDocument('   ', { spans: true });
      expect([empty.indices.length, empty.spans!.length, empty.literal!.length]).toEqual([0, 0, 0]);
    });

    it('rejects spans for queries with a SpladeError', async () => {
      const err = await enc.encodeQuery('rebase', { spans: true }).catch((e) => e);
      expect(err).toBeInstanceOf(SpladeError);
      expect(err.code).toBe('invalid-option');
      expect(err.message).toMatch(/spans: true applies to documents/);
    });
  });
}

describe('spans with a document prompt', () => {
  let dir: string;
  let enc: SparseEncoder;
  const prompt = 'passage: ';
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'splade-prompt-'));
    cpSync('public/models/splade-tiny-ko', dir, { recursive: true });
    const cfg = JSON.parse(readFileSync(join(dir, 'config_sentence_transformers.json'), 'utf8'));
    cfg.prompts.document = prompt;
    writeFileSync(join(dir, 'config_sentence_transformers.json'), JSON.stringify(cfg));
    enc = await SparseEncoder.fromPretrained(dir);
  });
  afterAll(() => enc.dispose());

  it('gives offsets into the text, not into prompt + text', async () => {
    const texts = readPassages('gimp-help-ko').passages.slice(0, 10);
    const vectors = await enc.encodeDocument(texts, { spans: true, positions: true });
    let promptSpans = 0;
    for (const [d, text] of texts.entries()) {
      const v = vectors[d]!;
      await checkEntrySpans(enc, text, v, prompt);
      for (let k = 0; k < v.indices.length; k++) {
        if (v.spans![2 * k] === NO_SPAN) promptSpans++;
        else expect(v.spans![2 * k + 1]!).toBeLessThanOrEqual(text.length);
      }
    }
    console.log(`entries whose max came from the prompt or a special token: ${promptSpans}`);
    expect(promptSpans).toBeGreaterThan(0); // the prompt path was exercised
  });
});
