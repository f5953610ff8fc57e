/**
 * Real SPLADE repository layouts in the browser, by hub id: SparseEncoder.fromPretrained(hubId,
 * { hubUrl }) against the dev server's hub mirror (e2e/support/hub-mirror.ts serves
 * test/fixtures/hub/<owner>/<name>/), on WASM and on WebGPU (SwiftShader). These repos ship
 * config.json + safetensors and no ONNX: the graph is built in the page and run by onnxruntime-web
 * with the weights as external data. Every reference vector (PyTorch) is matched within 1e-4, each
 * text alone and the reference's batch together (padding); special ids are zeroed on both sides.
 *
 * Data-driven over test/fixtures/hub/references/*.json, like test/hub-models.test.ts: a reference
 * whose architecture has no graph builder yet is listed as skipped, with the reason in its name.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { ARCHITECTURES } from '../src/model/graph/architectures.ts';
import { openHarness } from './support/page.ts';

interface Reference {
  model: string;
  architecture: string;
  texts: string[];
  vectors: { indices: number[]; values: number[] }[];
  batch: number[];
}

interface PlainVector {
  indices: number[];
  values: number[];
}

const REFERENCES_DIR = 'test/fixtures/hub/references';
const TOLERANCE = 1e-4;
const references: Reference[] = readdirSync(REFERENCES_DIR)
  .filter((f) => f.endsWith('.json'))
  .sort()
  .map((f) => JSON.parse(readFileSync(join(REFERENCES_DIR, f), 'utf8')) as Reference);

function maxDifference(got: PlainVector, want: PlainVector, zeroed: ReadonlySet<number>): number {
  const dense = new Map<number, number>();
  want.indices.forEach((id, k) => {
    if (!zeroed.has(id)) dense.set(id, want.values[k]!);
  });
  let worst = 0;
  got.indices.forEach((id, k) => {
    worst = Math.max(worst, Math.abs(got.values[k]! - (dense.get(id) ?? 0)));
    dense.delete(id);
  });
  for (const value of dense.values()) worst = Math.max(worst, Math.abs(value));
  return worst;
}

test('there are references to check', () => {
  expect(references.length).toBeGreaterThan(0);
});

for (const device of ['wasm', 'webgpu'] as const) {
  for (const ref of references) {
    const registered = ref.architecture in ARCHITECTURES;
    const name = registered
      ? `${device}: ${ref.model} (${ref.architecture}) by hub id equals PyTorch within ${TOLERANCE}, alone and batched`
      : `${device}: ${ref.model}: skipped, no graph builder for ${ref.architecture} yet`;
    test(name, async ({ page }) => {
      test.skip(!registered, `no graph builder for ${ref.architecture} yet`);
      await openHarness(page);
      const result = await page.evaluate(
        async ({ model, texts, batch, device }) => {
          const { SparseEncoder } = window.splade;
          const plain = (v: any): PlainVector => ({
            indices: Array.from(v.indices as Uint32Array),
            values: Array.from(v.values as Float32Array),
          });
          const started = performance.now();
          const encoder = await SparseEncoder.fromPretrained(model, {
            hubUrl: `${location.origin}/hub`,
            device,
            cache: false,
          });
          const loadMs = performance.now() - started;
          try {
            const route = encoder.spec.document;
            const alone: PlainVector[] = [];
            for (const text of texts) alone.push(plain(await encoder.encodeDocument(text)));
            const together = (await encoder.encodeDocument(batch.map((k: number) => texts[k]))).map(plain);
            return {
              device: encoder.device,
              built: route.built?.architecture,
              buildMs: route.built?.buildMs,
              loadMs,
              batches: encoder.lastStats.batches,
              specialIds: Array.from(route.tokenizer.specialIds as ArrayLike<number>),
              alone,
              together,
            };
          } finally {
            await encoder.dispose();
          }
        },
        { model: ref.model, texts: ref.texts, batch: ref.batch, device },
      );
      const zeroed = new Set(result.specialIds);
      const alone = result.alone.map((v, k) => maxDifference(v, ref.vectors[k]!, zeroed));
      const together = result.together.map((v: PlainVector, j: number) =>
        maxDifference(v, ref.vectors[ref.batch[j]!]!, zeroed),
      );
      console.log(
        `${device} ${ref.model}: load ${result.loadMs.toFixed(0)} ms (graph build ${result.buildMs?.toFixed(0)} ms), ` +
          `${result.batches} batch(es), max difference alone ${Math.max(...alone).toExponential(2)}, ` +
          `batched ${Math.max(...together).toExponential(2)}`,
      );
      expect(result.device).toBe(device);
      expect(result.built).toBe(ref.architecture); // the graph was built in the page, not read from an ONNX file
      // One padded batch on both: WebGPU plans batches by their padded tokens against its buffer limit, not by
      // max_seq_length (8192 for GTE and PIXIE, which would leave one row per batch).
      expect(result.batches).toBe(1);
      expect(Math.max(...alone)).toBeLessThan(TOLERANCE);
      expect(Math.max(...together)).toBeLessThan(TOLERANCE);
    });
  }
}
