// GraphBuilder end to end: a small graph (embedding gather, packed-QKV attention with a padding
// bias and MatMul transposes, LayerNorm, exact and tanh GELU, a tied and transposed decoder,
// RoBERTa-style positions from CumSum) with its weights as external data, run by onnxruntime-node
// and compared with the same math written plainly in TS.
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { GraphBuilder, type WeightSource } from '../src/model/graph/builder.ts';
import {
  gelu,
  geluTanh,
  layerNorm,
  linear,
  logitsOutput,
  modelInputs,
  paddingBias,
} from '../src/model/graph/layers.ts';
import { encodeModel, ProtoWriter } from '../src/model/graph/proto.ts';
import { isSpladeError } from '../src/errors.ts';
import { mulberry32 } from './support.ts';

const B = 2,
  T = 5,
  H = 8,
  I = 16,
  V = 11,
  EPS = 1e-12;

/** An in-memory WeightSource (weights.ts reads safetensors; this keeps the test about the builder). */
function memoryWeights(tensors: Record<string, { shape: number[]; data: Float32Array }>): WeightSource & {
  reads: string[];
} {
  const reads: string[] = [];
  return {
    description: 'memory',
    reads,
    shape: (name) => tensors[name]?.shape,
    fileOf: (name) => (tensors[name] ? 'model.safetensors' : undefined),
    read: async (name) => {
      reads.push(name);
      return tensors[name]!.data;
    },
  };
}

function randomTensors(): Record<string, { shape: number[]; data: Float32Array }> {
  const rand = mulberry32(7);
  const t = (...shape: number[]) => ({
    shape,
    data: Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => rand() * 2 - 1),
  });
  return {
    emb: t(V, H),
    'attn.qkv.weight': t(3 * H, H),
    'attn.qkv.bias': t(3 * H),
    'ln.weight': t(H),
    'ln.bias': t(H),
    'dense.weight': t(I, H),
    'dense.bias': t(I),
    'out.weight': t(H, I),
    'out.bias': t(H),
    'decoder.bias': t(V),
  };
}

function buildGraph(g: GraphBuilder): void {
  const { inputIds, attentionMask } = modelInputs(g, false);
  const x = g.gather(g.weight('emb', [V, H]), inputIds);
  const part = (k: number) => g.unsqueeze(linear(g, x, 'attn.qkv', H, 3 * H, { rows: [k * H, (k + 1) * H] }), [1]);
  const [q, k, v] = [part(0), part(1), part(2)];
  const scores = g.add(
    g.mul(g.matmul(q, k, { transposeB: true }), g.scalar(1 / Math.sqrt(H))),
    paddingBias(g, attentionMask),
  );
  const attended = g.squeeze(g.matmul(g.softmax(scores), v), [1]);
  let h = layerNorm(g, g.add(attended, x), 'ln', H, EPS);
  h = geluTanh(g, linear(g, gelu(g, linear(g, h, 'dense', H, I)), 'out', I, H));
  const decoder = g.weight('decoder.weight', [V, H], { tiedTo: 'emb', transpose: true });
  logitsOutput(g, g.add(g.matmul(h, decoder), g.weight('decoder.bias', [V])), V);
  const positions = g.add(g.mul(g.cumSum(attentionMask, 1), attentionMask), g.scalar(1, 'int64'));
  g.output(positions, 'positions', ['batch', 'tokens']);
}

/** The same computation in float64 TS. */
function reference(w: Record<string, { data: Float32Array }>, ids: number[][], mask: number[][]): number[][][] {
  const W = (n: string) => w[n]!.data;
  const lin = (x: number[], name: string, inF: number, outF: number, row0 = 0) =>
    Array.from({ length: outF }, (_, o) => {
      let s = W(`${name}.bias`)[row0 + o]!;
      for (let i = 0; i < inF; i++) s += W(`${name}.weight`)[(row0 + o) * inF + i]! * x[i]!;
      return s;
    });
  const erf = (z: number) => {
    // Abramowitz-Stegun 7.1.26 is too coarse for 1e-5; integrate the series instead.
    let sum = 0,
      term = z;
    for (let n = 0; n < 60; n++) {
      sum += term / (2 * n + 1);
      term *= (-z * z) / (n + 1);
    }
    return (2 / Math.sqrt(Math.PI)) * sum;
  };
  const geluExact = (z: number) => 0.5 * z * (1 + erf(z / Math.SQRT2));
  const geluT = (z: number) => 0.5 * z * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (z + 0.044715 * z ** 3)));
  return ids.map((row, b) => {
    const x = row.map((id) => Array.from(W('emb').subarray(id * H, (id + 1) * H)));
    const q = x.map((e) => lin(e, 'attn.qkv', H, H, 0));
    const k = x.map((e) => lin(e, 'attn.qkv', H, H, H));
    const v = x.map((e) => lin(e, 'attn.qkv', H, H, 2 * H));
    return x.map((xt, t) => {
      const s = k.map((kj, j) =>
        mask[b]![j] ? q[t]!.reduce((a, qi, i) => a + qi * kj[i]!, 0) / Math.sqrt(H) : -Infinity,
      );
      const m = Math.max(...s);
      const e = s.map((z) => Math.exp(z - m));
      const sum = e.reduce((a, c) => a + c, 0);
      const att = Array.from({ length: H }, (_, i) => e.reduce((a, ej, j) => a + (ej / sum) * v[j]![i]!, 0) + xt[i]!);
      const mean = att.reduce((a, c) => a + c, 0) / H;
      const variance = att.reduce((a, c) => a + (c - mean) ** 2, 0) / H;
      const ln = att.map((c, i) => ((c - mean) / Math.sqrt(variance + EPS)) * W('ln.weight')[i]! + W('ln.bias')[i]!);
      const hidden = lin(lin(ln, 'dense', H, I).map(geluExact), 'out', I, H).map(geluT);
      return Array.from({ length: V }, (_, o) =>
        hidden.reduce((a, c, i) => a + c * W('emb')[o * H + i]!, W('decoder.bias')[o]!),
      );
    });
  });
}

describe('GraphBuilder', () => {
  it('builds a graph that onnxruntime-node runs with external-data weights, equal to the TS math', async () => {
    const tensors = randomTensors();
    const weights = memoryWeights(tensors);
    const g = new GraphBuilder(weights);
    buildGraph(g);
    expect(weights.reads).toEqual([]); // nothing read before build()
    const built = await g.build();
    expect(built.externalData.length).toBeGreaterThan(5);
    expect(built.weightBytes).toBe(4 * (V * H + 3 * H * H + 3 * H + I * H + I + H * I + H + H * V + V + 2 * H));
    const session = await ort.InferenceSession.create(built.model, { externalData: built.externalData });
    expect(session.inputNames).toEqual(['input_ids', 'attention_mask']);
    const ids = [
      [1, 4, 7, 2, 0],
      [1, 9, 2, 0, 0],
    ];
    const mask = [
      [1, 1, 1, 1, 0],
      [1, 1, 1, 0, 0],
    ];
    const tensor = (rows: number[][]) => new ort.Tensor('int64', BigInt64Array.from(rows.flat(), BigInt), [B, T]);
    const out = await session.run({ input_ids: tensor(ids), attention_mask: tensor(mask) });
    expect(out['logits']!.dims).toEqual([B, T, V]);
    const logits = out['logits']!.data as Float32Array;
    const want = reference(tensors, ids, mask);
    let worst = 0;
    for (let b = 0; b < B; b++)
      for (let t = 0; t < T; t++)
        for (let o = 0; o < V; o++) {
          if (!mask[b]![t]) continue; // padded rows attend to nothing useful; the encoder ignores them
          worst = Math.max(worst, Math.abs(logits[(b * T + t) * V + o]! - want[b]![t]![o]!));
        }
    expect(worst).toBeLessThan(1e-4);
    expect(Array.from(out['positions']!.data as BigInt64Array, Number)).toEqual([2, 3, 4, 5, 1, 2, 3, 4, 1, 1]);
    await session.release();
  });

  it('names tensor, file, expected and found shape when a weight is missing or misshapen', () => {
    const weights = memoryWeights(randomTensors());
    const g = new GraphBuilder(weights);
    const error = (fn: () => unknown) => {
      try {
        fn();
      } catch (e) {
        return e;
      }
      throw new Error('no error');
    };
    const missing = error(() => g.weight('nope.weight', [3, 4]));
    expect(isSpladeError(missing) && missing.code).toBe('model-file-invalid');
    expect((missing as Error).message).toBe(
      'tensor "nope.weight" is missing from the weights of memory; expected shape [3, 4]',
    );
    const tied = error(() => g.weight('decoder.weight', [V, H], { tiedTo: 'gone' }));
    expect((tied as Error).message).toContain('(nor "gone", which it is tied to)');
    const shape = error(() => g.weight('dense.weight', [I + 1, H]));
    expect((shape as Error).message).toBe(
      `tensor "dense.weight" in model.safetensors has shape [${I}, ${H}]; the config implies [${I + 1}, ${H}]`,
    );
    const rows = error(() => g.weight('dense.weight', [I, H], { rows: [0, I + 1] }));
    expect((rows as Error).message).toContain(`(rows 0..${I + 1} of it)`);
  });

  it('writes protobuf varints and negative int64 as protoc does', () => {
    const bytes = (fn: (w: ProtoWriter) => void) => {
      const w = new ProtoWriter();
      fn(w);
      return Array.from(w.finish());
    };
    expect(bytes((w) => w.int(1, 150))).toEqual([0x08, 0x96, 0x01]);
    expect(bytes((w) => w.int(1, -1))).toEqual([0x08, ...Array(9).fill(0xff), 0x01]);
    expect(bytes((w) => w.string(2, 'ab'))).toEqual([0x12, 2, 97, 98]);
    const model = encodeModel({
      irVersion: 8,
      opsets: [{ domain: '', version: 17 }],
      producerName: 'p',
      graph: { name: 'g', nodes: [], inputs: [], outputs: [], initializers: [] },
    });
    expect(Array.from(model.subarray(0, 5))).toEqual([0x08, 8, 0x12, 1, 112]);
  });
});
