// The 'hidden' tail (src/model/graph/tail.ts): what WebGPU builds for the fused SPLADE head.
// - graphTailFor picks it on WebGPU, a pooling tail on the CPU backends, the logits where the device
//   is unknown; the build cache keys a build by its tail, so a logits graph and a hidden-state graph
//   never share a slot, and a 'hidden' manifest without its decoder file is not served.
// - On the hub fixtures (every architecture): the graph ends at the hidden state, leaves the decoder
//   out (and an untied decoder's bytes with it) and carries it as the head file (F32, or F16 at fp16);
//   run where no fused head is (onnxruntime-node here, as the WASM fallback runs it) the hidden state
//   goes through the head graph and gives the vectors of the 'max' graph of the same weights.
// (Through the fused head on WebGPU: e2e/hub-models.spec.ts.)
import * as ortNode from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { findBuild, keepBuild, parseManifest, type BuildManifest, type BuildStore } from '../src/model/build-cache.ts';
import { batchInputs, largestBatchBuffer, planBatches } from '../src/encode/plan.ts';
import type { ModelDtype } from '../src/model/dtype.ts';
import { buildModelGraph } from '../src/model/graph/architectures.ts';
import { decodeHeadFile, encodeHeadFile } from '../src/model/graph/head-file.ts';
import { graphTailFor, HEAD_FILE, type GraphTail } from '../src/model/graph/tail.ts';
import type { PoolingConfig } from '../src/pooling/config.ts';
import { createOrtBackend } from '../src/runtime/ort.ts';
import type { ModelBatch } from '../src/runtime/types.ts';
import { BUILT_FIXTURES, openHubFixture, referenceTokenIds, relativeDifference } from './support.ts';

describe('graphTailFor', () => {
  const max: PoolingConfig = { strategy: 'max', activation: 'relu', vocabSize: 10 };
  const sum: PoolingConfig = { strategy: 'sum', activation: 'log1p_relu', vocabSize: 10 };
  it('WebGPU ends at the hidden state, the CPU backends pool in the graph, an unknown device keeps the logits', () => {
    expect(graphTailFor('webgpu', max)).toBe('hidden');
    expect(graphTailFor('webgpu', sum)).toBe('hidden');
    expect(graphTailFor('wasm', max)).toBe('max');
    expect(graphTailFor('cpu', sum)).toBe('sum-log1p_relu');
    expect(graphTailFor(undefined, max)).toBe('logits');
  });
});

describe('the build cache and the tail', () => {
  /** A store in memory that records the slots asked for. */
  const memoryStore = () => {
    const kept = new Map<string, { manifest: BuildManifest; onnx: Uint8Array }>();
    const store: BuildStore = {
      kind: 'memory',
      manifest: async (slot) => kept.get(slot)?.manifest,
      load: async (slot, manifest) => {
        const entry = kept.get(slot);
        return entry ? { manifest, onnx: entry.onnx, externalData: [] } : undefined;
      },
      save: async (slot, manifest, onnx) => {
        // What a store reads back goes through parseManifest.
        const parsed = parseManifest(JSON.stringify(manifest));
        if (!parsed) return undefined;
        kept.set(slot, { manifest: parsed, onnx });
        return { manifest: parsed, onnx };
      },
    };
    return { store, kept };
  };
  const files = (store: BuildStore) => ({
    builds: store,
    locate: (path: string) => `https://hub.example/m/${path}`,
    isCurrent: async () => true,
  });
  const build = (tail: GraphTail, data: { path: string; data: Uint8Array }[]) => ({
    onnx: new Uint8Array([1, 2, 3, tail.length]),
    externalData: data,
    sources: [{ path: 'model.safetensors', version: 'etag-1' }],
    dtype: 'fp32',
    tail,
    architecture: 'BertForMaskedLM',
    weightsFile: 'model.safetensors',
    weightBytes: 3,
  });

  it('a hidden-state graph and a logits graph of the same weights and dtype keep separate slots', async () => {
    const { store, kept } = memoryStore();
    const access = files(store);
    const head = { path: HEAD_FILE, data: new Uint8Array(16) };
    const logits = (await findBuild(access, 'model.safetensors', ['model.safetensors'], 'fp32', 'logits'))!;
    const hidden = (await findBuild(access, 'model.safetensors', ['model.safetensors'], 'fp32', 'hidden'))!;
    expect(logits.slot).not.toBe(hidden.slot);
    expect(await keepBuild(logits, build('logits', []))).toBeDefined();
    expect(await keepBuild(hidden, build('hidden', [head]))).toBeDefined();
    expect(kept.size).toBe(2);
    const again = await findBuild(access, 'model.safetensors', ['model.safetensors'], 'fp32', 'hidden');
    expect(again?.hit?.manifest.tail).toBe('hidden');
    expect(again?.hit?.onnx[3]).toBe('hidden'.length);
    const other = await findBuild(access, 'model.safetensors', ['model.safetensors'], 'fp32', 'logits');
    expect(other?.hit?.manifest.tail).toBe('logits');
  });

  it("a 'hidden' manifest that lists no decoder file is not a build (removed and rebuilt, never served)", async () => {
    const { store } = memoryStore();
    const lookup = (await findBuild(files(store), 'model.safetensors', ['model.safetensors'], 'fp32', 'hidden'))!;
    expect(await keepBuild(lookup, build('hidden', [{ path: 'w0.bin', data: new Uint8Array(4) }]))).toBeUndefined();
  });
});

describe('the head file', () => {
  it('round-trips float32 and float16 decoders, with and without bias, at any byte offset', () => {
    const weight = Float32Array.from({ length: 15 }, (_, k) => k - 7.5);
    const bias = Float32Array.of(0.5, -1, 2);
    const file = encodeHeadFile({ weight, bias, vocab: 3, hidden: 5 });
    const shifted = new Uint8Array(file.byteLength + 3);
    shifted.set(file, 3);
    for (const bytes of [file, shifted.subarray(3)]) {
      const head = decodeHeadFile(bytes);
      expect([head.vocab, head.hidden]).toEqual([3, 5]);
      expect(Array.from(head.weight)).toEqual(Array.from(weight));
      expect(Array.from(head.bias!)).toEqual(Array.from(bias));
    }
    const half = decodeHeadFile(
      encodeHeadFile({ weight: new Uint16Array([1, 2, 3, 4]), vocab: 2, hidden: 2, heads: 1, intermediate: 8 }),
    );
    expect([half.heads, half.intermediate]).toEqual([1, 8]);
    expect(half.weight).toBeInstanceOf(Uint16Array);
    expect(Array.from(half.weight)).toEqual([1, 2, 3, 4]);
    expect(half.bias).toBeUndefined();
  });
});

describe('batches under the fused head', () => {
  const bertBase = { hidden: 768, vocab: 30522, heads: 12, intermediate: 3072 };
  it('are bounded by the largest activation, not by logits', () => {
    // One 512-token window: attention scores 12 x 512 x 512 x 4 = 12.6 MB, the MLP's 2 x 3072 wide
    // up projection less; the logits it no longer has were 62.5 MB.
    expect(largestBatchBuffer(1, 512, bertBase)).toBe(12 * 512 * 512 * 4);
    expect(largestBatchBuffer(1, 128, bertBase)).toBe(128 * 6144 * 4);
    // Short rows: the [documents, vocab] accumulators.
    expect(largestBatchBuffer(4, 4, { hidden: 8, vocab: 30522 })).toBe(4 * 30522 * 4);
    // Unknown heads and MLP width: hidden / 64 heads, 4 x hidden wide.
    expect(largestBatchBuffer(1, 512, { hidden: 768, vocab: 30522 })).toBe(largestBatchBuffer(1, 512, bertBase));
  });
  it('planBatches takes a byte budget: 128 MiB holds 10 windows of 512 tokens, against 2 with logits', () => {
    const limit = 128 * 1024 * 1024;
    const docs = Array.from({ length: 16 }, () => [Array.from({ length: 512 }, (_, k) => k)]);
    const fused = planBatches(docs, 16, (rows, tokens) => largestBatchBuffer(rows, tokens, bertBase) <= limit);
    expect(fused.map((b) => b.rows.length)).toEqual([10, 6]);
    const logits = planBatches(docs, 16, Math.floor(limit / (30522 * 4)));
    expect(logits.map((b) => b.rows.length)).toEqual(Array(8).fill(2));
    // A batch always takes its first row, even one over the budget.
    expect(planBatches(docs.slice(0, 2), 16, () => false).map((b) => b.rows.length)).toEqual([1, 1]);
  });
});

/** The fixture's reference texts as one padded batch (rows of unequal lengths), each its own document. */
function batchOf(id: string, vocab: number): ModelBatch {
  const rows = referenceTokenIds(id);
  const [planned] = planBatches(
    rows.map((r) => [r]),
    64,
  );
  const padId = rows[0]![rows[0]!.length - 1]!;
  return {
    ...batchInputs(planned!, padId),
    rows: planned!.rows.length,
    tokens: planned!.tokens,
    vocab,
    segments: planned!.segments,
  };
}

describe.each(BUILT_FIXTURES)("$id: the 'hidden' tail", ({ id, dir }) => {
  const cases: ModelDtype[] = ['fp32', 'fp16'];
  for (const dtype of cases) {
    it(`${dtype}: ends at the hidden state, carries the decoder, and pools as the 'max' graph does`, async () => {
      const { config, weights } = await openHubFixture(id, dir);
      const [vocab, hidden] = [config.int('vocab_size'), config.int(config.has('dim') ? 'dim' : 'hidden_size')];
      const built = await buildModelGraph(config, weights, { dtype, tail: 'hidden' });
      expect(built.externalData.filter((f) => f.path === HEAD_FILE).length).toBe(1);
      const pooledGraph = await buildModelGraph(config, weights, { dtype, tail: 'max' });
      const headFile = built.externalData.find((f) => f.path === HEAD_FILE)!;
      const head = decodeHeadFile(headFile.data);
      expect([head.vocab, head.hidden]).toEqual([vocab, hidden]);
      expect(head.heads).toBe(config.int(config.has('n_heads') ? 'n_heads' : 'num_attention_heads'));
      expect(head.weight).toBeInstanceOf(dtype === 'fp16' ? Uint16Array : Float32Array);
      // The graph without the decoder holds at least vocab x hidden fewer bytes less the head file's
      // copy: no more than the pooled graph (which holds the decoder once, tied or not).
      const graphBytes = built.externalData.filter((f) => f !== headFile).reduce((n, f) => n + f.data.byteLength, 0);
      const pooledBytes = pooledGraph.externalData.reduce((n, f) => n + f.data.byteLength, 0);
      expect(graphBytes).toBeLessThan(pooledBytes);

      const backendOf = (graph: typeof built) =>
        createOrtBackend({
          ort: ortNode as never,
          model: graph.model,
          modelFile: 'model.safetensors',
          externalData: graph.externalData,
          device: 'cpu',
          pooling: 'cpu',
          sessionOptions: { intraOpNumThreads: 1, interOpNumThreads: 1 },
        });
      const [viaHead, viaGraph] = [await backendOf(built), await backendOf(pooledGraph)];
      try {
        expect(viaHead.info.pooling).toBe('graph');
        const batch = batchOf(id, vocab);
        const pooling: PoolingConfig = { strategy: 'max', activation: 'relu', vocabSize: vocab };
        const opts = { zeroIds: [0, 1, 2, 101, 102], threshold: 0, positions: true };
        const got = await viaHead.run(batch, pooling, opts);
        const want = await viaGraph.run(batch, pooling, opts);
        // The hidden state and the pooled rows reached JS; no logits.
        expect(got.readbackBytes).toBe(batch.rows * batch.tokens * hidden * 4 + batch.rows * vocab * 8);
        expect(got.vectors.length).toBe(want.vectors.length);
        got.vectors.forEach((v, k) => {
          expect(v.indices.length).toBeGreaterThan(0);
          // fp16: the head runs the projection in float32 (W's float16 values, b unrounded), where the
          // fp16 graph computes it in float16: a few 1e-3 apart, inside fp16's bounds (hub-models.test.ts).
          expect(relativeDifference(v, want.vectors[k]!)).toBeLessThan(dtype === 'fp32' ? 1e-5 : 1e-2);
        });
      } finally {
        await viaHead.dispose();
        await viaGraph.dispose();
      }
    });
  }
});
