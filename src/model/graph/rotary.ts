/**
 * Rotary position embeddings, shared by the architectures that use them (GTE, ModernBERT). The cos
 * and sin tables are computed here and stored in the graph as constants, not with Sin/Cos nodes:
 * WebGPU's sin and cos of angles past a few radians are not accurate enough (measured on the
 * doc-v3-gte fixture: 7.8e-4 off the reference with Sin/Cos nodes on WebGPU, 3.8e-6 on WASM).
 */
import type { GraphBuilder, Value } from './builder.ts';

/**
 * cos and sin tables [positions, inverseFrequencies.length] as the PyTorch modules compute them:
 * angle = position · inv_freq rounded to float32 (torch's float32 product), then cos / sin.
 */
export function rotaryTables(
  inverseFrequencies: Float32Array,
  positions: number,
): { cos: Float32Array; sin: Float32Array } {
  const half = inverseFrequencies.length;
  const cos = new Float32Array(positions * half);
  const sin = new Float32Array(positions * half);
  for (let p = 0; p < positions; p++) {
    for (let i = 0; i < half; i++) {
      const angle = Math.fround(p * inverseFrequencies[i]!);
      cos[p * half + i] = Math.cos(angle);
      sin[p * half + i] = Math.sin(angle);
    }
  }
  return { cos, sin };
}

/** x · cos + rotate_half(x) · sin on the last axis, rotate_half(x) = [-x₂, x₁] for halves x₁ | x₂. */
export function applyRotary(g: GraphBuilder, x: Value, cos: Value, sin: Value, headSize: number): Value {
  const [first, second] = g.split(x, [headSize / 2, headSize / 2], -1) as [Value, Value];
  const rotated = g.concat([g.neg(second), first], -1);
  return g.add(g.mul(x, cos), g.mul(rotated, sin));
}
