// SPLADE pooling inside built graphs (src/model/graph/tail.ts), on the CPU backends: a graph built
// with the 'max' or 'sum-*' tail gives, through createOrtBackend (src/runtime/ort.ts) and the merge
// of src/pooling/pooled.ts, the vectors the 'logits' graph gives through poolCpu: max pooling bit for
// bit, values and (window, token) positions; sum pooling within float32 rounding of the sums. Only
// [rows, vocab] reaches JavaScript (readbackBytes).
//
// - Synthetic logits (a Gather of a table by input_ids, so every token's logits are chosen): ties
//   inside a window and across windows, padding tokens holding the largest logits of all, entries
//   that are never positive, zeroIds, a threshold; on onnxruntime-node and on onnxruntime-web's WASM
//   (in Node: the same .wasm a page runs).
// - The hub fixtures' graphs (every architecture), fp32, fp16 and q4: a padded batch whose documents
//   have one or several windows, both poolings, positions, zeroIds and a threshold.
// - Through SparseEncoder by hub id: sum pooling (the spladePooling option of a bare repository)
//   builds the sum tail, and a padded batch with a document of several windows equals the logits path.
// (That built graphs loaded by hub id pool in the graph and equal PyTorch: hub-models.test.ts.)
import * as ortNode from 'onnxruntime-node';
import * as ortWeb from 'onnxruntime-web';
import { describe, expect, it } from 'vitest';
import { batchInputs, planBatches } from '../src/encode/plan.ts';
import type { ModelDtype } from '../src/model/dtype.ts';
import { buildModelGraph } from '../src/model/graph/architectures.ts';
import { GraphBuilder } from '../src/model/graph/builder.ts';
import { modelInputs, poolingTail } from '../src/model/graph/layers.ts';
import { graphTailFor, type GraphTail } from '../src/model/graph/tail.ts';
import type { PoolingConfig } from '../src/pooling/config.ts';
import type { PooledVector } from '../src/pooling/cpu.ts';
import { SparseEncoder } from '../src/node.ts';
import { createOrtBackend } from '../src/runtime/ort.ts';
import type { BackendRunOptions, ExecutionBackend, ModelBatch } from '../src/runtime/types.ts';
import { LocalHub } from './hub-server.ts';
import { BUILT_FIXTURES, mulberry32, openHubFixture, referenceTokenIds, relativeDifference } from './support.ts';

ortWeb.env.wasm.numThreads = 1;
const RUNTIMES = [
  { name: 'onnxruntime-node', ort: ortNode, device: 'cpu' },
  { name: 'onnxruntime-web WASM', ort: ortWeb, device: 'wasm' },
] as const;

const POOLINGS: { tail: GraphTail; pooling: Omit<PoolingConfig, 'vocabSize'> }[] = [
  { tail: 'max', pooling: { strategy: 'max', activation: 'relu' } },
  { tail: 'max', pooling: { strategy: 'max', activation: 'log1p_relu' } },
  { tail: 'sum-relu', pooling: { strategy: 'sum', activation: 'relu' } },
  { tail: 'sum-log1p_relu', pooling: { strategy: 'sum', activation: 'log1p_relu' } },
];

/** The largest difference over the largest weight, and whether indices and positions are the same. */
function compare(got: PooledVector, want: PooledVector): { relative: number; sameIndices: boolean } {
  const sameIndices =
    got.indices.length === want.indices.length && got.indices.every((id, k) => id === want.indices[k]);
  return { relative: relativeDifference(got, want), sameIndices };
}

/** Pooled (tail graph) against logits + poolCpu: max bit for bit with positions, sum within float32 rounding. */
function expectSameVectors(got: PooledVector[], want: PooledVector[], strategy: 'max' | 'sum', what: string): void {
  expect(got.length, what).toBe(want.length);
  got.forEach((v, k) => {
    if (strategy === 'max') {
      expect(Array.from(v.indices), `${what} doc ${k} indices`).toEqual(Array.from(want[k]!.indices));
      expect(Array.from(v.values), `${what} doc ${k} values`).toEqual(Array.from(want[k]!.values));
      expect(v.positions && Array.from(v.positions), `${what} doc ${k} positions`).toEqual(
        want[k]!.positions && Array.from(want[k]!.positions),
      );
    } else {
      // An entry within rounding of the threshold may fall on either side of it; none does here.
      const { relative, sameIndices } = compare(v, want[k]!);
      expect(sameIndices, `${what} doc ${k} indices`).toBe(true);
      expect(relative, `${what} doc ${k}`).toBeLessThan(1e-6);
    }
  });
}

/** A batch of documents (each a list of windows) as the encoder plans it: one batch, padded. */
function batchOf(docs: number[][][], vocab: number, padId: number): ModelBatch & { docs: number[] } {
  const [planned, ...rest] = planBatches(docs, 64);
  expect(rest).toEqual([]);
  const inputs = batchInputs(planned!, padId);
  const { rows, tokens, segments } = planned!;
  return { ...inputs, rows: rows.length, tokens, vocab, segments, docs: segments.map((s) => s.doc) };
}

async function backendOf(
  runtime: (typeof RUNTIMES)[number],
  built: { model: Uint8Array; externalData: { path: string; data: Uint8Array }[] },
): Promise<ExecutionBackend> {
  return createOrtBackend({
    ort: runtime.ort as never,
    model: built.model,
    modelFile: 'model.safetensors',
    externalData: built.externalData,
    device: runtime.device,
    pooling: 'cpu',
    // One thread: the machine is shared, and the result must not depend on it.
    sessionOptions: runtime.device === 'cpu' ? { intraOpNumThreads: 1, interOpNumThreads: 1 } : {},
  });
}

describe('the pooling tail on chosen logits', () => {
  // Token id k's logits are row k of TABLE, so a batch of ids lays out any logits wanted.
  const V = 37;
  const IDS = 12;
  const PAD = 11;
  const rand = mulberry32(19);
  const table = new Float32Array(IDS * V);
  for (let k = 0; k < table.length; k++) table[k] = Math.fround(rand() * 6 - 3.5);
  // Ids 3 and 4 tie with id 2 on entries 0..9 (ties inside a window and across windows); entry 5 is
  // tied between 2, 3 and 4 at the largest value of every row. The pad id holds the largest logits
  // of all: masking must keep them out. Entry 36 is never positive.
  for (let v = 0; v < 10; v++) table[3 * V + v] = table[4 * V + v] = table[2 * V + v]!;
  for (const id of [2, 3, 4]) table[id * V + 5] = 9;
  for (let v = 0; v < V; v++) table[PAD * V + v] = 50;
  for (let id = 0; id < IDS; id++) table[id * V + 36] = -1 - id;

  const graphOf = async (tail: GraphTail) => {
    const g = new GraphBuilder(undefined, { tail });
    const { inputIds, attentionMask } = modelInputs(g, false);
    poolingTail(g, g.gather(g.constant(table, [IDS, V]), inputIds), attentionMask, V);
    return g.build();
  };
  const docs = [
    [[0, 2, 5, 3, 1]], // ties inside one window: token 1 (id 2) is the first of each maximum
    [
      [0, 6, 7, 1],
      [0, 3, 8, 9, 10, 6, 1],
      [0, 2, 1],
    ], // a tie across windows: window 1 (id 3) comes before window 2 (id 2)
    [[0, 4, 1]],
  ];
  const batch = batchOf(docs, V, PAD);
  const options: BackendRunOptions[] = [
    { zeroIds: [], threshold: 0, positions: true },
    { zeroIds: [5, 7, 0], threshold: 0.9, positions: true },
    { zeroIds: [1], threshold: 0, positions: false },
  ];

  for (const runtime of RUNTIMES) {
    for (const { tail, pooling } of POOLINGS) {
      it(`${runtime.name}: ${pooling.strategy} pooling with ${pooling.activation} equals the logits path`, async () => {
        const config: PoolingConfig = { ...pooling, vocabSize: V };
        const logits = await backendOf(runtime, await graphOf('logits'));
        const pooled = await backendOf(runtime, await graphOf(tail));
        try {
          for (const [k, opts] of options.entries()) {
            const want = await logits.run(batch, config, opts);
            const got = await pooled.run(batch, config, opts);
            expect(want.readbackBytes).toBe(batch.rows * batch.tokens * V * 4);
            const perRow = pooling.strategy === 'max' && opts.positions ? 8 : 4;
            expect(got.readbackBytes).toBe(batch.rows * V * perRow);
            expectSameVectors(got.vectors, want.vectors, pooling.strategy, `options ${k}`);
            expect(got.vectors.some((v) => v.indices.includes(36))).toBe(false);
          }
          if (pooling.strategy === 'max') {
            // The chosen ties: doc 0's entry 5 at token 1; doc 1's entry 5, and entries 0..9 where
            // ids 2 and 3 hold the document's maximum, at window 1 token 1 (id 3, before id 2).
            const vectors = (await pooled.run(batch, config, options[0]!)).vectors;
            const doc = (d: number) => vectors[batch.docs.indexOf(d)]!;
            const at = (v: PooledVector, id: number) => {
              const k = Array.from(v.indices).indexOf(id);
              return k < 0 ? undefined : [v.positions![2 * k], v.positions![2 * k + 1]];
            };
            expect(at(doc(0), 5)).toEqual([0, 1]);
            expect(at(doc(1), 5)).toEqual([1, 1]);
            let tiedAcrossWindows = 0;
            for (let v = 0; v < 10; v++) {
              const best = Math.max(...docs[1]!.flat().map((id) => table[id * V + v]!));
              if (best > 0 && table[3 * V + v] === best) {
                expect(at(doc(1), v)).toEqual([1, 1]);
                tiedAcrossWindows++;
              }
            }
            expect(tiedAcrossWindows).toBeGreaterThan(0);
          }
        } finally {
          await logits.dispose();
          await pooled.dispose();
        }
      });
    }
  }
});

/**
 * Documents from the fixture's reference token ids: each text alone (one window), and the longest
 * cut into windows of at most 24 tokens, each with the text's first and last id around it (several
 * windows of one document, of different lengths: padding).
 */
function documentsOf(id: string): { docs: number[][][]; padId: number; zeroIds: number[] } {
  const rows = referenceTokenIds(id);
  const longest = rows.reduce((a, b) => (b.length > a.length ? b : a));
  const [first, last] = [longest[0]!, longest[longest.length - 1]!];
  const content = longest.slice(1, -1);
  const windows: number[][] = [];
  for (let at = 0; at < content.length; at += 22) windows.push([first, ...content.slice(at, at + 22), last]);
  expect(windows.length).toBeGreaterThan(2);
  return { docs: [...rows.map((r) => [r]), windows], padId: last, zeroIds: [first, last] };
}

describe.each(BUILT_FIXTURES)('$id: pooled in the graph equals the logits path (onnxruntime-node)', ({ id, dir }) => {
  const cases: { dtype: ModelDtype; poolings: typeof POOLINGS }[] = [
    { dtype: 'fp32', poolings: POOLINGS },
    // Other dtypes: the logits are cast to float32 first, the tail is the same.
    { dtype: 'fp16', poolings: [POOLINGS[0]!] },
    { dtype: 'q4', poolings: [POOLINGS[1]!] },
  ];
  for (const { dtype, poolings } of cases) {
    it(`${dtype}: ${poolings.map((p) => `${p.pooling.strategy}/${p.pooling.activation}`).join(', ')}`, async () => {
      const { docs, padId, zeroIds } = documentsOf(id);
      const { config, weights } = await openHubFixture(id, dir);
      const vocab = config.int('vocab_size');
      const batch = batchOf(docs, vocab, padId);
      const logitsGraph = await buildModelGraph(config, weights, { dtype });
      const runtime = RUNTIMES[0];
      const logits = await backendOf(runtime, logitsGraph);
      try {
        for (const { tail, pooling } of poolings) {
          const built = await buildModelGraph(config, weights, { dtype, tail });
          expect(built.tail).toBe(tail);
          const pooled = await backendOf(runtime, built);
          try {
            const poolingConfig: PoolingConfig = { ...pooling, vocabSize: vocab };
            for (const opts of [
              { zeroIds, threshold: 0, positions: true },
              { zeroIds: [...zeroIds, 1000, 1001], threshold: 0.3, positions: false },
            ]) {
              const want = await logits.run(batch, poolingConfig, opts);
              const got = await pooled.run(batch, poolingConfig, opts);
              const perRow = pooling.strategy === 'max' && opts.positions ? 8 : 4;
              expect(got.readbackBytes).toBe(batch.rows * vocab * perRow);
              expect(want.readbackBytes).toBe(batch.rows * batch.tokens * vocab * 4);
              expect(got.vectors.every((v) => v.indices.length > 0)).toBe(true);
              expectSameVectors(got.vectors, want.vectors, pooling.strategy, `${tail} ${JSON.stringify(opts)}`);
            }
          } finally {
            await pooled.dispose();
          }
        }
      } finally {
        await logits.dispose();
      }
    });
  }
});

describe('through SparseEncoder by hub id (onnxruntime-node)', () => {
  // naver/splade-v3 is a bare repository: the spladePooling option picks the pooling, so sum pooling
  // gets a graph with the sum tail. A text of several windows, and a batch with padding.
  const TEXTS = [
    'sparse retrieval runs in the browser',
    Array.from({ length: 90 }, (_, k) => `passage ${k} explains how learned sparse vectors are pooled`).join('. '),
  ];
  for (const activation of ['relu', 'log1p_relu'] as const) {
    it(`sum pooling with ${activation}: the graph pools, and equals the logits path`, async () => {
      const hub = await new LocalHub().start();
      const encoder = await SparseEncoder.fromPretrained('naver/splade-v3', {
        hubUrl: hub.url,
        cache: false,
        spladePooling: { strategy: 'sum', activation },
      });
      try {
        const route = encoder.spec.document;
        if (route.kind !== 'mlm') throw new Error('expected a model route');
        expect(route.built?.tail).toBe(`sum-${activation}`);
        const got = await encoder.encodeDocument(TEXTS);
        const { windows, readbackBytes } = encoder.lastStats;
        const docs = await Promise.all(TEXTS.map((t) => encoder.windows(t)));
        expect(docs[1]!.length).toBeGreaterThan(1);
        expect(windows).toBe(docs[0]!.length + docs[1]!.length);
        expect(readbackBytes).toBe(windows * route.pooling.vocabSize * 4);

        // The same windows through the logits graph of the same weights and poolCpu.
        const { config, weights } = await openHubFixture('naver/splade-v3', '');
        const logits = await backendOf(RUNTIMES[0], await buildModelGraph(config, weights));
        try {
          const batch = batchOf(docs, route.pooling.vocabSize, route.tokenizer.padId);
          const opts = { zeroIds: route.tokenizer.specialIds, threshold: 0, positions: false };
          const want = (await logits.run(batch, route.pooling, opts)).vectors;
          const byDoc = batch.docs.map((d, k) => [d, want[k]!] as const).sort((a, b) => a[0] - b[0]);
          expectSameVectors(
            got,
            byDoc.map(([, v]) => v),
            'sum',
            activation,
          );
        } finally {
          await logits.dispose();
        }
      } finally {
        await encoder.dispose();
        await hub.stop();
      }
    });
  }
});

describe('graphTailFor', () => {
  it('pools in the graph on the CPU backends only, by the route pooling', () => {
    const max: PoolingConfig = { strategy: 'max', activation: 'log1p_relu', vocabSize: 5 };
    const sum: PoolingConfig = { strategy: 'sum', activation: 'log1p_relu', vocabSize: 5 };
    expect(graphTailFor('wasm', max)).toBe('max');
    expect(graphTailFor('cpu', sum)).toBe('sum-log1p_relu');
    expect(graphTailFor('cpu', { ...sum, activation: 'relu' })).toBe('sum-relu');
    expect(graphTailFor('webgpu', max)).toBe('hidden'); // the fused head pools there (test/fused-tail.test.ts)
    expect(graphTailFor(undefined, max)).toBe('logits');
  });
});
