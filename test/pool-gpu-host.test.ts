/**
 * The parts of the WebGPU pooling path that need no GPU: the (window, token) packing shared by the
 * CPU pooler, the host and the WGSL kernel, its overflow guard, and the decoder of the kernel's
 * output buffer. (The kernel itself is tested in a real browser: e2e/pooling.spec.ts.)
 */
import { describe, expect, it } from 'vitest';
import { poolCpu } from '../src/pooling/cpu.ts';
import { decodeEntries, ENTRY_WORDS, outputBytes } from '../src/pooling/entries.ts';
import { checkPositionPacking, MAX_PACKED_TOKENS, MAX_PACKED_WINDOWS, packPosition, POSITION_TOKEN_BITS, POSITION_WGSL, unpackToken, unpackWindow } from '../src/pooling/packing.ts';
import { SpladeError } from '../src/errors.ts';

const MAX = { strategy: 'max' as const, activation: 'relu' as const, vocabSize: 1 };

describe('position packing', () => {
  it('round-trips every corner of the range and keeps the split the shader is given', () => {
    expect(POSITION_TOKEN_BITS).toBe(16);
    expect(MAX_PACKED_TOKENS * MAX_PACKED_WINDOWS).toBe(2 ** 32);
    expect(POSITION_WGSL).toBe('const POSITION_TOKEN_BITS: u32 = 16u;\n');
    for (const [w, t] of [[0, 0], [0, 65535], [65535, 0], [65535, 65535], [1, 2], [300, 127]] as const) {
      const p = packPosition(w, t);
      expect(p).toBe(w * 65536 + t); // an unsigned 32-bit value, never negative
      expect([unpackWindow(p), unpackToken(p)]).toEqual([w, t]);
    }
  });

  it('refuses shapes whose positions cannot be packed, naming the limit', () => {
    expect(() => checkPositionPacking(MAX_PACKED_TOKENS, [{ start: 0, end: MAX_PACKED_WINDOWS }])).not.toThrow();
    const tooLong = (() => {
      try {
        checkPositionPacking(MAX_PACKED_TOKENS + 1, [{ start: 0, end: 1 }]);
      } catch (e) {
        return e;
      }
    })() as SpladeError;
    expect(tooLong).toBeInstanceOf(SpladeError);
    expect(tooLong.code).toBe('invalid-input');
    expect(tooLong.message).toBe('a batch row of 65537 tokens is too long to report positions: at most 65536 tokens per window are accepted (use a smaller max_seq_length)');
    expect(() => checkPositionPacking(8, [{ start: 0, end: 2 }, { start: 2, end: 2 + MAX_PACKED_WINDOWS + 1 }])).toThrow(
      'a segment of 65537 windows is too long to report positions: at most 65536 windows of one document per batch are accepted (use a smaller batch)',
    );
  });

  it('the CPU pooler reports positions at both ends of the range and refuses beyond them', () => {
    // One vocabulary entry, its max in the last token of a 65536-token row.
    const T = MAX_PACKED_TOKENS;
    const long = new Float32Array(T).fill(0.5);
    long[T - 1] = 2;
    const [a] = poolCpu({ logits: long, rows: 1, tokens: T, vocab: 1, lengths: [T], segments: [{ start: 0, end: 1 }] }, MAX, { zeroIds: [], positions: true });
    expect(Array.from(a!.positions!)).toEqual([0, T - 1]);
    // 65536 one-token windows, the max in the last one.
    const R = MAX_PACKED_WINDOWS;
    const many = new Float32Array(R).fill(0.5);
    many[R - 1] = 2;
    const [b] = poolCpu({ logits: many, rows: R, tokens: 1, vocab: 1, lengths: new Array(R).fill(1), segments: [{ start: 0, end: R }] }, MAX, { zeroIds: [], positions: true });
    expect(Array.from(b!.positions!)).toEqual([R - 1, 0]);
    expect(Array.from(b!.values)).toEqual([Math.fround(Math.log1p(2))]);

    const longer = new Float32Array(T + 1);
    expect(() => poolCpu({ logits: longer, rows: 1, tokens: T + 1, vocab: 1, lengths: [T + 1], segments: [{ start: 0, end: 1 }] }, MAX, { zeroIds: [], positions: true })).toThrow(/65537 tokens is too long to report positions: at most 65536/);
    const more = new Float32Array(R + 1);
    expect(() => poolCpu({ logits: more, rows: R + 1, tokens: 1, vocab: 1, lengths: new Array(R + 1).fill(1), segments: [{ start: 0, end: R + 1 }] }, MAX, { zeroIds: [], positions: true })).toThrow(/65537 windows is too long to report positions: at most 65536/);
    // Without positions nothing is packed, so the same shapes pool fine.
    const [c] = poolCpu({ logits: more, rows: R + 1, tokens: 1, vocab: 1, lengths: new Array(R + 1).fill(1), segments: [{ start: 0, end: R + 1 }] }, MAX, { zeroIds: [] });
    expect(c!.indices.length).toBe(0);
  });
});

/** An output buffer as the kernel writes it: counts, then `capacity` slots per segment. */
function kernelOutput(capacity: number, segments: { count: number; entries: [id: number, value: number, window: number, token: number][] }[]): Uint32Array {
  const data = new Uint32Array(outputBytes(segments.length, capacity) / 4);
  const floats = new Float32Array(data.buffer);
  segments.forEach((s, k) => {
    data[k] = s.count;
    s.entries.forEach(([id, value, w, t], slot) => {
      const at = segments.length + (k * capacity + slot) * ENTRY_WORDS;
      data[at] = id;
      floats[at + 1] = value;
      data[at + 2] = packPosition(w, t);
    });
  });
  return data;
}

describe('decodeEntries (the WGSL kernel output decoder)', () => {
  it('sorts each segment by id and unpacks values and positions', () => {
    const data = kernelOutput(4, [
      { count: 3, entries: [[900, 1.5, 2, 7], [3, 0.25, 0, 1], [41, 3.75, 65535, 65535]] },
      { count: 0, entries: [] },
      { count: 1, entries: [[7, 0.125, 1, 0]] },
    ]);
    expect(outputBytes(3, 4)).toBe((3 + 3 * 4 * 3) * 4);
    const [a, b, c] = decodeEntries(data, 3, 4, true);
    expect(Array.from(a!.indices)).toEqual([3, 41, 900]);
    expect(Array.from(a!.values)).toEqual([0.25, 3.75, 1.5]);
    expect(Array.from(a!.positions!)).toEqual([0, 1, 65535, 65535, 2, 7]);
    expect(Array.from(b!.indices)).toEqual([]);
    expect(Array.from(b!.positions!)).toEqual([]);
    expect(Array.from(c!.indices)).toEqual([7]);
    expect(Array.from(c!.values)).toEqual([0.125]);
    expect(Array.from(c!.positions!)).toEqual([1, 0]);
  });

  it('leaves positions out for sum pooling and reads a view at an offset', () => {
    const data = kernelOutput(2, [{ count: 2, entries: [[5, 2, 0, 3], [1, 1, 0, 2]] }]);
    // The same words inside a larger buffer, at a non-zero byte offset.
    const big = new Uint32Array(data.length + 4);
    big.set(data, 4);
    const [v] = decodeEntries(big.subarray(4), 1, 2, false);
    expect(Array.from(v!.indices)).toEqual([1, 5]);
    expect(Array.from(v!.values)).toEqual([1, 2]);
    expect(v!.positions).toBeUndefined();
  });

  it('an overflowed segment decodes only the slots that were stored', () => {
    // The kernel counted 5 entries but had room for 2: the host must redo the batch (gpu.ts).
    const data = kernelOutput(2, [{ count: 5, entries: [[30, 1, 0, 1], [10, 2, 0, 2]] }, { count: 1, entries: [[4, 0.5, 0, 1]] }]);
    const [a, b] = decodeEntries(data, 2, 2, true);
    expect(Array.from(a!.indices)).toEqual([10, 30]);
    expect(Array.from(a!.positions!)).toEqual([0, 2, 0, 1]);
    expect(Array.from(b!.indices)).toEqual([4]);
  });
});
