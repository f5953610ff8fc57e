/**
 * The WGSL pooling kernel driven directly (GpuPooler on a WebGPU device, SwiftShader here) on
 * synthetic logits, against the CPU pooler on the same logits: the overflow re-pool (a document with
 * more non-zeros than INITIAL_CAPACITY), the capacity that shrinks back afterwards, the (window,
 * token) packing at both ends of its range, and the guard beyond it.
 */
import { expect, test } from '@playwright/test';
import { openHarness } from './support/page.ts';

test('overflow re-pool: documents with more non-zeros than INITIAL_CAPACITY equal the CPU pooler, and the capacity shrinks back', async ({
  page,
}) => {
  test.setTimeout(300_000);
  await openHarness(page);
  const r = await page.evaluate(async () => {
    const { GpuPooler, INITIAL_CAPACITY, poolCpu } = (window as any).pooling;
    const device: GPUDevice = await (await navigator.gpu.requestAdapter())!.requestDevice();
    let seed = 12345;
    const rng = () => {
      seed = (seed + 0x6d2b79f5) | 0;
      let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
    /** Logits [rows, tokens, vocab]: negative except `positives[s]` entries of each segment. */
    const makeBatch = (
      vocab: number,
      tokens: number,
      lengths: number[],
      segments: { start: number; end: number }[],
      positives: number[],
    ) => {
      const rows = lengths.length;
      const logits = new Float32Array(rows * tokens * vocab);
      for (let i = 0; i < logits.length; i++) logits[i] = -0.05 - rng() * 3;
      segments.forEach((seg, s) => {
        const ids = Array.from({ length: vocab }, (_, k) => k)
          .sort(() => rng() - 0.5)
          .slice(0, positives[s]);
        for (const v of ids) {
          // A few positive tokens per entry, in any window of the segment.
          for (let n = 0; n < 3; n++) {
            const row = seg.start + Math.floor(rng() * (seg.end - seg.start));
            const t = Math.floor(rng() * lengths[row]!);
            logits[(row * tokens + t) * vocab + v] = rng() * 6;
          }
          // Every tenth: an exact tie of the max in a later token, which the first must win.
          if (v % 10 === 0) {
            let best = -Infinity;
            let at = -1;
            for (let row = seg.start; row < seg.end; row++)
              for (let t = 0; t < lengths[row]!; t++) {
                const i = (row * tokens + t) * vocab + v;
                if (logits[i]! > best) {
                  best = logits[i]!;
                  at = i;
                }
              }
            const last = ((seg.end - 1) * tokens + lengths[seg.end - 1]! - 1) * vocab + v;
            if (last !== at) logits[last] = best;
          }
        }
      });
      // Padding must be ignored: make it the largest value there is.
      lengths.forEach((len, row) => {
        for (let t = len; t < tokens; t++) for (let v = 0; v < vocab; v++) logits[(row * tokens + t) * vocab + v] = 100;
      });
      const buffer = device.createBuffer({
        label: 'test logits',
        size: logits.byteLength,
        usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST,
      });
      device.queue.writeBuffer(buffer, 0, logits);
      return { logits, buffer, shape: { rows, tokens, vocab, lengths, segments } };
    };
    const compare = (gpu: any[], cpu: any[], withPositions: boolean) => {
      let maxDiff = 0;
      const problems: string[] = [];
      cpu.forEach((c, s) => {
        const g = gpu[s];
        if (g.indices.join() !== c.indices.join())
          problems.push(`segment ${s}: ids differ (${g.indices.length} vs ${c.indices.length})`);
        else
          c.values.forEach(
            (v: number, k: number) => (maxDiff = Math.max(maxDiff, Math.abs(v - g.values[k]) / Math.max(1, v))),
          );
        if (withPositions && (g.positions?.join() ?? 'none') !== c.positions.join())
          problems.push(`segment ${s}: positions differ`);
        if (!withPositions && g.positions) problems.push(`segment ${s}: sum pooling returned positions`);
      });
      return { maxDiff, problems, nnz: cpu.map((c) => c.indices.length) };
    };

    const pooler = new GpuPooler(device);
    const zeroIds = [0, 5, 2999];
    // Segment 0: 2 windows, ~2000 non-zeros; segment 1: 1 window, ~60; segment 2: 2 windows, ~700.
    const big = makeBatch(
      3000,
      6,
      [6, 4, 5, 6, 3],
      [
        { start: 0, end: 2 },
        { start: 2, end: 3 },
        { start: 3, end: 5 },
      ],
      [2000, 60, 700],
    );
    const runs: any[] = [];
    for (const [strategy, activation, threshold] of [
      ['max', 'log1p_relu', 0],
      ['max', 'relu', 0.5],
      ['sum', 'relu', 0],
    ] as const) {
      const config = { strategy, activation, vocabSize: 3000 };
      const capacityBefore = pooler.capacity;
      const gpu = await pooler.pool(big.buffer, big.shape, config, zeroIds, threshold);
      const stats = { ...pooler.lastStats };
      const cpu = poolCpu({ ...big.shape, logits: big.logits }, config, {
        zeroIds,
        threshold,
        positions: strategy === 'max',
      });
      runs.push({
        strategy,
        activation,
        threshold,
        capacityBefore,
        capacityAfter: pooler.capacity,
        stats,
        ...compare(gpu, cpu, strategy === 'max'),
      });
    }
    // Batches that need little: the capacity halves back to INITIAL_CAPACITY, one step a batch.
    const small = makeBatch(
      3000,
      4,
      [4, 3],
      [
        { start: 0, end: 1 },
        { start: 1, end: 2 },
      ],
      [40, 80],
    );
    const shrink: any[] = [];
    const config = { strategy: 'max', activation: 'relu', vocabSize: 3000 };
    for (let k = 0; k < 4; k++) {
      const gpu = await pooler.pool(small.buffer, small.shape, config, zeroIds);
      const cpu = poolCpu({ ...small.shape, logits: small.logits }, config, { zeroIds, positions: true });
      shrink.push({ capacity: pooler.capacity, stats: { ...pooler.lastStats }, ...compare(gpu, cpu, true) });
    }
    // The capacity never exceeds the vocabulary: a 600-entry vocabulary, every entry non-zero.
    const full = makeBatch(600, 3, [3], [{ start: 0, end: 1 }], [600]);
    const fullGpu = await pooler.pool(full.buffer, full.shape, config, []);
    const fullCpu = poolCpu({ ...full.shape, logits: full.logits }, config, { zeroIds: [], positions: true });
    const fullRun = { capacity: pooler.capacity, stats: { ...pooler.lastStats }, ...compare(fullGpu, fullCpu, true) };
    pooler.dispose();
    device.destroy();
    return { INITIAL_CAPACITY, runs, shrink, fullRun };
  });

  expect(r.INITIAL_CAPACITY).toBe(512);
  const outputBytes = (segments: number, capacity: number) => (segments + segments * capacity * 3) * 4;
  const [first, second, third] = r.runs;
  // The first batch overflowed (segments 0 and 2 exceed 512) and was redone once with room for all.
  expect(first.nnz[0]).toBeGreaterThan(1900);
  expect(first.nnz[2]).toBeGreaterThan(512);
  expect(first.nnz[1]).toBeLessThan(512);
  expect(first.capacityBefore).toBe(512);
  expect(first.stats.launches).toBe(2);
  expect(first.stats.readbackBytes).toBe(outputBytes(3, 512) + outputBytes(3, first.nnz[0]));
  expect(first.capacityAfter).toBe(2048);
  for (const run of r.runs) {
    expect(run.problems, `${run.strategy}/${run.activation}`).toEqual([]);
    // WGSL's log against Math.log1p, in float32: relative error (sums: of up to 12 terms).
    expect(run.maxDiff, `${run.strategy}/${run.activation}`).toBeLessThanOrEqual(run.strategy === 'max' ? 2e-6 : 1e-5);
  }
  // Later batches start with the capacity that was needed: no second launch.
  expect(second.stats.launches).toBe(1);
  expect(second.capacityBefore).toBe(2048);
  expect(second.nnz[0]).toBeLessThan(first.nnz[0]); // the threshold removed entries
  expect(third.stats.launches).toBe(1);
  expect(third.stats.readbackBytes).toBe(outputBytes(3, 2048));
  // Small batches: 2048 -> 1024 -> 512 -> 512, readbacks shrinking with it, results still equal.
  expect(r.shrink.map((s: any) => s.capacity)).toEqual([1024, 512, 512, 512]);
  expect(r.shrink.map((s: any) => s.stats.readbackBytes)).toEqual([
    outputBytes(2, 2048),
    outputBytes(2, 1024),
    outputBytes(2, 512),
    outputBytes(2, 512),
  ]);
  for (const s of r.shrink) {
    expect(s.problems).toEqual([]);
    expect(s.stats.launches).toBe(1);
    expect(s.maxDiff).toBeLessThanOrEqual(2e-6);
  }
  // A 600-entry vocabulary, all 600 non-zero: overflow, redone with 600 slots, capacity capped at 600.
  expect(r.fullRun.nnz).toEqual([600]);
  expect(r.fullRun.problems).toEqual([]);
  expect(r.fullRun.stats.launches).toBe(2);
  expect(r.fullRun.capacity).toBe(600);
  console.log(
    `GPU vs CPU pooling, max relative |difference|: ${r.runs.map((x: any) => `${x.strategy}/${x.activation} ${x.maxDiff.toExponential(2)}`).join(', ')}`,
  );
});

test('the kernel packs (window, token) positions at both ends of the range and refuses batches beyond it before launching', async ({
  page,
}) => {
  test.setTimeout(300_000);
  await openHarness(page);
  const r = await page.evaluate(async () => {
    const { GpuPooler } = (window as any).pooling;
    const device: GPUDevice = await (await navigator.gpu.requestAdapter())!.requestDevice();
    const pooler = new GpuPooler(device);
    const config = { strategy: 'max', activation: 'relu', vocabSize: 1 };
    /** One vocabulary entry over n logits, its max at the last one. */
    const logitsOf = (n: number) => {
      const host = new Float32Array(n).fill(0.5);
      host[n - 1] = 2;
      const buffer = device.createBuffer({
        size: host.byteLength,
        usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST,
      });
      device.queue.writeBuffer(buffer, 0, host);
      return buffer;
    };
    const plain = (v: any) => ({
      indices: Array.from(v.indices) as number[],
      values: Array.from(v.values) as number[],
      positions: Array.from(v.positions) as number[],
    });
    // 65536 tokens in one window: the last is token 65535.
    const [longRow] = await pooler.pool(
      logitsOf(65536),
      { rows: 1, tokens: 65536, vocab: 1, lengths: [65536], segments: [{ start: 0, end: 1 }] },
      config,
      [],
    );
    // 65536 one-token windows of one document: the last is window 65535.
    const [manyRows] = await pooler.pool(
      logitsOf(65536),
      { rows: 65536, tokens: 1, vocab: 1, lengths: new Array(65536).fill(1), segments: [{ start: 0, end: 65536 }] },
      config,
      [],
    );
    const refused: string[] = [];
    const launches: number[] = [];
    for (const shape of [
      { rows: 1, tokens: 65537, vocab: 1, lengths: [65537], segments: [{ start: 0, end: 1 }] },
      { rows: 65537, tokens: 1, vocab: 1, lengths: new Array(65537).fill(1), segments: [{ start: 0, end: 65537 }] },
    ]) {
      try {
        await pooler.pool(logitsOf(65537), shape, config, []);
        refused.push('pooled');
      } catch (e: any) {
        refused.push(`${e.name}:${e.code}:${e.message}`);
      }
      launches.push(pooler.lastStats.launches);
    }
    pooler.dispose();
    device.destroy();
    return { longRow: plain(longRow), manyRows: plain(manyRows), refused, launches };
  });
  const value = Math.fround(Math.log1p(2));
  expect(r.longRow.indices).toEqual([0]);
  expect(r.longRow.positions).toEqual([0, 65535]);
  expect(Math.abs(r.longRow.values[0]! - value)).toBeLessThanOrEqual(2e-7);
  expect(r.manyRows.positions).toEqual([65535, 0]);
  expect(Math.abs(r.manyRows.values[0]! - value)).toBeLessThanOrEqual(2e-7);
  expect(r.refused).toEqual([
    'SpladeError:invalid-input:a batch row of 65537 tokens is too long to report positions: at most 65536 tokens per window are accepted (use a smaller max_seq_length)',
    'SpladeError:invalid-input:a segment of 65537 windows is too long to report positions: at most 65536 windows of one document per batch are accepted (use a smaller batch)',
  ]);
  expect(r.launches).toEqual([0, 0]);
});
