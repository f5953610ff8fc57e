/**
 * Weight conversions for a graph built at a dtype other than fp32 (see dtypes.ts for what each dtype
 * means): float32 -> float16 bits, and block quantization as onnxruntime's `MatMulNBits`
 * (com.microsoft) takes its weight:
 *
 *   B            uint8 [N, blocks, blockSize * bits / 8]: row n is output feature n (a Hugging Face
 *                Linear weight [out, in] is already N x K), K split in blocks of `blockSize`; 4-bit
 *                values two to a byte, the first in the low nibble
 *   scales       [N * blocks] (float32, or float16 for q4f16)
 *   zero_points  uint8, per row: 4-bit two to a byte (low nibble first, ceil(blocks / 2) bytes a
 *                row), 8-bit one a byte
 *   weight       (q - zero_point) * scale
 *
 * Each block is quantized asymmetrically over [min(0, lo), max(0, hi)] (as onnxruntime's own
 * blockwise quantizer does), so 0 is exact; the scale is rounded up to what is stored, so every
 * value is within scale / 2 of its dequantized value. The arithmetic is plain float64 rounding:
 * the same weights always give the same bytes.
 */

/** Elements per quantization block (a power of two >= 16, as onnxruntime's WebGPU kernel requires). */
export const BLOCK_SIZE = 32;

export type QuantBits = 4 | 8;

export interface BlockQuantized {
  rows: number;
  cols: number;
  bits: QuantBits;
  blockSize: number;
  /** Blocks per row: ceil(cols / blockSize); the last one padded with its zero point (weight 0). */
  blocks: number;
  /** MatMulNBits' B: [rows, blocks, blockSize * bits / 8]. */
  packed: Uint8Array;
  /** [rows * blocks], already rounded to float16 when quantized with `float16Scales`. */
  scales: Float32Array;
  /** 4-bit: ceil(blocks / 2) bytes a row; 8-bit: `blocks` bytes a row. */
  zeroPoints: Uint8Array;
}

/** Bytes of zero points per row. */
export function zeroPointBytesPerRow(blocks: number, bits: QuantBits): number {
  return bits === 8 ? blocks : Math.ceil(blocks / 2);
}

/**
 * Quantizes `weights` ([rows, cols] row-major: one output feature a row) in blocks along `cols`.
 * `float16Scales`: round every scale to float16 first (q4f16 stores them so), then fit the zero
 * point and values to the rounded scale, so the error bound holds for what the graph stores.
 */
export function quantizeBlocks(
  weights: Float32Array,
  rows: number,
  cols: number,
  bits: QuantBits,
  options: { blockSize?: number; float16Scales?: boolean } = {},
): BlockQuantized {
  const blockSize = options.blockSize ?? BLOCK_SIZE;
  if (weights.length !== rows * cols)
    throw new Error(`quantizeBlocks: ${weights.length} values are not [${rows}, ${cols}]`);
  const blocks = Math.ceil(cols / blockSize);
  const blob = (blockSize * bits) / 8;
  const maxQ = (1 << bits) - 1;
  const zpRow = zeroPointBytesPerRow(blocks, bits);
  const packed = new Uint8Array(rows * blocks * blob);
  const scales = new Float32Array(rows * blocks);
  const zeroPoints = new Uint8Array(rows * zpRow);
  for (let r = 0; r < rows; r++) {
    for (let b = 0; b < blocks; b++) {
      const start = r * cols + b * blockSize;
      const count = Math.min(blockSize, cols - b * blockSize);
      let lo = 0;
      let hi = 0;
      for (let i = 0; i < count; i++) {
        const v = weights[start + i]!;
        if (v < lo) lo = v;
        if (v > hi) hi = v;
      }
      // The stored scale (float32, or float16) rounded up, so maxQ steps still span [lo, hi].
      const span = hi - lo;
      let scale = options.float16Scales ? float16Above(span / maxQ) : float32Above(span / maxQ);
      if (!(scale > 0)) scale = 1; // an all-zero block: any scale, every value is the zero point
      const zero = Math.min(maxQ, Math.max(0, Math.round(-lo / scale)));
      scales[r * blocks + b] = scale;
      if (bits === 8) zeroPoints[r * zpRow + b] = zero;
      else zeroPoints[r * zpRow + (b >> 1)]! |= zero << ((b & 1) * 4);
      const out = (r * blocks + b) * blob;
      for (let i = 0; i < blockSize; i++) {
        // Past `cols` (the last block's padding) the value is the zero point: weight 0, whatever A holds there.
        const q = i < count ? Math.min(maxQ, Math.max(0, Math.round(weights[start + i]! / scale) + zero)) : zero;
        if (bits === 8) packed[out + i] = q;
        else packed[out + (i >> 1)]! |= q << ((i & 1) * 4);
      }
    }
  }
  return { rows, cols, bits, blockSize, blocks, packed, scales, zeroPoints };
}

/** The least float32 >= `x` (x >= 0). */
function float32Above(x: number): number {
  const f = Math.fround(x);
  if (f >= x) return f;
  f32[0] = f;
  u32[0]! += 1;
  return f32[0]!;
}

/** The least float16 value >= `x` (0 <= x <= 65504), as a number. */
function float16Above(x: number): number {
  const bits = float32ToFloat16(x);
  const value = float16ToFloat32(bits);
  return value >= x ? value : float16ToFloat32(bits + 1);
}

/** The weights `q` stands for, [rows, cols] (what MatMulNBits multiplies by). */
export function dequantizeBlocks(q: BlockQuantized): Float32Array {
  const { rows, cols, bits, blockSize, blocks } = q;
  const blob = (blockSize * bits) / 8;
  const zpRow = zeroPointBytesPerRow(blocks, bits);
  const out = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const b = Math.floor(c / blockSize);
      const i = c % blockSize;
      const at = (r * blocks + b) * blob;
      const value = bits === 8 ? q.packed[at + i]! : (q.packed[at + (i >> 1)]! >> ((i & 1) * 4)) & 15;
      const zero =
        bits === 8 ? q.zeroPoints[r * zpRow + b]! : (q.zeroPoints[r * zpRow + (b >> 1)]! >> ((b & 1) * 4)) & 15;
      out[r * cols + c] = (value - zero) * q.scales[r * blocks + b]!;
    }
  }
  return out;
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/**
 * The float16 bits of `value`, rounded to nearest even. Values beyond float16's range saturate to
 * ±65504 instead of becoming infinite: a graph's "minus infinity" mask constant (the float32
 * minimum) stays finite, so `0 · mask` is 0 and not NaN, as transformers uses finfo(float16).min.
 */
export function float32ToFloat16(value: number): number {
  f32[0] = value;
  const x = u32[0]!;
  const sign = (x >>> 16) & 0x8000;
  const exponent = (x >>> 23) & 0xff;
  const mantissa = x & 0x7fffff;
  if (exponent === 0xff) return mantissa ? 0x7e00 : sign | 0x7bff; // NaN stays NaN; infinities saturate
  const e = exponent - 127 + 15;
  if (e >= 31) return sign | 0x7bff;
  if (e <= 0) {
    if (e < -10) return sign; // below half the smallest subnormal
    const m = mantissa | 0x800000;
    const shift = 14 - e;
    let half = m >>> shift;
    const rest = m & ((1 << shift) - 1);
    const halfway = 1 << (shift - 1);
    if (rest > halfway || (rest === halfway && half & 1)) half++;
    return sign | half;
  }
  let half = sign | (e << 10) | (mantissa >>> 13);
  const rest = mantissa & 0x1fff;
  if (rest > 0x1000 || (rest === 0x1000 && half & 1)) half++; // may carry into the exponent: still right
  if ((half & 0x7fff) === 0x7c00) return sign | 0x7bff; // rounded up to infinity: saturate
  return half;
}

/** The float32 value of float16 bits. */
export function float16ToFloat32(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >>> 10) & 0x1f;
  const mantissa = bits & 0x3ff;
  if (exponent === 0) return sign * mantissa * 2 ** -24;
  if (exponent === 31) return mantissa ? NaN : sign * Infinity;
  return sign * (1 + mantissa / 1024) * 2 ** (exponent - 15);
}

/** `values` as float16 bits (see float32ToFloat16). */
export function toFloat16Array(values: Float32Array): Uint16Array {
  const out = new Uint16Array(values.length);
  for (let k = 0; k < values.length; k++) out[k] = float32ToFloat16(values[k]!);
  return out;
}
