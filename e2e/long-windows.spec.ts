/**
 * Long windows in the browser (issue 19 §2): on WASM and on WebGPU (SwiftShader), a document of
 * ~2 048 tokens and one of ~3 000 encode in one pass each (the window is the longest the device holds,
 * src/encode/window.ts) and equal the PyTorch reference of that one pass, alone and batched with a
 * short text (padding to 2 048); with `maxTokens: 2048` the longer one is cut into two windows and
 * equals the reference's max over them. References: test/fixtures/hub/long-windows/ (the GTE and
 * ModernBERT fixtures, scripts/hub_fixtures/long_windows.py), loaded by hub id from the dev server's
 * hub mirror.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { maxDifference } from '../test/support.ts';
import { openHarness } from './support/page.ts';

interface PlainVector {
  indices: number[];
  values: number[];
}

interface LongReference {
  model: string;
  texts: string[];
  vectors: PlainVector[];
  batch: number[];
  window: number;
  windowed: Record<string, PlainVector>;
  ids: number[][];
}

const DIR = 'test/fixtures/hub/long-windows';
const TOLERANCE = 1e-4;
const references = readdirSync(DIR)
  .filter((f) => f.endsWith('.json'))
  .sort()
  .map((f) => JSON.parse(readFileSync(join(DIR, f), 'utf8')) as LongReference);

test.describe.configure({ timeout: 600_000 });

for (const device of ['wasm', 'webgpu'] as const) {
  for (const ref of references) {
    test(`${device}: ${ref.model}: ${ref.ids[0]!.length} and ${ref.ids[2]!.length} tokens in one pass each equal PyTorch; maxTokens ${ref.window} cuts the longer in two`, async ({
      page,
    }) => {
      await openHarness(page);
      const result = await page.evaluate(
        async ({ model, texts, batch, device, window: maxTokens }) => {
          const { SparseEncoder } = window.splade;
          const plain = (v: any): PlainVector => ({
            indices: Array.from(v.indices as Uint32Array),
            values: Array.from(v.values as Float32Array),
          });
          const load = (extra: object) =>
            SparseEncoder.fromPretrained(model, { hubUrl: `${location.origin}/hub`, device, cache: false, ...extra });
          const whole = await load({});
          try {
            const onePass = [];
            for (const k of [0, 2]) {
              const v = plain(await whole.encodeDocument(texts[k]!));
              onePass.push({ k, v, windows: whole.lastStats.windows });
            }
            const together = (await whole.encodeDocument(batch.map((k: number) => texts[k]!))).map(plain);
            const out = {
              device: whole.device,
              pooling: whole.backendInfo?.pooling,
              windowTokens: whole.windowTokens,
              specialIds: Array.from(whole.spec.document.tokenizer.specialIds as ArrayLike<number>),
              onePass,
              together,
              batches: whole.lastStats.batches,
            };
            await whole.dispose();
            const cut = await load({ maxTokens });
            try {
              const v = plain(await cut.encodeDocument(texts[2]!));
              return { ...out, cut: { v, windows: cut.lastStats.windows, windowTokens: cut.windowTokens } };
            } finally {
              await cut.dispose();
            }
          } finally {
            await whole.dispose();
          }
        },
        { model: ref.model, texts: ref.texts, batch: ref.batch, device, window: ref.window },
      );
      expect(result.device).toBe(device);
      // Every device here holds a 2 048-token window of these models. WebGPU's fused head has no
      // logits, so the tiny fixtures (2 heads) take all 8192 positions; on WASM the logits inside the
      // graph bind first (512 MiB / (4 × vocab): 4397 tokens at 30522 entries, 2684 at 50000).
      expect(result.windowTokens).toBeGreaterThanOrEqual(2048);
      if (device === 'webgpu') expect(result.windowTokens).toBe(8192);
      const zeroed = new Set(result.specialIds);
      for (const { k, v, windows } of result.onePass) {
        if (ref.ids[k]!.length > result.windowTokens) {
          expect(windows).toBe(Math.ceil((ref.ids[k]!.length - 2) / (result.windowTokens - 2)));
          continue;
        }
        expect(windows).toBe(1);
        expect(maxDifference(v, ref.vectors[k]!, zeroed)).toBeLessThan(TOLERANCE);
      }
      expect(result.batches).toBe(1);
      result.together.forEach((v: PlainVector, j: number) =>
        expect(maxDifference(v, ref.vectors[ref.batch[j]!]!, zeroed)).toBeLessThan(TOLERANCE),
      );
      expect(result.cut.windowTokens).toBe(ref.window);
      expect(result.cut.windows).toBe(2);
      expect(maxDifference(result.cut.v, ref.windowed['2']!, zeroed)).toBeLessThan(TOLERANCE);
      console.log(`${device} ${ref.model} (${result.pooling}): window ${result.windowTokens} tokens`);
    });
  }
}
