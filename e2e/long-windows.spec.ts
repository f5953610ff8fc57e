/**
 * Long windows in the browser (issue 19 §2): on WASM and on WebGPU (SwiftShader), a document of
 * ~2 048 tokens encodes in one pass (the window is the longest the device holds, src/encode/window.ts)
 * and equals the PyTorch reference of that one pass; on WASM also one of ~3 000 tokens, both batched
 * with a short text (padding to 2 048), and with `maxTokens: 2048` the longer one is cut into two
 * windows and equals the reference's max over them (PLAN says why WebGPU runs less). References: test/fixtures/hub/long-windows/ (the GTE and
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

/**
 * What each device runs. WASM: everything. WebGPU (SwiftShader, software): the 2 048-token document
 * alone, in one pass: a pass of the ModernBERT fixture there grows with the square of its length
 * (about 2 minutes at 2 048 tokens on 2 cores), so the longer document, the padded batch and the cut
 * are left to WASM and Node (the windows are planned alike on every device).
 */
const PLAN = {
  wasm: { alone: [0, 2], batch: true, cut: true },
  webgpu: { alone: [0], batch: false, cut: false },
} as const;

for (const device of ['wasm', 'webgpu'] as const) {
  const plan = PLAN[device];
  for (const ref of references) {
    const lengths = plan.alone.map((k) => ref.ids[k]!.length).join(' and ');
    const extra = plan.cut ? `; batched with padding; maxTokens ${ref.window} cuts the longer in two` : '';
    test(`${device}: ${ref.model}: ${lengths} tokens in one pass equal PyTorch${extra}`, async ({ page }) => {
      await openHarness(page);
      const result = await page.evaluate(
        async ({ model, texts, batch, device, window: maxTokens, plan }) => {
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
            for (const k of plan.alone) {
              const v = plain(await whole.encodeDocument(texts[k]!));
              onePass.push({ k, v, windows: whole.lastStats.windows });
            }
            const together = plan.batch
              ? (await whole.encodeDocument(batch.map((k: number) => texts[k]!))).map(plain)
              : [];
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
            if (!plan.cut) return { ...out, cut: undefined };
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
        { model: ref.model, texts: ref.texts, batch: ref.batch, device, window: ref.window, plan },
      );
      expect(result.device).toBe(device);
      // Every device here holds a 2 048-token window of these models. WebGPU's fused head has no
      // logits, so the tiny fixtures (2 heads) take all 8192 positions; on WASM the logits inside the
      // graph bind first (512 MiB / (4 × vocab): 4397 tokens at 30522 entries, 2684 at 50000).
      expect(result.windowTokens).toBeGreaterThanOrEqual(2048);
      if (device === 'webgpu') {
        expect(result.pooling).toBe('fused-head');
        expect(result.windowTokens).toBe(8192);
      }
      const zeroed = new Set(result.specialIds);
      for (const { k, v, windows } of result.onePass) {
        if (ref.ids[k]!.length > result.windowTokens) {
          expect(windows).toBe(Math.ceil((ref.ids[k]!.length - 2) / (result.windowTokens - 2)));
          continue;
        }
        expect(windows).toBe(1);
        expect(maxDifference(v, ref.vectors[k]!, zeroed)).toBeLessThan(TOLERANCE);
      }
      if (plan.batch) {
        expect(result.batches).toBe(1);
        result.together.forEach((v: PlainVector, j: number) =>
          expect(maxDifference(v, ref.vectors[ref.batch[j]!]!, zeroed)).toBeLessThan(TOLERANCE),
        );
      }
      if (result.cut) {
        expect(result.cut.windowTokens).toBe(ref.window);
        expect(result.cut.windows).toBe(2);
        expect(maxDifference(result.cut.v, ref.windowed['2']!, zeroed)).toBeLessThan(TOLERANCE);
      }
      console.log(`${device} ${ref.model} (${result.pooling}): window ${result.windowTokens} tokens`);
    });
  }
}
