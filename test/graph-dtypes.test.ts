// Every architecture's graph at each dtype, on the hub fixtures (onnxruntime-node):
// - q4 and q8: the logits equal those of the fp32 graph fed the dequantized weights of exactly the
//   tensors the quantized graph quantized: the packing, the Linear layers chosen and nothing else
//   changed (tied decoder, embeddings, norms stay float32);
// - fp16 and q4f16: float32 logits within float16 rounding of fp32's (the PyTorch references per dtype
//   are in hub-models.test.ts);
// - the same weights give the same bytes at every dtype.
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import type { ModelDtype } from '../src/model/dtype.ts';
import { architectureOf } from '../src/model/graph/architectures.ts';
import { GraphBuilder, type BuiltGraph, type WeightSource } from '../src/model/graph/builder.ts';
import { ModelConfig } from '../src/model/graph/config.ts';
import { dequantizeBlocks, quantizeBlocks, type QuantBits } from '../src/model/graph/quantize.ts';
import { BUILT_FIXTURES, openHubFixture, referenceTokenIds } from './support.ts';

/** Reference token ids of the fixture's first texts (one short, one long: a padded batch). */
function inputRows(id: string): number[][] {
  const rows = referenceTokenIds(id);
  return [rows[0]!, rows.reduce((a, b) => (b.length > a.length ? b : a))];
}

/** Builds the fixture's graph at `dtype`; `onQuantized` hears the name and bits of every quantized weight. */
async function build(
  config: ModelConfig,
  weights: WeightSource,
  dtype: ModelDtype,
  onQuantized?: (name: string, bits: QuantBits) => void,
): Promise<BuiltGraph> {
  const graph = new GraphBuilder(weights, { dtype });
  if (onQuantized) {
    const quantized = graph.matMulNBits.bind(graph);
    graph.matMulNBits = (x, name, shape, rows) => {
      onQuantized(name, graph.quantBits!);
      return quantized(x, name, shape, rows);
    };
  }
  architectureOf(config).build({ config, weights, graph });
  return graph.build();
}

async function logits(built: BuiltGraph, rows: number[][]): Promise<Float32Array> {
  const session = await ort.InferenceSession.create(built.model, { externalData: built.externalData });
  const T = Math.max(...rows.map((r) => r.length));
  const ids = new BigInt64Array(rows.length * T);
  const mask = new BigInt64Array(rows.length * T);
  rows.forEach((r, b) =>
    r.forEach((id, t) => {
      ids[b * T + t] = BigInt(id);
      mask[b * T + t] = 1n;
    }),
  );
  const dims = [rows.length, T];
  const feeds: Record<string, ort.Tensor> = {
    input_ids: new ort.Tensor('int64', ids, dims),
    attention_mask: new ort.Tensor('int64', mask, dims),
  };
  if (session.inputNames.includes('token_type_ids'))
    feeds['token_type_ids'] = new ort.Tensor('int64', new BigInt64Array(ids.length), dims);
  const out = (await session.run(feeds))['logits']!;
  await session.release();
  expect(out.type).toBe('float32');
  // Only real tokens: padded rows are never pooled.
  const V = out.dims[2]!;
  const data = out.data as Float32Array;
  const kept: number[] = [];
  rows.forEach((r, b) => {
    for (let t = 0; t < r.length; t++) for (let j = 0; j < V; j++) kept.push(data[(b * T + t) * V + j]!);
  });
  return Float32Array.from(kept);
}

function maxAbsDiff(a: Float32Array, b: Float32Array): { diff: number; scale: number } {
  let diff = 0;
  let scale = 0;
  a.forEach((v, i) => {
    diff = Math.max(diff, Math.abs(v - b[i]!));
    scale = Math.max(scale, Math.abs(b[i]!));
  });
  return { diff, scale };
}

describe.each(BUILT_FIXTURES)('$id at each dtype', ({ id, dir }) => {
  const rows = inputRows(id);

  for (const dtype of ['q4', 'q8'] as const) {
    it(`${dtype}: equals fp32 on the dequantized weights of exactly the Linear layers it quantized`, async () => {
      const { config, weights } = await openHubFixture(id, dir);
      const quantized = new Map<string, QuantBits>();
      const got = await logits(await build(config, weights, dtype, (name, bits) => quantized.set(name, bits)), rows);
      expect(quantized.size).toBeGreaterThan(0);
      for (const name of quantized.keys()) expect(name).not.toMatch(/embed|decoder|norm|LayerNorm/);
      // Blocks run along a row, so quantizing a whole packed weight quantizes each part alike.
      const dequantized: WeightSource = {
        description: weights.description,
        shape: (name) => weights.shape(name),
        fileOf: (name) => weights.fileOf(name),
        read: async (name) => {
          const data = await weights.read(name);
          const bits = quantized.get(name);
          if (bits === undefined) return data;
          const [rowsOut, cols] = weights.shape(name)!;
          return dequantizeBlocks(quantizeBlocks(data, rowsOut!, cols!, bits));
        },
      };
      const want = await logits(await build(config, dequantized, 'fp32'), rows);
      const { diff, scale } = maxAbsDiff(got, want);
      expect(diff).toBeLessThan(2e-5 * Math.max(1, scale));
      // and it is not fp32 itself
      const fp32 = await logits(await build(config, weights, 'fp32'), rows);
      expect(maxAbsDiff(got, fp32).diff).toBeGreaterThan(1e-4);
    });
  }

  for (const dtype of ['fp16', 'q4f16'] as const) {
    it(`${dtype}: float32 logits${dtype === 'fp16' ? ' within float16 rounding of fp32' : ''}`, async () => {
      const { config, weights } = await openHubFixture(id, dir);
      const got = await logits(await build(config, weights, dtype), rows);
      const fp32 = await logits(await build(config, weights, 'fp32'), rows);
      const { diff, scale } = maxAbsDiff(got, fp32);
      expect(Number.isFinite(diff)).toBe(true);
      if (dtype === 'fp16') expect(diff).toBeLessThan(2e-2 * scale);
    });
  }

  it('gives the same bytes for the same weights', async () => {
    const { config, weights } = await openHubFixture(id, dir);
    for (const dtype of ['fp16', 'q4'] as const) {
      const a = await build(config, weights, dtype);
      const b = await build(config, weights, dtype);
      expect(Buffer.from(a.model).equals(Buffer.from(b.model))).toBe(true);
      expect(a.externalData.map((f) => Buffer.from(f.data).toString('base64'))).toEqual(
        b.externalData.map((f) => Buffer.from(f.data).toString('base64')),
      );
    }
  });
});
