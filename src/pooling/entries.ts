/**
 * The layout of the WGSL pooling kernel's output buffer, and its decoder. Kept apart from the host
 * code (gpu.ts) so it runs, and is tested, in Node without WebGPU.
 *
 * Layout (u32 words): [segments] entry counts, then per segment `capacity` slots of ENTRY_WORDS
 * words each: (vocabulary id, f32 value bits, packed (window, token) position). Slots are filled in
 * whatever order the invocations reach the atomic counter, so a segment's entries are unordered.
 * A count above `capacity` means the segment overflowed: only `capacity` slots were written.
 */
import type { PooledVector } from './cpu.ts';
import { unpackToken, unpackWindow } from './packing.ts';

export const ENTRY_WORDS = 3;

/** Bytes of an output buffer for `segments` segments of `capacity` slots each. */
export function outputBytes(segments: number, capacity: number): number {
  return (segments + segments * capacity * ENTRY_WORDS) * 4;
}

/**
 * Turns the kernel's unordered entries into sparse vectors, ids ascending. An overflowed segment
 * decodes only its `capacity` stored slots: the caller must check the counts and redo the batch.
 */
export function decodeEntries(
  data: Uint32Array,
  segments: number,
  capacity: number,
  withPositions: boolean,
): PooledVector[] {
  const floats = new Float32Array(data.buffer, data.byteOffset, data.length);
  const out: PooledVector[] = [];
  for (let s = 0; s < segments; s++) {
    const n = Math.min(data[s]!, capacity);
    const base = segments + s * capacity * ENTRY_WORDS;
    const order = new Uint32Array(n);
    for (let k = 0; k < n; k++) order[k] = k;
    order.sort((a, b) => data[base + a * ENTRY_WORDS]! - data[base + b * ENTRY_WORDS]!);
    const indices = new Uint32Array(n);
    const values = new Float32Array(n);
    const positions = withPositions ? new Uint32Array(2 * n) : undefined;
    for (let k = 0; k < n; k++) {
      const at = base + order[k]! * ENTRY_WORDS;
      indices[k] = data[at]!;
      values[k] = floats[at + 1]!;
      if (positions) {
        positions[2 * k] = unpackWindow(data[at + 2]!);
        positions[2 * k + 1] = unpackToken(data[at + 2]!);
      }
    }
    const v: PooledVector = { indices, values };
    if (positions) v.positions = positions;
    out.push(v);
  }
  return out;
}
