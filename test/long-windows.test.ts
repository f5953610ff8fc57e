/**
 * Long windows (issue 19 §2): the window length is a memory decision (src/encode/window.ts), and a
 * document of up to 2 048 tokens encodes in one pass and equals a PyTorch reference of that one pass
 * (test/fixtures/hub/long-windows/, written by scripts/hub_fixtures/long_windows.py for the two seed
 * models' fixtures: GTE and ModernBERT, 8192 positions). With `maxTokens` a longer document is cut
 * into windows of that length, and equals the reference's max over those windows.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { windowPeakBytes, windowTokens, type WindowModel } from '../src/encode/window.ts';
import { SparseEncoder } from '../src/node.ts';
import { CPU_TENSOR_BYTES } from '../src/runtime/types.ts';
import { LocalHub } from './hub-server.ts';
import { maxDifference } from './support.ts';

const DIR = resolve('test/fixtures/hub/long-windows');
const TOLERANCE = 1e-4;
const MiB = 2 ** 20;

interface LongReference {
  model: string;
  architecture: string;
  texts: string[];
  vectors: { indices: number[]; values: number[] }[];
  batch: number[];
  window: number;
  windowed: Record<string, { indices: number[]; values: number[] }>;
  ids: number[][];
}

const references = readdirSync(DIR)
  .filter((f) => f.endsWith('.json'))
  .sort()
  .map((f) => JSON.parse(readFileSync(join(DIR, f), 'utf8')) as LongReference);

const bertBase: WindowModel = { maxSeqLength: 512, attentionHeads: 12, vocab: 30522, logits: true, specialTokens: 2 };
const gteBase: WindowModel = { ...bertBase, maxSeqLength: 8192 };

describe('the window length', () => {
  it("is the model's max_seq_length when its largest tensor fits", () => {
    expect(windowTokens(bertBase, 128 * MiB)).toBe(512);
    expect(windowTokens(gteBase, Infinity)).toBe(8192);
  });

  it('is the longest window whose attention scores and logits fit the limit', () => {
    // WebGPU's default 128 MiB binding: logits bind first (30522 × 4 bytes per token).
    const onDefaultGpu = windowTokens(gteBase, 128 * MiB);
    expect(onDefaultGpu).toBe(Math.floor((128 * MiB) / (4 * 30522)));
    expect(windowPeakBytes(gteBase, onDefaultGpu)).toBeLessThanOrEqual(128 * MiB);
    expect(windowPeakBytes(gteBase, onDefaultGpu + 1)).toBeGreaterThan(128 * MiB);
    // Without logits (the fused head), 12 heads × T² × 4 bytes bind.
    const fused = windowTokens({ ...gteBase, logits: false }, 128 * MiB);
    expect(fused).toBe(Math.floor(Math.sqrt((128 * MiB) / 48)));
    // WASM's budget takes a 2 048-token window of a base model (GTE, and ModernBERT's 50 000 entries).
    expect(windowTokens(gteBase, CPU_TENSOR_BYTES.wasm)).toBeGreaterThanOrEqual(2048);
    expect(windowTokens({ ...gteBase, vocab: 50000 }, CPU_TENSOR_BYTES.wasm)).toBeGreaterThanOrEqual(2048);
  });

  it('never falls below 64 content tokens, however small the limit', () => {
    expect(windowTokens(gteBase, 1024)).toBe(66);
    expect(windowTokens({ ...bertBase, maxSeqLength: 40 }, 1024)).toBe(40);
  });

  it('maxTokens sets it, within what the model takes', () => {
    expect(windowTokens(gteBase, 128 * MiB, 4096)).toBe(4096);
    for (const bad of [2, 8193, 1.5, Number.NaN])
      expect(() => windowTokens(gteBase, 128 * MiB, bad)).toThrow(/maxTokens must be an integer from 3 .* 8192/);
  });
});

describe.each(references.map((r) => [r.model, r] as const))('%s: long windows on onnxruntime-node', (_, ref) => {
  let hub: LocalHub;
  beforeAll(async () => {
    hub = await new LocalHub().start();
  });
  afterAll(() => hub.stop());

  it(`a document of ${ref.ids[0]!.length} tokens in one pass, and one of ${ref.ids[2]!.length}, equal the reference; padding too`, async () => {
    const encoder = await SparseEncoder.fromPretrained(ref.model, { hubUrl: hub.url, cache: false });
    try {
      const route = encoder.spec.document;
      if (route.kind !== 'mlm') throw new Error('expected a model route');
      // On the CPU budget the tiny fixture (2 heads) takes a window past 3 000 tokens.
      expect(encoder.windowTokens).toBeGreaterThanOrEqual(ref.ids[2]!.length);
      expect(await encoder.windows(ref.texts[0]!)).toEqual([ref.ids[0]]);
      const zeroed = new Set(Array.from(route.tokenizer.specialIds));
      for (const k of [0, 2]) {
        const v = await encoder.encodeDocument(ref.texts[k]!);
        expect(encoder.lastStats.windows).toBe(1);
        expect(maxDifference(v, ref.vectors[k]!, zeroed)).toBeLessThan(TOLERANCE);
      }
      const together = await encoder.encodeDocument(ref.batch.map((k) => ref.texts[k]!));
      expect(encoder.lastStats.batches).toBe(1);
      together.forEach((v, j) => expect(maxDifference(v, ref.vectors[ref.batch[j]!]!, zeroed)).toBeLessThan(TOLERANCE));
    } finally {
      await encoder.dispose();
    }
  });

  it(`maxTokens ${ref.window}: the longer document is cut into windows of that length and equals their max`, async () => {
    const encoder = await SparseEncoder.fromPretrained(ref.model, {
      hubUrl: hub.url,
      cache: false,
      maxTokens: ref.window,
    });
    try {
      const route = encoder.spec.document;
      if (route.kind !== 'mlm') throw new Error('expected a model route');
      expect(encoder.windowTokens).toBe(ref.window);
      const windows = await encoder.windows(ref.texts[2]!);
      expect(windows.map((w) => w.length)).toEqual([ref.window, ref.ids[2]!.length - ref.window + 2]);
      const zeroed = new Set(Array.from(route.tokenizer.specialIds));
      const v = await encoder.encodeDocument(ref.texts[2]!);
      expect(encoder.lastStats.windows).toBe(2);
      expect(maxDifference(v, ref.windowed['2']!, zeroed)).toBeLessThan(TOLERANCE);
      // The one-pass vector differs: attention across the border matters, so the test can tell.
      expect(maxDifference(v, ref.vectors[2]!, zeroed)).toBeGreaterThan(10 * TOLERANCE);
    } finally {
      await encoder.dispose();
    }
  });

  it('a maxTokens the model cannot take fails the load and says what is accepted', async () => {
    await expect(
      SparseEncoder.fromPretrained(ref.model, { hubUrl: hub.url, cache: false, maxTokens: 9000 }),
    ).rejects.toMatchObject({
      code: 'invalid-option',
      message: expect.stringMatching(/max_seq_length 8192, got 9000/),
    });
  });
});
