// Weight conversions of built graphs at other dtypes (src/model/graph/quantize.ts, dtypes.ts):
// block quantization as MatMulNBits packs it (layout by hand, round trip, the error bound per
// block), float32 -> float16 bits, a MatMulNBits node run by onnxruntime-node against a plain MatMul
// on the dequantized weights, and which dtype a device gets.
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { isSpladeError } from '../src/errors.ts';
import { GraphBuilder, type WeightSource } from '../src/model/graph/builder.ts';
import { builtGraphDtype, builtGraphDtypes } from '../src/model/graph/dtypes.ts';
import { linear } from '../src/model/graph/layers.ts';
import {
  dequantizeBlocks,
  float16ToFloat32,
  float32ToFloat16,
  quantizeBlocks,
  toFloat16Array,
  type QuantBits,
} from '../src/model/graph/quantize.ts';
import { mulberry32 } from './support.ts';

function gaussian(n: number, seed: number, scale = 1): Float32Array {
  const rand = mulberry32(seed);
  return Float32Array.from({ length: n }, () => {
    const u = Math.max(rand(), 1e-12);
    return scale * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rand());
  });
}

describe('block quantization (MatMulNBits layout)', () => {
  it('packs 4-bit values low nibble first, zero points per row, and pads the last block with its zero point', () => {
    // One row, 34 values: a full block of 32 and a partial block of 2 (padded to 32 with the zero point).
    const row = Float32Array.from({ length: 34 }, (_, i) => (i < 32 ? i - 15 : i === 32 ? -3 : 12));
    const q = quantizeBlocks(row, 1, 34, 4);
    expect(q.blocks).toBe(2);
    expect(q.packed.length).toBe(2 * 16);
    // Block 0: range [-15, 16] -> scale 31/15, zero point round(15 / scale) = 7.
    expect(q.scales[0]).toBeCloseTo(31 / 15, 6);
    // Block 1: range [-3, 12] -> scale 1, zero point 3; values -3 -> 0 and 12 -> 15; padding = 3.
    expect(q.scales[1]).toBe(1);
    expect(q.zeroPoints).toEqual(Uint8Array.of(7 | (3 << 4)));
    expect(q.packed[16]).toBe(0 | (15 << 4));
    for (let b = 17; b < 32; b++) expect(q.packed[b]).toBe(3 | (3 << 4));
    // Value i of block 0 in byte i >> 1, even i in the low nibble: -15 -> round(-15 / scale) + 7 = 0.
    expect(q.packed[0]! & 15).toBe(0);
    expect(q.packed[15]! >> 4).toBe(15); // 16 -> round(16 / scale) + 7 = 15
    const back = dequantizeBlocks(q);
    expect(back[32]).toBe(-3);
    expect(back[33]).toBe(12);
  });

  it('packs 8-bit values and zero points one per byte', () => {
    const row = Float32Array.from({ length: 32 }, (_, i) => (i - 7) / 10);
    const q = quantizeBlocks(row, 1, 32, 8);
    expect(q.packed.length).toBe(32);
    expect(q.zeroPoints.length).toBe(1);
    expect(q.scales[0]).toBeCloseTo(3.1 / 255, 7);
    expect(q.zeroPoints[0]).toBe(Math.round(0.7 / (3.1 / 255)));
    expect(q.packed[0]).toBe(0);
    expect(q.packed[31]).toBe(255);
  });

  for (const bits of [4, 8] as QuantBits[]) {
    for (const float16Scales of [false, true]) {
      it(`keeps every ${bits}-bit value within half a step of its block${float16Scales ? ' (float16 scales)' : ''}`, () => {
        const rows = 7;
        const cols = 200; // 6 full blocks and a partial one
        const w = gaussian(rows * cols, bits * 10 + (float16Scales ? 1 : 0), 0.05);
        w.fill(0, 0, 32); // an all-zero block
        for (let i = 32; i < 64; i++) w[i] = -Math.abs(w[i]!); // a block with no positive value
        w[100] = 3; // an outlier
        const q = quantizeBlocks(w, rows, cols, bits, { float16Scales });
        const back = dequantizeBlocks(q);
        let worstRatio = 0;
        for (let r = 0; r < rows; r++) {
          for (let c = 0; c < cols; c++) {
            const scale = q.scales[r * q.blocks + Math.floor(c / 32)]!;
            if (float16Scales) expect(float16ToFloat32(float32ToFloat16(scale))).toBe(scale);
            worstRatio = Math.max(worstRatio, Math.abs(back[r * cols + c]! - w[r * cols + c]!) / scale);
          }
        }
        expect(worstRatio).toBeLessThanOrEqual(0.5 + 1e-5);
        expect(Array.from(back.subarray(0, 32))).toEqual(new Array(32).fill(0)); // zero stays exactly zero
      });
    }
  }

  it('is deterministic', () => {
    const w = gaussian(64 * 96, 5);
    expect(quantizeBlocks(w, 64, 96, 4)).toEqual(quantizeBlocks(Float32Array.from(w), 64, 96, 4));
  });
});

describe('float32 -> float16', () => {
  it('round-trips every finite float16 value and keeps NaN', () => {
    for (let h = 0; h < 65536; h++) {
      const exponent = (h >> 10) & 31;
      if (exponent === 31) continue;
      expect(float32ToFloat16(float16ToFloat32(h))).toBe(h === 0x8000 ? 0x8000 : h);
    }
    expect(float16ToFloat32(float32ToFloat16(NaN))).toBeNaN();
  });

  it('rounds to nearest even, subnormals included, and saturates at ±65504 instead of overflowing', () => {
    expect(float32ToFloat16(1 + 2 ** -11)).toBe(0x3c00); // tie -> even (1.0)
    expect(float32ToFloat16(1 + 3 * 2 ** -11)).toBe(0x3c02); // tie -> even (1 + 2^-9)
    expect(float32ToFloat16(1 + 2 ** -11 + 2 ** -20)).toBe(0x3c01);
    expect(float32ToFloat16(2 ** -25)).toBe(0); // half the smallest subnormal: tie -> 0
    expect(float32ToFloat16(3 * 2 ** -25)).toBe(2); // 1.5 subnormal steps: tie -> even (2)
    expect(float32ToFloat16(-3.4028234663852886e38)).toBe(0xfbff);
    expect(float32ToFloat16(Infinity)).toBe(0x7bff);
    expect(float32ToFloat16(65520)).toBe(0x7bff); // would round to infinity
    expect(Array.from(toFloat16Array(Float32Array.of(0.5, -2)))).toEqual([0x3800, 0xc000]);
  });
});

/** x @ W^T + b through `linear()` at `dtype`, run by onnxruntime-node. */
async function runLinear(dtype: 'q4' | 'q8' | 'q4f16' | 'fp32', w: Float32Array, b: Float32Array, x: Float32Array) {
  const [N, K, M] = [b.length, w.length / b.length, x.length / (w.length / b.length)];
  const weights: WeightSource = {
    description: 'memory',
    shape: (name) => (name === 'lin.weight' ? [N, K] : name === 'lin.bias' ? [N] : undefined),
    fileOf: () => 'model.safetensors',
    read: async (name) => (name === 'lin.weight' ? w : b),
  };
  const g = new GraphBuilder(weights, { dtype });
  const input = g.input('x', 'float32', [M, K]);
  const y = linear(g, g.float === 'float16' ? g.cast(input, 'float32') : input, 'lin', K, N);
  g.output(
    g.exact(() => g.cast(y, 'float32')),
    'y',
    [M, N],
  );
  const built = await g.build();
  const session = await ort.InferenceSession.create(built.model, { externalData: built.externalData });
  const out = await session.run({ x: new ort.Tensor('float32', x, [M, K]) });
  await session.release();
  return out['y']!.data as Float32Array;
}

describe('MatMulNBits in a built graph (onnxruntime-node)', () => {
  const [M, K, N] = [5, 72, 40]; // K = 2 blocks and a partial one
  const w = gaussian(N * K, 11, 0.1);
  const b = gaussian(N, 12, 0.1);
  const x = gaussian(M * K, 13);
  const plain = (weights: Float32Array) => {
    const y = new Float64Array(M * N);
    for (let m = 0; m < M; m++)
      for (let n = 0; n < N; n++) {
        let s = b[n]!;
        for (let k = 0; k < K; k++) s += x[m * K + k]! * weights[n * K + k]!;
        y[m * N + n] = s;
      }
    return y;
  };

  for (const bits of [4, 8] as QuantBits[]) {
    it(`equals a MatMul by the dequantized weights at ${bits} bits (the packing is read as written)`, async () => {
      const got = await runLinear(bits === 4 ? 'q4' : 'q8', w, b, x);
      const want = plain(dequantizeBlocks(quantizeBlocks(w, N, K, bits)));
      let worst = 0;
      got.forEach((v, i) => (worst = Math.max(worst, Math.abs(v - want[i]!))));
      expect(worst).toBeLessThan(1e-4);
      // and differs from the unquantized MatMul by what quantization costs, no more
      const exact = plain(w);
      let error = 0;
      got.forEach((v, i) => (error = Math.max(error, Math.abs(v - exact[i]!))));
      expect(error).toBeGreaterThan(0);
      expect(error).toBeLessThan(bits === 4 ? 0.5 : 0.03);
    });
  }

  it('runs q4 on float16 activations (q4f16): the float16-scale weights, within float16 rounding', async () => {
    const got = await runLinear('q4f16', w, b, x);
    const want = plain(dequantizeBlocks(quantizeBlocks(w, N, K, 4, { float16Scales: true })));
    got.forEach((v, i) => expect(Math.abs(v - want[i]!)).toBeLessThan(4e-3 * Math.max(1, Math.abs(want[i]!))));
  });
});

describe('dtype of a built graph by device', () => {
  it("picks fp16 on WebGPU with shader-f16 and fp32 elsewhere for 'auto'", () => {
    expect(builtGraphDtype('auto', 'webgpu', true)).toBe('fp16');
    expect(builtGraphDtype('auto', 'webgpu', false)).toBe('fp32');
    expect(builtGraphDtype(undefined, 'wasm')).toBe('fp32');
    expect(builtGraphDtype('auto', 'cpu')).toBe('fp32');
    expect(builtGraphDtype('auto', undefined)).toBe('fp32');
  });

  it('keeps what the device runs and refuses the rest naming dtype, device and what runs there', () => {
    for (const d of ['fp32', 'fp16', 'q8', 'q4', 'q4f16'] as const) {
      expect(builtGraphDtype(d, 'wasm')).toBe(d);
      expect(builtGraphDtype(d, 'cpu')).toBe(d);
    }
    expect(builtGraphDtypes('webgpu', true)).toEqual(['fp32', 'fp16', 'q4', 'q4f16']);
    expect(builtGraphDtype('q4', 'webgpu', false)).toBe('q4');
    for (const [dtype, shaderF16] of [
      ['fp16', false],
      ['q4f16', false],
      ['q8', false],
      ['q8', true],
    ] as const) {
      let error: unknown;
      try {
        builtGraphDtype(dtype, 'webgpu', shaderF16);
      } catch (e) {
        error = e;
      }
      expect(isSpladeError(error) && error.code).toBe('invalid-option');
      const message = (error as Error).message;
      expect(message).toContain(`dtype '${dtype}'`);
      expect(message).toContain("device 'webgpu'");
      expect(message).toContain(shaderF16 ? "'fp16'" : "'fp32', 'q4'");
      expect(message).toContain(dtype === 'q8' ? '4-bit' : "lacks the 'shader-f16' feature");
      expect(message).toContain("device 'wasm'");
    }
  });
});
