/**
 * The parts of the fused SPLADE head that need no GPU (src/pooling/fused-head-plan.ts): how a call
 * is cut into dispatches under a device's limits, the tiling checks, the uniform structs and the
 * shader text the kernel is compiled with. The kernel itself runs in e2e/fused-head.spec.ts.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SpladeError } from '../src/errors.ts';
import {
  checkTiling,
  COMPACT_PARAMS,
  DEFAULT_TILING,
  fusedHeadShaderSource,
  HEAD_PARAMS,
  packHeadParams,
  planRuns,
  planWeightChunks,
  rowWords,
  workgroupBytes,
  type FusedHeadLimits,
} from '../src/pooling/fused-head-plan.ts';

/** WebGPU's default limits (what a device gets without asking for more). */
const DEFAULTS: FusedHeadLimits = {
  maxStorageBufferBindingSize: 134217728,
  maxBufferSize: 268435456,
  maxComputeWorkgroupsPerDimension: 65535,
  maxComputeWorkgroupStorageSize: 16384,
  maxComputeInvocationsPerWorkgroup: 256,
};

describe('weight chunks', () => {
  it('keeps a BERT-size float32 decoder (30522 x 768, 94 MB) in one buffer under the default 128 MiB binding', () => {
    expect(planWeightChunks(30522, rowWords(768, 'float32') * 4, 32, DEFAULTS)).toEqual([{ start: 0, count: 30522 }]);
  });

  it('splits a vocabulary that does not fit into whole tiles, each chunk within the binding limit', () => {
    // XLM-R size: 250002 x 1024 float32 = 1 GB.
    const rowBytes = rowWords(1024, 'float32') * 4;
    const chunks = planWeightChunks(250002, rowBytes, 32, DEFAULTS);
    expect(chunks.length).toBe(8);
    let next = 0;
    for (const [k, c] of chunks.entries()) {
      expect(c.start).toBe(next);
      expect(c.count * rowBytes).toBeLessThanOrEqual(DEFAULTS.maxStorageBufferBindingSize);
      if (k < chunks.length - 1) expect(c.count % 32).toBe(0);
      next += c.count;
    }
    expect(next).toBe(250002);
    // float16 halves the rows: half as many chunks.
    expect(planWeightChunks(250002, rowWords(1024, 'float16') * 4, 32, DEFAULTS).length).toBe(4);
  });

  it('respects maxBufferSize, a caller cap and the workgroups one dispatch dimension takes', () => {
    expect(planWeightChunks(1000, 400, 32, { ...DEFAULTS, maxBufferSize: 400 * 100 })).toHaveLength(
      Math.ceil(1000 / 96),
    );
    expect(planWeightChunks(1000, 400, 32, DEFAULTS, 400 * 64)).toHaveLength(Math.ceil(1000 / 64));
    const byDispatch = planWeightChunks(100000, 4, 32, { ...DEFAULTS, maxComputeWorkgroupsPerDimension: 100 });
    expect(byDispatch[0]).toEqual({ start: 0, count: 3200 });
  });

  it('refuses a device on which not even one tile of rows fits', () => {
    expect(() => planWeightChunks(100, 4096, 32, DEFAULTS, 4096 * 31)).toThrow(SpladeError);
  });

  it('pads odd hidden sizes to whole words in float16', () => {
    expect([rowWords(67, 'float16'), rowWords(67, 'float32'), rowWords(768, 'float16')]).toEqual([34, 67, 384]);
  });
});

describe('runs and tiling', () => {
  it('cuts segments into runs of at most one dispatch dimension', () => {
    expect(planRuns(5, 65535)).toEqual([{ start: 0, count: 5 }]);
    expect(planRuns(7, 3)).toEqual([
      { start: 0, count: 3 },
      { start: 3, count: 3 },
      { start: 6, count: 1 },
    ]);
    expect(planRuns(0, 3)).toEqual([]);
  });

  it('accepts the default tiling on default limits and refuses what the kernel cannot run', () => {
    expect(DEFAULT_TILING).toEqual({ wgVocab: 8, wgTokens: 8, tileK: 32 });
    expect(workgroupBytes(DEFAULT_TILING)).toBe(10240);
    expect(() => checkTiling(DEFAULT_TILING, DEFAULTS)).not.toThrow();
    expect(() => checkTiling({ wgVocab: 16, wgTokens: 8, tileK: 16 }, DEFAULTS)).not.toThrow();
    const message = (t: typeof DEFAULT_TILING, limits = DEFAULTS) => {
      try {
        checkTiling(t, limits);
        return 'accepted';
      } catch (e) {
        expect((e as SpladeError).code).toBe('invalid-option');
        return (e as Error).message;
      }
    };
    expect(message({ ...DEFAULT_TILING, tileK: 31 })).toContain('tileK must be even, got 31');
    expect(message({ wgVocab: 8, wgTokens: 2, tileK: 32 })).toContain('wgTokens must be at least 4');
    expect(message({ wgVocab: 16, wgTokens: 16, tileK: 8 })).toContain('tileK must be a multiple of wgVocab');
    expect(message(DEFAULT_TILING, { ...DEFAULTS, maxComputeWorkgroupStorageSize: 8192 })).toContain(
      '10240 bytes of workgroup memory exceed the device',
    );
    expect(message({ wgVocab: 32, wgTokens: 16, tileK: 32 })).toContain('512 invocations exceed');
  });
});

describe('uniforms and shader text', () => {
  it('packs the head parameters by name at their WGSL offsets', () => {
    const bytes = packHeadParams({
      tokens: 512,
      hidden: 768,
      vocab: 30522,
      chunk: { start: 15000, count: 15522 },
      rowWords: 384,
      segments: 3,
      segmentBase: 0,
      config: { strategy: 'sum', activation: 'log1p_relu', vocabSize: 30522 },
      positions: false,
      threshold: 0.25,
    });
    expect(bytes.byteLength).toBe(HEAD_PARAMS.byteLength);
    const u = new Uint32Array(bytes);
    expect(Array.from(u.slice(0, 11))).toEqual([512, 768, 30522, 15000, 15522, 384, 3, 0, 1, 1, 0]);
    expect(new Float32Array(bytes)[11]).toBe(0.25);
    expect(COMPACT_PARAMS.byteLength).toBe(32);
  });

  it('prepends the packing constant, both structs and the tiling to the kernel, which declares none of them', () => {
    const kernel = readFileSync('src/pooling/fused-head.wgsl', 'utf8');
    for (const name of ['struct HeadParams', 'struct CompactParams', 'const WG_VOCAB', 'const POSITION_TOKEN_BITS'])
      expect(kernel).not.toContain(name);
    const source = fusedHeadShaderSource(kernel, DEFAULT_TILING, 'float16');
    expect(source.startsWith('const POSITION_TOKEN_BITS: u32 = 16u;\nstruct HeadParams {')).toBe(true);
    expect(source).toContain(HEAD_PARAMS.wgsl);
    expect(source).toContain(COMPACT_PARAMS.wgsl);
    expect(source).toContain('const TILE_VOCAB: u32 = 32u;');
    expect(source).toContain('const WEIGHT_HALF: bool = true;');
    expect(fusedHeadShaderSource(kernel, DEFAULT_TILING, 'float32')).toContain('const WEIGHT_HALF: bool = false;');
    expect(source.endsWith(kernel)).toBe(true);
  });
});
