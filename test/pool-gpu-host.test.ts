/**
 * The parts of the WebGPU pooling path that need no GPU: the (window, token) packing shared by the
 * CPU pooler, the host and the WGSL kernel, its overflow guard, the kernel's uniform struct (layout,
 * bytes and the WGSL text it is compiled with), and the decoder of the kernel's output buffer. (The kernel itself is tested in a real browser: e2e/pooling.spec.ts.)
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { poolCpu } from '../src/pooling/cpu.ts';
import { decodeEntries, ENTRY_WORDS, outputBytes } from '../src/pooling/entries.ts';
import {
  checkPositionPacking,
  MAX_PACKED_TOKENS,
  MAX_PACKED_WINDOWS,
  packPosition,
  POSITION_TOKEN_BITS,
  POSITION_WGSL,
  unpackToken,
  unpackWindow,
} from '../src/pooling/packing.ts';
import { SpladeError } from '../src/errors.ts';
import {
  ACTIVATION_CODE,
  packPoolParams,
  POOL_PARAMS,
  poolShaderSource,
  STRATEGY_CODE,
} from '../src/pooling/pool-params.ts';
import { uniformStruct } from '../src/pooling/uniforms.ts';

const MAX = { strategy: 'max' as const, activation: 'relu' as const, vocabSize: 1 };

describe('position packing', () => {
  it('round-trips every corner of the range and keeps the split the shader is given', () => {
    expect(POSITION_TOKEN_BITS).toBe(16);
    expect(MAX_PACKED_TOKENS * MAX_PACKED_WINDOWS).toBe(2 ** 32);
    expect(POSITION_WGSL).toBe('const POSITION_TOKEN_BITS: u32 = 16u;\n');
    for (const [w, t] of [
      [0, 0],
      [0, 65535],
      [65535, 0],
      [65535, 65535],
      [1, 2],
      [300, 127],
    ] as const) {
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
    expect(tooLong.message).toBe(
      'a batch row of 65537 tokens is too long to report positions: at most 65536 tokens per window are accepted (use a smaller max_seq_length)',
    );
    expect(() =>
      checkPositionPacking(8, [
        { start: 0, end: 2 },
        { start: 2, end: 2 + MAX_PACKED_WINDOWS + 1 },
      ]),
    ).toThrow(
      'a segment of 65537 windows is too long to report positions: at most 65536 windows of one document per batch are accepted (use a smaller batch)',
    );
  });

  it('the CPU pooler reports positions at both ends of the range and refuses beyond them', () => {
    // One vocabulary entry, its max in the last token of a 65536-token row.
    const T = MAX_PACKED_TOKENS;
    const long = new Float32Array(T).fill(0.5);
    long[T - 1] = 2;
    const [a] = poolCpu(
      { logits: long, rows: 1, tokens: T, vocab: 1, lengths: [T], segments: [{ start: 0, end: 1 }] },
      MAX,
      { zeroIds: [], positions: true },
    );
    expect(Array.from(a!.positions!)).toEqual([0, T - 1]);
    // 65536 one-token windows, the max in the last one.
    const R = MAX_PACKED_WINDOWS;
    const many = new Float32Array(R).fill(0.5);
    many[R - 1] = 2;
    const [b] = poolCpu(
      { logits: many, rows: R, tokens: 1, vocab: 1, lengths: new Array(R).fill(1), segments: [{ start: 0, end: R }] },
      MAX,
      { zeroIds: [], positions: true },
    );
    expect(Array.from(b!.positions!)).toEqual([R - 1, 0]);
    expect(Array.from(b!.values)).toEqual([Math.fround(Math.log1p(2))]);

    const longer = new Float32Array(T + 1);
    expect(() =>
      poolCpu(
        { logits: longer, rows: 1, tokens: T + 1, vocab: 1, lengths: [T + 1], segments: [{ start: 0, end: 1 }] },
        MAX,
        { zeroIds: [], positions: true },
      ),
    ).toThrow(/65537 tokens is too long to report positions: at most 65536/);
    const more = new Float32Array(R + 1);
    expect(() =>
      poolCpu(
        {
          logits: more,
          rows: R + 1,
          tokens: 1,
          vocab: 1,
          lengths: new Array(R + 1).fill(1),
          segments: [{ start: 0, end: R + 1 }],
        },
        MAX,
        { zeroIds: [], positions: true },
      ),
    ).toThrow(/65537 windows is too long to report positions: at most 65536/);
    // Without positions nothing is packed, so the same shapes pool fine.
    const [c] = poolCpu(
      {
        logits: more,
        rows: R + 1,
        tokens: 1,
        vocab: 1,
        lengths: new Array(R + 1).fill(1),
        segments: [{ start: 0, end: R + 1 }],
      },
      MAX,
      { zeroIds: [] },
    );
    expect(c!.indices.length).toBe(0);
  });
});

/** An output buffer as the kernel writes it: counts, then `capacity` slots per segment. */
function kernelOutput(
  capacity: number,
  segments: { count: number; entries: [id: number, value: number, window: number, token: number][] }[],
): Uint32Array {
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
      {
        count: 3,
        entries: [
          [900, 1.5, 2, 7],
          [3, 0.25, 0, 1],
          [41, 3.75, 65535, 65535],
        ],
      },
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
    const data = kernelOutput(2, [
      {
        count: 2,
        entries: [
          [5, 2, 0, 3],
          [1, 1, 0, 2],
        ],
      },
    ]);
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
    const data = kernelOutput(2, [
      {
        count: 5,
        entries: [
          [30, 1, 0, 1],
          [10, 2, 0, 2],
        ],
      },
      { count: 1, entries: [[4, 0.5, 0, 1]] },
    ]);
    const [a, b] = decodeEntries(data, 2, 2, true);
    expect(Array.from(a!.indices)).toEqual([10, 30]);
    expect(Array.from(a!.positions!)).toEqual([0, 2, 0, 1]);
    expect(Array.from(b!.indices)).toEqual([4]);
  });
});

describe('uniform structs (declared once: WGSL text and buffer bytes)', () => {
  it("lays out the pooling kernel's Params as WGSL does, and packs them by name", () => {
    expect(POOL_PARAMS.offsets).toEqual({
      tokens: 0,
      vocab: 4,
      segments: 8,
      capacity: 12,
      strategy: 16,
      activation: 20,
      threshold: 24,
    });
    expect(POOL_PARAMS.byteLength).toBe(32); // 28 bytes of fields, rounded up to 16 for the binding
    const bytes = packPoolParams({
      tokens: 128,
      vocab: 30522,
      segments: 3,
      capacity: 512,
      config: { strategy: 'sum', activation: 'log1p_relu', vocabSize: 30522 },
      threshold: 0.25,
    });
    expect(bytes.byteLength).toBe(32);
    expect(Array.from(new Uint32Array(bytes, 0, 6))).toEqual([
      128,
      30522,
      3,
      512,
      STRATEGY_CODE.sum,
      ACTIVATION_CODE.log1p_relu,
    ]);
    expect(new Float32Array(bytes)[6]).toBe(0.25);
    expect(new Uint32Array(bytes)[7]).toBe(0); // padding
    expect([STRATEGY_CODE.max, ACTIVATION_CODE.relu]).toEqual([0, 0]);
  });

  it('writes the struct text the kernel is compiled with, and the kernel uses only its fields', () => {
    expect(POOL_PARAMS.wgsl).toBe(
      [
        'struct Params {',
        '  tokens: u32, // tokens per row (rows are padded to this)',
        '  vocab: u32, // vocabulary entries per token',
        '  segments: u32, // segments (documents) in the batch',
        '  capacity: u32, // entries reserved per segment',
        '  strategy: u32, // 0 = max, 1 = sum',
        '  activation: u32, // 0 = relu: log1p(relu(x)); 1 = log1p_relu: log1p(log1p(relu(x)))',
        '  threshold: f32, // keep values strictly above this',
        '};',
        '',
      ].join('\n'),
    );
    const kernel = readFileSync(new URL('../src/pooling/pool.wgsl', import.meta.url), 'utf8');
    expect(kernel).not.toMatch(/^\s*struct\s/m); // declared by the host only
    const source = poolShaderSource(kernel);
    expect(source.startsWith(POSITION_WGSL + POOL_PARAMS.wgsl)).toBe(true);
    expect(source.match(/^\s*struct Params\b/gm)).toHaveLength(1);
    expect(kernel).toMatch(/var<uniform> params: Params;/);
    const code = kernel.replace(/\/\/.*$/gm, ''); // comments may name the files, not fields
    const used = new Set([...code.matchAll(/\bparams\.(\w+)/g)].map((m) => m[1]));
    expect([...used].sort()).toEqual(Object.keys(POOL_PARAMS.offsets).sort()); // every field used, none unknown
  });

  it('aligns vector fields (vec2: 8 bytes, vec3 and vec4: 16) and pads the struct to its alignment', () => {
    const s = uniformStruct('Mixed', [
      ['a', 'f32'],
      ['b', 'vec3<f32>'],
      ['c', 'u32'],
      ['d', 'vec2<i32>'],
      ['e', 'vec4<u32>'],
    ]);
    expect(s.offsets).toEqual({ a: 0, b: 16, c: 28, d: 32, e: 48 });
    expect(s.byteLength).toBe(64);
    expect(s.wgsl).toBe(
      'struct Mixed {\n  a: f32,\n  b: vec3<f32>,\n  c: u32,\n  d: vec2<i32>,\n  e: vec4<u32>,\n};\n',
    );
    const bytes = s.pack({ a: 1.5, b: [1, 2, 3], c: 7, d: [-1, 2], e: [1, 2, 3, 0xffffffff] });
    const view = new DataView(bytes);
    expect(view.getFloat32(0, true)).toBe(1.5);
    expect([16, 20, 24].map((o) => view.getFloat32(o, true))).toEqual([1, 2, 3]);
    expect(view.getUint32(28, true)).toBe(7);
    expect([view.getInt32(32, true), view.getInt32(36, true)]).toEqual([-1, 2]);
    expect(Array.from(new Uint32Array(bytes, 48, 4))).toEqual([1, 2, 3, 0xffffffff]);
    // A struct ending in a scalar after a vec3: size rounds up to the struct's 16-byte alignment.
    expect(
      uniformStruct('Tail', [
        ['v', 'vec3<f32>'],
        ['n', 'u32'],
      ]).byteLength,
    ).toBe(16);
    expect(uniformStruct('One', [['n', 'u32']]).byteLength).toBe(16);
  });

  it('refuses values that do not fit their fields, naming the field', () => {
    const s = uniformStruct('P', [
      ['n', 'u32'],
      ['i', 'i32'],
      ['x', 'f32'],
      ['v', 'vec2<u32>'],
    ]);
    const ok = { n: 1, i: -1, x: 0.5, v: [1, 2] };
    const refusal = (values: unknown) => {
      try {
        s.pack(values as typeof ok);
        return 'packed';
      } catch (e) {
        return e instanceof SpladeError ? `${e.code}:${e.message}` : String(e);
      }
    };
    expect(refusal(ok)).toBe('packed');
    expect(refusal({ ...ok, n: -1 })).toBe('invalid-input:P.n (u32) must be an integer from 0 to 2^32-1, got -1');
    expect(refusal({ ...ok, n: 2 ** 32 })).toBe(
      'invalid-input:P.n (u32) must be an integer from 0 to 2^32-1, got 4294967296',
    );
    expect(refusal({ ...ok, i: 1.5 })).toBe('invalid-input:P.i (i32) must be an integer from -2^31 to 2^31-1, got 1.5');
    expect(refusal({ ...ok, x: Number.NaN })).toBe('invalid-input:P.x (f32) must be a number, got null');
    expect(refusal({ n: 1, i: 0, x: 0 })).toBe('invalid-input:struct P: field "v" needs 2 numbers, got undefined');
    expect(refusal({ ...ok, v: [1] })).toBe('invalid-input:struct P: field "v" needs 2 numbers, got [1]');
    expect(refusal({ ...ok, n: [1] })).toBe('invalid-input:struct P: field "n" needs a number, got [1]');
    expect(refusal({ ...ok, extra: 1 })).toBe('invalid-input:struct P has no field "extra"; its fields: n, i, x, v');
    expect(() =>
      uniformStruct('P', [
        ['n', 'u32'],
        ['n', 'f32'],
      ]),
    ).toThrow('struct P: the field "n" is declared twice');
    expect(() => uniformStruct('P', [['1n', 'u32']])).toThrow('struct P: a field name must be an identifier, got "1n"');
  });
});
