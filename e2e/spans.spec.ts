/**
 * Spans and tokens through the worker in a real Chromium (WASM): WorkerSparseEncoder's spans,
 * literal flags, windows() and tokens() equal the in-thread SparseEncoder's, and fromPretrained
 * returns the exported class.
 */
import { expect, test } from '@playwright/test';
import { openHarness } from './support/page.ts';

test('WorkerSparseEncoder reports the same spans, windows and tokens as SparseEncoder', async ({ page }) => {
  await openHarness(page);
  const result = await page.evaluate(async () => {
    const { SparseEncoder, WorkerSparseEncoder } = window.splade;
    const texts = [
      'İstanbul: use git rebase to replay commits. Asymmetry, café and 👍🏽 emoji.',
      'A longer passage. '.repeat(30) + 'The rebase rewrites history; rebasing is an asymmetric operation.',
    ];
    const local = await SparseEncoder.fromPretrained('/models/splade-tiny-en-if', { device: 'wasm' });
    const worker = await WorkerSparseEncoder.fromPretrained('/models/splade-tiny-en-if', { device: 'wasm' });
    const plain = (v: any) => ({
      indices: Array.from(v.indices),
      spans: Array.from(v.spans),
      literal: Array.from(v.literal),
      positions: v.positions ? Array.from(v.positions) : null,
    });
    const a = (await local.encodeDocument(texts, { spans: true })).map(plain);
    const b = (await worker.encodeDocument(texts, { spans: true })).map(plain);
    const tokensLocal = await local.tokens(texts[0]);
    const tokensWorker = await worker.tokens(texts[0]);
    const windowsLocal = await local.windows(texts[1]);
    const windowsWorker = await worker.windows(texts[1]);
    const isClass = local instanceof SparseEncoder;
    // A highlight read off a span is the token's text.
    const rebase = tokensWorker.ids.indexOf(local.spec.document.tokenizer.idOf('use'));
    const rebaseText = texts[0]!.slice(tokensWorker.offsets[2 * rebase], tokensWorker.offsets[2 * rebase + 1]);
    const offsetsAreTyped = tokensWorker.offsets instanceof Uint32Array;
    await local.dispose();
    await worker.dispose();
    return {
      a,
      b,
      tokensLocal: { ids: tokensLocal.ids, offsets: Array.from(tokensLocal.offsets) },
      tokensWorker: { ids: tokensWorker.ids, offsets: Array.from(tokensWorker.offsets) },
      windowsLocal,
      windowsWorker,
      isClass,
      rebaseText,
      offsetsAreTyped,
    };
  });
  expect(result.isClass).toBe(true);
  expect(result.b).toEqual(result.a);
  expect(result.a[0]!.positions).toBeNull();
  expect(result.a[1]!.spans.length).toBe(2 * result.a[1]!.indices.length);
  expect(result.tokensWorker).toEqual(result.tokensLocal);
  expect(result.offsetsAreTyped).toBe(true);
  expect(result.windowsWorker).toEqual(result.windowsLocal);
  expect(result.windowsLocal.length).toBeGreaterThan(1);
  expect(result.rebaseText).toBe('use');
});
