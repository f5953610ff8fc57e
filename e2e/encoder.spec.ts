/**
 * The encoder in a real Chromium against PyTorch golden outputs: both models, WebGPU (WGSL pooling
 * on ORT's device, SwiftShader here) and WASM, the worker, the long-document windows and Korean.
 */
import { readFileSync } from 'node:fs';
import { expect, test } from '@playwright/test';
import { expectMatchesGolden, loadGolden, MODELS, type PlainVector } from './support/golden.ts';
import { openHarness } from './support/page.ts';

for (const model of MODELS) {
  for (const device of ['webgpu', 'wasm'] as const) {
    test(`${model} on ${device} matches the PyTorch golden outputs`, async ({ page }) => {
      // WebGPU here is SwiftShader: correct, but seconds per window.
      test.setTimeout(device === 'webgpu' ? 900_000 : 180_000);
      const golden = loadGolden(model);
      await openHarness(page);
      const result = await page.evaluate(
        async ({ model, device, cases }) => {
          const { SparseEncoder } = (window as any).splade;
          const enc = await SparseEncoder.fromPretrained(`/models/${model}`, { device });
          const plain = (v: any) => ({
            indices: Array.from(v.indices),
            values: Array.from(v.values),
            ...(v.positions ? { positions: Array.from(v.positions) } : {}),
          });
          const docs = cases.filter((c: any) => c.route === 'document');
          const queries = cases.filter((c: any) => c.route === 'query');
          const docVectors = await enc.encodeDocument(
            docs.map((c: any) => c.text),
            { positions: true, batchSize: 8 },
          );
          const stats = enc.lastStats;
          const queryVectors = await enc.encodeQuery(queries.map((c: any) => c.text));
          const windows = await Promise.all(cases.map((c: any) => enc.windows(c.text, c.route)));
          const out: Record<string, unknown> = {};
          docs.forEach((c: any, k: number) => (out[c.name] = plain(docVectors[k])));
          queries.forEach((c: any, k: number) => (out[c.name] = plain(queryVectors[k])));
          const usedDevice = enc.device;
          await enc.dispose();
          return { out, windows, stats, usedDevice };
        },
        { model, device, cases: golden.cases },
      );
      expect(result.usedDevice).toBe(device);
      let maxDiff = 0;
      let positions = 0;
      let tiedElsewhere = 0;
      golden.cases.forEach((c, k) => {
        expect(result.windows[k], `token ids of "${c.name}"`).toEqual(c.windows);
        // Every position must equal PyTorch's argmax, except at an entry the golden file lists as a
        // near-tie, which may go to one of its listed positions.
        const r = expectMatchesGolden(result.out[c.name] as PlainVector, c, `${model}/${device}`, { positions: true });
        maxDiff = Math.max(maxDiff, r.maxDiff);
        positions += r.positions;
        tiedElsewhere += r.tiedElsewhere;
      });
      expect(positions).toBe(golden.cases.reduce((n, c) => n + (c.positions?.length ?? 0), 0));
      console.log(
        `${model} on ${device}: max |value - golden| = ${maxDiff.toExponential(2)}; ${positions} positions, ${tiedElsewhere} at another listed near-tie`,
      );
      if (device === 'webgpu') {
        // Only the sparse result came back from the GPU.
        expect(result.stats.readbackBytes * 100).toBeLessThan(result.stats.logitsBytes);
      }
    });
  }
}

test('WorkerSparseEncoder runs off the main thread and returns the golden vectors', async ({ page }) => {
  const golden = loadGolden('splade-tiny-ko');
  await openHarness(page);
  const result = await page.evaluate(async (cases) => {
    const { WorkerSparseEncoder } = (window as any).splade;
    const longTasks: number[] = [];
    new PerformanceObserver((list) => list.getEntries().forEach((e) => longTasks.push(e.duration))).observe({
      type: 'longtask',
      buffered: false,
    });
    const enc = await WorkerSparseEncoder.fromPretrained('/models/splade-tiny-ko', { device: 'wasm' });
    const texts = cases.map((c: any) => c.text);
    let ticks = 0;
    const timer = setInterval(() => ticks++, 10);
    const vectors = await enc.encodeDocument(texts, { positions: true });
    // A bigger job, to see the page keep ticking while the worker computes.
    await enc.encodeDocument([texts.join(' ').repeat(20)]);
    clearInterval(timer);
    const out = vectors.map((v: any) => ({
      indices: Array.from(v.indices),
      values: Array.from(v.values),
      positions: Array.from(v.positions),
    }));
    const token = enc.token(cases[0]!.indices[0]);
    await enc.dispose();
    let disposedError = '';
    try {
      await enc.encodeDocument('x');
    } catch (e: any) {
      disposedError = e.code;
    }
    return { out, ticks, longTasks, token, disposedError };
  }, golden.cases);
  golden.cases.forEach((c, k) => expectMatchesGolden(result.out[k] as PlainVector, c, 'worker', { positions: true }));
  expect(result.ticks).toBeGreaterThan(5);
  expect(Math.max(0, ...result.longTasks)).toBeLessThan(250);
  // The worker's token table is the model's: the same piece as tokenizer.json gives for that id.
  const vocab = JSON.parse(readFileSync('public/models/splade-tiny-ko/tokenizer.json', 'utf8')).model.vocab as [
    string,
    number,
  ][];
  expect(result.token).toBe(vocab[golden.cases[0]!.indices[0]!]![0]);
  expect(result.disposedError).toBe('disposed');
});
