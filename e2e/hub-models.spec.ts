/**
 * Real SPLADE repository layouts in the browser, by hub id: SparseEncoder.fromPretrained(hubId,
 * { hubUrl }) against the dev server's hub mirror (e2e/support/hub-mirror.ts serves
 * test/fixtures/hub/<owner>/<name>/), on WASM and on WebGPU (SwiftShader). Repos that ship
 * config.json + safetensors and no ONNX get their graph built in the page and run by onnxruntime-web
 * with the weights as external data; repos that ship ONNX (transformers.js, fastembed layouts) are
 * read from the file the reference names, chosen by its `dtype`, with their `.onnx_data` files. Every
 * reference vector (PyTorch) is matched within 1e-4 (or the reference's tolerance), each text alone and
 * the reference's batch together (padding); special ids are zeroed on both sides. An fp16 file on an
 * adapter without shader-f16 (SwiftShader has none) must be refused with a clear error instead.
 *
 * Data-driven over test/fixtures/hub/references/*.json, like test/hub-models.test.ts: a reference
 * that ships no ONNX and whose architecture has no graph builder fails the first test.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { ARCHITECTURES } from '../src/model/graph/architectures.ts';
import { maxDifference } from '../test/support.ts';
import { encodeLosingDevice, openHarness } from './support/page.ts';

interface Reference {
  model: string;
  architecture: string;
  texts: string[];
  vectors: { indices: number[]; values: number[] }[];
  batch: number[];
  dtype?: string;
  load?: Record<string, unknown>;
  onnxFile?: string;
  externalData?: string[];
  tolerance?: { absolute?: number; relative?: number };
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
  .map((f) => JSON.parse(readFileSync(join(REFERENCES_DIR, f), 'utf8')) as Reference & { window?: number })
  // References of long windows (a `window` field, issue 19 §2) are for tests of their own.
  .filter((r) => r.window === undefined);

/** The largest difference a reference allows: absolute, or relative to its largest weight. */
function toleranceOf(ref: Reference): number {
  if (ref.tolerance?.relative !== undefined)
    return ref.tolerance.relative * Math.max(...ref.vectors.flatMap((v) => v.values));
  return ref.tolerance?.absolute ?? TOLERANCE;
}

test('there are references to check', () => {
  expect(references.length).toBeGreaterThan(0);
});

test('every fixture either ships ONNX or has a graph builder for its architecture', () => {
  const unbuilt = references.filter((r) => r.onnxFile === undefined && !(r.architecture in ARCHITECTURES));
  expect(unbuilt.map((r) => `${r.model} (${r.architecture})`)).toEqual([]);
});

for (const device of ['wasm', 'webgpu'] as const) {
  for (const ref of references) {
    const tolerance = toleranceOf(ref);
    const what = ref.onnxFile ? `${ref.onnxFile}, ${ref.dtype ?? 'fp32'}` : ref.architecture;
    const name = `${device}: ${ref.model} (${what}) by hub id equals PyTorch within ${tolerance.toPrecision(2)}, alone and batched`;
    test(name, async ({ page }) => {
      await openHarness(page);
      const result = await page.evaluate(
        async ({ model, texts, batch, device, load }) => {
          const { SparseEncoder } = window.splade;
          const adapter = device === 'webgpu' ? await navigator.gpu.requestAdapter() : null;
          const shaderF16 = adapter?.features.has('shader-f16') ?? false;
          const plain = (v: any): PlainVector => ({
            indices: Array.from(v.indices as Uint32Array),
            values: Array.from(v.values as Float32Array),
          });
          const started = performance.now();
          let encoder;
          try {
            encoder = await SparseEncoder.fromPretrained(model, {
              hubUrl: `${location.origin}/hub`,
              device,
              cache: false,
              ...load,
            });
          } catch (e: any) {
            return { shaderF16, error: { code: String(e.code), message: String(e.message) } };
          }
          const loadMs = performance.now() - started;
          try {
            const route = encoder.spec.document;
            const alone: PlainVector[] = [];
            for (const text of texts) alone.push(plain(await encoder.encodeDocument(text)));
            const together = (await encoder.encodeDocument(batch.map((k: number) => texts[k]))).map(plain);
            return {
              shaderF16,
              error: undefined,
              info: encoder.backendInfo,
              device: encoder.device,
              built: route.built?.architecture,
              tail: route.built?.tail,
              vocab: route.pooling.vocabSize,
              buildMs: route.built?.buildMs,
              loadMs,
              batches: encoder.lastStats.batches,
              specialIds: Array.from(route.tokenizer.specialIds as ArrayLike<number>),
              alone,
              together,
              stats: encoder.lastStats, // of the batched call
            };
          } finally {
            await encoder.dispose();
          }
        },
        {
          model: ref.model,
          texts: ref.texts,
          batch: ref.batch,
          device,
          load: { ...ref.load, ...(ref.dtype ? { dtype: ref.dtype } : {}) },
        },
      );
      const half = ref.dtype === 'fp16' || ref.dtype === 'q4f16';
      if (device === 'webgpu' && half && !result.shaderF16) {
        // SwiftShader has no shader-f16: an fp16 file is refused before any session, saying why.
        expect(result.error?.code).toBe('invalid-option');
        expect(result.error?.message).toMatch(/lacks the 'shader-f16' feature/);
        return;
      }
      if (result.error) throw new Error(`${result.error.code}: ${result.error.message}`);
      const zeroed = new Set(result.specialIds);
      const alone = result.alone.map((v, k) => maxDifference(v, ref.vectors[k]!, zeroed));
      const together = result.together.map((v: PlainVector, j: number) =>
        maxDifference(v, ref.vectors[ref.batch[j]!]!, zeroed),
      );
      console.log(
        `${device} ${ref.model}: load ${result.loadMs.toFixed(0)} ms` +
          (result.buildMs === undefined ? ', ' : ` (graph build ${result.buildMs.toFixed(0)} ms), `) +
          `${result.batches} batch(es), max difference alone ${Math.max(...alone).toExponential(2)}, ` +
          `batched ${Math.max(...together).toExponential(2)}`,
      );
      expect(result.device).toBe(device);
      if (ref.onnxFile) {
        // Read from the repository's ONNX file and its external data, not built.
        expect(result.built).toBeUndefined();
        expect(result.info).toMatchObject({
          dtype: ref.dtype ?? 'fp32',
          modelFile: ref.onnxFile,
          externalDataFiles: ref.externalData ?? [],
          pooling: device === 'wasm' ? 'cpu' : 'gpu', // an ONNX file's logits: read back, or the WGSL pooler
        });
      } else {
        expect(result.built).toBe(ref.architecture); // the graph was built in the page
        // On WASM the built graph pools inside itself (src/model/graph/tail.ts): only [windows, vocab]
        // maxima left onnxruntime, not [windows, tokens, vocab] logits. On WebGPU it ends at the hidden
        // state and the fused head (src/pooling/fused-head.ts) pooled it: no logits existed, and only
        // the compacted non-zeros came back.
        expect(result.tail).toBe(device === 'wasm' ? 'max' : 'hidden');
        expect(result.info.pooling).toBe(device === 'wasm' ? 'graph' : 'fused-head');
        if (device === 'wasm') expect(result.stats.readbackBytes).toBe(result.stats.windows * result.vocab * 4);
        else {
          expect(result.stats.logitsBytes).toBe(0);
          expect(result.stats.readbackBytes).toBeLessThan(result.stats.windows * result.vocab * 4);
        }
      }
      // One padded batch on both: WebGPU plans batches by their padded tokens against its buffer limit, not by
      // max_seq_length (8192 for GTE and PIXIE, which would leave one row per batch).
      expect(result.batches).toBe(1);
      expect(Math.max(...alone)).toBeLessThan(tolerance);
      expect(Math.max(...together)).toBeLessThan(tolerance);
    });
  }
}

/**
 * Built graphs at the other dtypes (graph/dtypes.ts), against the fp32 PyTorch references with the
 * bounds test/hub-models.test.ts measured and explains (largest difference over the largest weight,
 * cosine, top-10 overlap; batched equal to alone). WASM runs all four; WebGPU runs q4, and refuses
 * fp16 / q4f16 without shader-f16 (SwiftShader has none) and q8 (4-bit MatMulNBits only) with a clear
 * error before anything is downloaded.
 */
const DTYPE_BOUNDS = {
  fp16: { relative: 3e-2, cosine: 0.9995, top10: 0.8 },
  q8: { relative: 0.2, cosine: 0.99, top10: 0.8 },
  q4: { relative: 1.2, cosine: 0.75, top10: 0.3 },
  q4f16: { relative: 1.2, cosine: 0.75, top10: 0.3 },
} as const;
type BoundedDtype = keyof typeof DTYPE_BOUNDS;

function agreement(got: PlainVector, want: PlainVector, zeroed: ReadonlySet<number>) {
  const entries = (v: PlainVector) =>
    new Map(v.indices.map((id, k) => [id, v.values[k]!] as const).filter(([id]) => !zeroed.has(id)));
  const [a, b] = [entries(got), entries(want)];
  let worst = 0;
  let dot = 0;
  for (const id of new Set([...a.keys(), ...b.keys()])) {
    const [x, y] = [a.get(id) ?? 0, b.get(id) ?? 0];
    worst = Math.max(worst, Math.abs(x - y));
    dot += x * y;
  }
  const norm = (m: Map<number, number>) => Math.sqrt([...m.values()].reduce((s, x) => s + x * x, 0));
  const top = (m: Map<number, number>) =>
    [...m]
      .sort((p, q) => q[1] - p[1] || p[0] - q[0])
      .slice(0, 10)
      .map(([id]) => id);
  const wanted = new Set(top(b));
  return {
    relative: worst / Math.max(...b.values()),
    cosine: dot / (norm(a) * norm(b)),
    top10: top(a).filter((id) => wanted.has(id)).length / Math.min(10, wanted.size),
  };
}

const builtReferences = references.filter((r) => r.onnxFile === undefined && r.dtype === undefined);
for (const device of ['wasm', 'webgpu'] as const) {
  const dtypes: BoundedDtype[] = device === 'wasm' ? ['fp16', 'q8', 'q4', 'q4f16'] : ['q4'];
  for (const ref of builtReferences) {
    test(`${device}: ${ref.model} built at ${dtypes.join(', ')} is within each dtype's bounds of PyTorch`, async ({
      page,
    }) => {
      await openHarness(page);
      const runs = await page.evaluate(
        async ({ model, texts, batch, device, dtypes }) => {
          const { SparseEncoder } = window.splade;
          const plain = (v: any): PlainVector => ({
            indices: Array.from(v.indices as Uint32Array),
            values: Array.from(v.values as Float32Array),
          });
          const out: {
            dtype: BoundedDtype;
            info: unknown;
            specialIds: number[];
            alone: PlainVector[];
            together: PlainVector[];
          }[] = [];
          for (const dtype of dtypes) {
            const encoder = await SparseEncoder.fromPretrained(model, {
              hubUrl: `${location.origin}/hub`,
              device,
              dtype,
              cache: false,
            });
            try {
              const alone: PlainVector[] = [];
              for (const text of texts) alone.push(plain(await encoder.encodeDocument(text)));
              const together = (await encoder.encodeDocument(batch.map((k: number) => texts[k]))).map(plain);
              const route = encoder.spec.document;
              out.push({
                dtype,
                info: encoder.backendInfo,
                specialIds: Array.from(route.tokenizer.specialIds as ArrayLike<number>),
                alone,
                together,
              });
            } finally {
              await encoder.dispose();
            }
          }
          return out;
        },
        { model: ref.model, texts: ref.texts, batch: ref.batch, device, dtypes },
      );
      for (const run of runs) {
        const bound = DTYPE_BOUNDS[run.dtype];
        expect(run.info).toMatchObject({ device, dtype: run.dtype });
        const zeroed = new Set(run.specialIds);
        const measured = run.alone.map((v, k) => agreement(v, ref.vectors[k]!, zeroed));
        console.log(
          `${device} ${ref.model} ${run.dtype}: worst relative ${Math.max(...measured.map((m) => m.relative)).toExponential(2)}, ` +
            `cosine ${Math.min(...measured.map((m) => m.cosine)).toFixed(4)}, top-10 ${Math.min(...measured.map((m) => m.top10))}`,
        );
        for (const m of measured) {
          expect(m.relative).toBeLessThan(bound.relative);
          expect(m.cosine).toBeGreaterThan(bound.cosine);
          expect(m.top10).toBeGreaterThanOrEqual(bound.top10);
        }
        run.together.forEach((v, j) =>
          expect(maxDifference(v, run.alone[ref.batch[j]!]!, zeroed)).toBeLessThan(
            run.dtype.endsWith('16') ? 1e-2 : 1e-4,
          ),
        );
      }
    });
  }
}

test('webgpu: a built graph at fp16, q4f16 (no shader-f16 here) or q8 is refused naming dtype, device and what runs', async ({
  page,
}) => {
  const ref = builtReferences.find((r) => r.architecture in ARCHITECTURES)!;
  await openHarness(page);
  const outcome = await page.evaluate(async (model) => {
    const { SparseEncoder } = window.splade;
    const adapter = await navigator.gpu.requestAdapter();
    const shaderF16 = adapter?.features.has('shader-f16') ?? false;
    const errors: Record<string, { code: string; message: string } | undefined> = {};
    for (const dtype of ['fp16', 'q4f16', 'q8']) {
      try {
        const encoder = await SparseEncoder.fromPretrained(model, {
          hubUrl: `${location.origin}/hub`,
          device: 'webgpu',
          dtype,
          cache: false,
        });
        await encoder.dispose();
        errors[dtype] = undefined;
      } catch (e: any) {
        errors[dtype] = { code: String(e.code), message: String(e.message) };
      }
    }
    return { shaderF16, errors };
  }, ref.model);
  test.skip(outcome.shaderF16, 'this adapter has shader-f16: fp16 runs here');
  for (const dtype of ['fp16', 'q4f16', 'q8']) {
    const error = outcome.errors[dtype];
    expect(error?.code, dtype).toBe('invalid-option');
    expect(error?.message).toContain(`dtype '${dtype}' cannot run on device 'webgpu'`);
    expect(error?.message).toContain("use dtype 'fp32', 'q4' or 'auto', or device 'wasm'");
    expect(error?.message).toMatch(dtype === 'q8' ? /4-bit weights only/ : /lacks the 'shader-f16' feature/);
  }
});

/**
 * The fused head against the unfused path on the same weights, on WebGPU: each built fixture's graph
 * for WebGPU (the 'hidden' tail, pooled by FusedSpladeHead) and its logits graph (as a graph built for
 * no device in particular ends, pooled by the WGSL GpuPooler) run one padded batch: every reference
 * text as a document of one window, and the longest cut into windows of 24 tokens (a document of
 * several windows of unequal lengths). Vectors, (window, token) positions and what was read back are
 * compared. naver/splade-v3's documents reach 736 non-zeros, more than the 512 a fresh head reserves
 * per document: its first batch takes the compaction's overflow path. Three fixtures, both decoder
 * layouts (BERT's [hidden, vocab] MatMul, ModernBERT's [vocab, hidden] Gemm), as SwiftShader is slow:
 * all five took 7.9 minutes (each is checked through the fused head against PyTorch above).
 */
test('webgpu: the fused head equals the WGSL pooler on the logits of the same weights, padding and overflow included', async ({
  page,
}) => {
  test.setTimeout(600_000);
  await openHarness(page);
  const chosen = ['naver/splade-v3', 'sparse-encoder-testing/splade-xlm-roberta-tiny', 'telepix/PIXIE-Splade-Preview'];
  const models = builtReferences
    .filter((ref) => chosen.includes(ref.model))
    .map((ref) => {
      const raw = JSON.parse(readFileSync(join(REFERENCES_DIR, `${ref.model.replace('/', '__')}.json`), 'utf8')) as {
        input_ids?: number[][];
        ids?: number[][];
      };
      return { model: ref.model, ids: (raw.input_ids ?? raw.ids)! };
    });
  const results = await page.evaluate(async (models) => {
    const at = (path: string) => import(/* @vite-ignore */ path);
    const { openModelSource } = await at('/src/model/source.ts');
    const { loadModelSpec } = await at('/src/model/layout.ts');
    const { webRuntime } = await at('/src/runtime/web.ts');
    const { planBatches, batchInputs } = await at('/src/encode/plan.ts');
    const { INITIAL_CAPACITY } = await at('/src/pooling/gpu.ts');
    const out = [];
    for (const { model, ids } of models) {
      const files = () => openModelSource(model, { hubUrl: `${location.origin}/hub`, cache: false });
      const fusedRoute = (await loadModelSpec(files(), { device: 'webgpu', shaderF16: false })).document;
      const logitsRoute = (await loadModelSpec(files(), {})).document;
      const longest = ids.reduce((a: number[], b: number[]) => (b.length > a.length ? b : a));
      const content = longest.slice(1, -1);
      const windows: number[][] = [];
      for (let k = 0; k < content.length; k += 22)
        windows.push([longest[0]!, ...content.slice(k, k + 22), longest[longest.length - 1]!]);
      const docs = [...ids.map((r: number[]) => [r]), windows];
      const [planned, ...more] = planBatches(docs, 64);
      const vocab = fusedRoute.pooling.vocabSize;
      const batch = {
        ...batchInputs(planned, fusedRoute.tokenizer.padId),
        rows: planned.rows.length,
        tokens: planned.tokens,
        vocab,
        segments: planned.segments,
      };
      const opts = { zeroIds: fusedRoute.tokenizer.specialIds, threshold: 0, positions: true };
      const run = async (route: any) => {
        const backend = await webRuntime.createBackend(route.onnx, route.onnxFile, 'webgpu', {}, route.externalData);
        try {
          const result = await backend.run(batch, route.pooling, opts);
          return { pooling: backend.info.pooling, tail: route.built.tail, ...result };
        } finally {
          await backend.dispose();
        }
      };
      const fused = await run(fusedRoute);
      const unfused = await run(logitsRoute);
      let maxAbs = 0;
      let samePositions = 0;
      let entries = 0;
      let sameIds = true;
      fused.vectors.forEach((v: any, k: number) => {
        const w = unfused.vectors[k];
        const theirs = new Map<number, number>();
        w.indices.forEach((id: number, j: number) => theirs.set(id, j));
        for (let j = 0; j < v.indices.length; j++) {
          const other = theirs.get(v.indices[j]);
          if (other === undefined) {
            maxAbs = Math.max(maxAbs, v.values[j]);
            sameIds = false;
            continue;
          }
          theirs.delete(v.indices[j]);
          maxAbs = Math.max(maxAbs, Math.abs(v.values[j] - w.values[other]));
          entries++;
          if (v.positions[2 * j] === w.positions[2 * other] && v.positions[2 * j + 1] === w.positions[2 * other + 1])
            samePositions++;
        }
        for (const j of theirs.values()) {
          maxAbs = Math.max(maxAbs, w.values[j]);
          sameIds = false;
        }
      });
      out.push({
        model,
        batches: 1 + more.length,
        rows: batch.rows,
        lengths: Array.from(batch.lengths as Int32Array),
        windowsOfLast: windows.length,
        fused: { pooling: fused.pooling, tail: fused.tail, readback: fused.readbackBytes, logits: fused.logitsBytes },
        unfused: { pooling: unfused.pooling, tail: unfused.tail, readback: unfused.readbackBytes },
        mostEntries: Math.max(...fused.vectors.map((v: any) => v.indices.length)),
        capacity: INITIAL_CAPACITY,
        maxAbs,
        sameIds,
        samePositions,
        entries,
      });
    }
    return out;
  }, models);
  for (const r of results) {
    console.log(
      `${r.model}: ${r.rows} rows of ${Math.min(...r.lengths)}-${Math.max(...r.lengths)} tokens, fused vs unfused ` +
        `max difference ${r.maxAbs.toExponential(2)}, positions ${r.samePositions}/${r.entries}, read back ` +
        `${r.fused.readback} vs ${r.unfused.readback} bytes, most non-zeros ${r.mostEntries}`,
    );
    expect(r.batches).toBe(1);
    expect(new Set(r.lengths).size).toBeGreaterThan(1); // padding
    expect(r.windowsOfLast).toBeGreaterThan(1);
    expect(r.fused).toMatchObject({ pooling: 'fused-head', tail: 'hidden', logits: 0 });
    expect(r.unfused).toMatchObject({ pooling: 'gpu', tail: 'logits' });
    expect(r.sameIds).toBe(true);
    expect(r.maxAbs).toBeLessThan(1e-4);
    // A tie between two tokens' float32 logits may fall either way when the sums are ordered differently.
    expect(r.samePositions).toBeGreaterThan(0.99 * r.entries);
  }
  expect(results.find((r) => r.model === 'naver/splade-v3')!.mostEntries).toBeGreaterThan(results[0]!.capacity);
});

test('webgpu: a GPU device lost under the fused head: the batch is redone on WASM through the decoder graph, equal to PyTorch', async ({
  page,
}) => {
  const ref = builtReferences.find((r) => r.model === 'naver/splade-v3')!;
  await openHarness(page);
  const hubUrl = new URL('/hub', page.url()).href; // the page's origin, as location.origin gives it
  const r = await encodeLosingDevice(page, ref.model, { hubUrl, cache: false }, ref.texts);
  expect(r.lostAt).toBeGreaterThan(0);
  expect(r.stats.recovered).toBe(1);
  expect(r.device).toBe('wasm');
  expect([r.before, r.after]).toEqual(['fused-head', 'graph']);
  const zeroed = new Set(r.specialIds);
  r.vectors.forEach((v: PlainVector, k: number) =>
    expect(maxDifference(v, ref.vectors[k]!, zeroed)).toBeLessThan(1e-4),
  );
});
