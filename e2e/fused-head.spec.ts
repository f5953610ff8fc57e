/**
 * The fused SPLADE head (src/pooling/fused-head.ts + fused-head.wgsl) on a real WebGPU device
 * (SwiftShader here), on synthetic hidden states and decoder weights, against two oracles:
 * an independent reference written here (h·Wᵀ + b in float64, then max or sum and the activation),
 * and the CPU pooler (src/pooling/cpu.ts) fed the float32 logits computed here. Shapes are modest
 * (SwiftShader runs on two shared cores) but real: vocabularies of 30522 and 50000, hidden sizes
 * 64-128 (and an odd one), padding, several windows per document, a 2048-token window.
 */
import { expect, test, type Page } from '@playwright/test';
import { openHarness } from './support/page.ts';

/** Page-side helpers, installed once per page as window.fused (self-contained: serialized). */
function installHelpers(): void {
  const mulberry = (seed: number) => () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  interface CaseSpec {
    vocab: number;
    hidden: number;
    tokens: number;
    lengths: number[];
    segments: { start: number; end: number }[];
    /** Fraction of the vocabulary whose bias lets it fire (the rest sits at -7 sigma). */
    active: number;
    seed: number;
  }
  /**
   * Hidden states h [rows, tokens, hidden] and a decoder W [vocab, hidden], b [vocab] scaled so a
   * logit's token-to-token spread is ~1: an active entry (bias in [-4, 0.5]) fires on some tokens of
   * some documents, an inactive one (bias below -7) almost never, like a real SPLADE head's mostly
   * negative logits. Padding
   * tokens hold large values: read by mistake, they would win every max.
   */
  const makeCase = (spec: CaseSpec) => {
    const rng = mulberry(spec.seed);
    const { vocab, hidden, tokens, lengths } = spec;
    const rows = lengths.length;
    const h = new Float32Array(rows * tokens * hidden);
    for (let r = 0; r < rows; r++)
      for (let t = 0; t < tokens; t++)
        for (let k = 0; k < hidden; k++)
          h[(r * tokens + t) * hidden + k] = t < lengths[r]! ? rng() * 2 - 1 : 40 + rng();
    const scale = 3 / Math.sqrt(hidden);
    const weight = new Float32Array(vocab * hidden);
    for (let i = 0; i < weight.length; i++) weight[i] = (rng() * 2 - 1) * scale;
    const bias = new Float32Array(vocab);
    for (let v = 0; v < vocab; v++) bias[v] = rng() < spec.active ? rng() * 4.5 - 4 : -7 - rng();
    return { ...spec, rows, h, weight, bias };
  };
  type Case = ReturnType<typeof makeCase>;
  const activate = (x: number, activation: string) =>
    x <= 0 ? 0 : activation === 'relu' ? Math.log1p(x) : Math.log1p(Math.log1p(x));
  /** The logit of (row, token, v) in float64, from W as given (or its float16 rounding). */
  const logit = (c: Case, w: Float32Array | Float64Array, r: number, t: number, v: number) => {
    let dot = 0;
    const hb = (r * c.tokens + t) * c.hidden;
    const wb = v * c.hidden;
    for (let k = 0; k < c.hidden; k++) dot += c.h[hb + k]! * w[wb + k]!;
    return dot + c.bias[v]!;
  };
  /**
   * The reference: per segment, every entry's pooled value before the cut (float64), its arg-max
   * (window, token), and the vector after zeroing and the threshold. Independent of the library.
   */
  const reference = (c: Case, strategy: string, activation: string, w: Float32Array | Float64Array = c.weight) => {
    const { vocab, hidden } = c;
    return c.segments.map((seg) => {
      const acc = new Float64Array(vocab).fill(strategy === 'max' ? -Infinity : 0);
      const window = new Uint32Array(vocab);
      const token = new Uint32Array(vocab);
      const hrow = new Float64Array(hidden);
      for (let r = seg.start; r < seg.end; r++)
        for (let t = 0; t < c.lengths[r]!; t++) {
          for (let k = 0; k < hidden; k++) hrow[k] = c.h[(r * c.tokens + t) * hidden + k]!;
          for (let v = 0; v < vocab; v++) {
            let dot = c.bias[v]!;
            const wb = v * hidden;
            for (let k = 0; k < hidden; k++) dot += hrow[k]! * w[wb + k]!;
            if (strategy === 'max') {
              if (dot > acc[v]!) {
                acc[v] = dot;
                window[v] = r - seg.start;
                token[v] = t;
              }
            } else acc[v]! += activate(dot, activation);
          }
        }
      const value = strategy === 'max' ? acc.map((x) => activate(x, activation)) : acc;
      return { value, window, token };
    });
  };
  /** The float32 logits [rows, tokens, vocab] (padding included) for the CPU pooler. */
  const logits = (c: Case) => {
    const out = new Float32Array(c.rows * c.tokens * c.vocab);
    for (let r = 0; r < c.rows; r++)
      for (let t = 0; t < c.tokens; t++)
        for (let v = 0; v < c.vocab; v++) out[(r * c.tokens + t) * c.vocab + v] = logit(c, c.weight, r, t, v);
    return out;
  };
  const upload = (device: GPUDevice, data: Float32Array) => {
    const buffer = device.createBuffer({
      label: 'test hidden states',
      size: data.byteLength,
      usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST,
    });
    device.queue.writeBuffer(buffer, 0, data);
    return buffer;
  };
  /**
   * Compares a pooler's vectors with what is expected: the reference's own vectors, or `expected`
   * (the CPU pooler's) when given. Ids must agree except where the reference value is within `tol`
   * (relative) of the cut (0 or the threshold): float32 may fall either side there. Values: the
   * largest absolute error, and the largest relative error over values of at least 0.01. Positions: equal, or a near tie (the float64 logit at the
   * reported position within `tol` of the max); near ties and near-cut ids are counted.
   */
  const compare = (
    c: Case,
    got: { indices: Uint32Array; values: Float32Array; positions?: Uint32Array }[],
    ref: ReturnType<typeof reference>,
    o: { zeroIds: number[]; threshold: number; positions: boolean; tol: number },
    expected?: { indices: Uint32Array; values: Float32Array; positions?: Uint32Array }[],
  ) => {
    const zero = new Set(o.zeroIds);
    const cut = Math.max(0, o.threshold);
    const problems: string[] = [];
    let maxRel = 0;
    let maxAbs = 0;
    let nearCut = 0;
    let nearTies = 0;
    let positionsChecked = 0;
    const nnz: number[] = [];
    const near = (s: number, v: number) => Math.abs(ref[s]!.value[v]! - cut) <= o.tol * Math.max(1, cut);
    if (got.length !== ref.length) problems.push(`${got.length} vectors for ${ref.length} segments`);
    ref.forEach((seg, s) => {
      const g = got[s];
      if (!g) return;
      // What is expected of segment s: id -> [value, window, token].
      const want = new Map<number, [number, number, number]>();
      const e = expected?.[s];
      if (e)
        e.indices.forEach((v, k) =>
          want.set(v, [e.values[k]!, e.positions?.[2 * k] ?? -1, e.positions?.[2 * k + 1] ?? -1]),
        );
      else
        for (let v = 0; v < c.vocab; v++)
          if (!zero.has(v) && seg.value[v]! > cut) want.set(v, [seg.value[v]!, seg.window[v]!, seg.token[v]!]);
      nnz.push(want.size);
      const gotIds = new Set(g.indices);
      for (let k = 1; k < g.indices.length; k++)
        if (g.indices[k]! <= g.indices[k - 1]!) problems.push(`segment ${s}: ids not ascending at ${k}`);
      for (const v of want.keys())
        if (!gotIds.has(v)) {
          if (near(s, v)) nearCut++;
          else problems.push(`segment ${s}: id ${v} (${seg.value[v]}) missing`);
        }
      if (!o.positions && g.positions) problems.push(`segment ${s}: positions returned unasked`);
      g.indices.forEach((v, k) => {
        if (zero.has(v)) problems.push(`segment ${s}: zeroed id ${v} present`);
        const w = want.get(v);
        if (!w) {
          if (near(s, v)) nearCut++;
          else problems.push(`segment ${s}: id ${v} (${g.values[k]} vs ${seg.value[v]}) extra`);
          return;
        }
        const err = Math.abs(g.values[k]! - w[0]);
        maxAbs = Math.max(maxAbs, err);
        // Relative error only where it is meaningful: near 0 the activation amplifies the logit's
        // rounding (log1p(x) ~ x), so tiny values are judged by the absolute error.
        if (w[0] >= 0.01) maxRel = Math.max(maxRel, err / w[0]);
        if (!o.positions) return;
        const gw = g.positions?.[2 * k];
        const gt = g.positions?.[2 * k + 1];
        positionsChecked++;
        if (gw === undefined || gt === undefined) problems.push(`segment ${s}: no position for ${v}`);
        else if (gw !== w[1] || gt !== w[2]) {
          const first = c.segments[s]!.start;
          const at = gt < c.lengths[first + gw]! ? logit(c, c.weight, first + gw, gt, v) : Infinity;
          const best = logit(c, c.weight, first + seg.window[v]!, seg.token[v]!, v);
          if (Math.abs(at - best) <= o.tol * Math.max(1, Math.abs(best))) nearTies++;
          else problems.push(`segment ${s}: id ${v} at (${gw}, ${gt}), expected (${w[1]}, ${w[2]})`);
        }
      });
    });
    return { problems: problems.slice(0, 20), maxRel, maxAbs, nearCut, nearTies, nnz, positionsChecked };
  };
  /** Float16 rounding of W (what a float16 weight buffer holds), for the tight f16 comparison. */
  const roundHalf = (w: Float32Array) => {
    const out = new Float64Array(w.length);
    const f16round = (Math as unknown as { f16round: (x: number) => number }).f16round;
    for (let i = 0; i < w.length; i++) out[i] = f16round(w[i]!);
    return out;
  };
  (window as any).fused = { makeCase, reference, logits, upload, compare, roundHalf, activate };
}

async function open(page: Page): Promise<void> {
  await openHarness(page);
  await page.evaluate(installHelpers);
}

const ZERO_IDS = [0, 100, 101, 102, 103];
const outputBytes = (segments: number, capacity: number) => (segments + segments * capacity * 3) * 4;

test('max and sum, both activations, padding, several windows per document, zero ids, threshold, positions: equal to a float64 reference and to the CPU pooler (vocab 30522)', async ({
  page,
}) => {
  test.setTimeout(600_000);
  await open(page);
  const r = await page.evaluate(async (zeroIds) => {
    const { FusedSpladeHead, poolCpu } = (window as any).pooling;
    const f = (window as any).fused;
    const device: GPUDevice = await (await navigator.gpu.requestAdapter())!.requestDevice();
    // Three documents: two windows (one padded), one window, three windows (padded, one short).
    const c = f.makeCase({
      vocab: 30522,
      hidden: 64,
      tokens: 96,
      lengths: [96, 41, 96, 7, 60, 33],
      segments: [
        { start: 0, end: 2 },
        { start: 2, end: 3 },
        { start: 3, end: 6 },
      ],
      active: 0.02,
      seed: 11,
    });
    const head = await FusedSpladeHead.create(device, {
      weight: c.weight,
      bias: c.bias,
      vocab: c.vocab,
      hidden: c.hidden,
    });
    const buffer = f.upload(device, c.h);
    const logits = f.logits(c);
    const runs: any[] = [];
    for (const [strategy, activation, threshold, positions] of [
      ['max', 'relu', 0, true],
      ['max', 'log1p_relu', 0.4, true],
      ['max', 'relu', 0, false],
      ['sum', 'relu', 0, false],
      ['sum', 'log1p_relu', 0.5, false],
    ] as const) {
      const config = { strategy, activation, vocabSize: c.vocab };
      const got = await head.pool(buffer, c, config, zeroIds, threshold, positions);
      const stats = { ...head.lastStats };
      const ref = f.reference(c, strategy, activation);
      const cpu = poolCpu({ ...c, logits }, config, { zeroIds, threshold, positions });
      const o = { zeroIds, threshold, positions, tol: 1e-5 };
      runs.push({
        what: `${strategy}/${activation}/threshold ${threshold}/${positions ? 'positions' : 'no positions'}`,
        stats,
        reference: f.compare(c, got, ref, o),
        cpu: f.compare(c, got, ref, o, cpu),
        cpuVsReference: f.compare(c, cpu, ref, o),
      });
    }
    head.dispose();
    device.destroy();
    return runs;
  }, ZERO_IDS);
  for (const run of r) {
    console.log(
      `${run.what}: non-zeros ${run.reference.nnz.join('/')}, largest error relative / absolute vs float64 ${run.reference.maxRel.toExponential(2)} / ${run.reference.maxAbs.toExponential(2)}, vs the CPU pooler ${run.cpu.maxRel.toExponential(2)} / ${run.cpu.maxAbs.toExponential(2)} (the CPU pooler vs float64: ${run.cpuVsReference.maxRel.toExponential(2)} / ${run.cpuVsReference.maxAbs.toExponential(2)}); near-cut ids ${run.reference.nearCut}, near ties ${run.reference.nearTies} of ${run.reference.positionsChecked} positions`,
    );
    expect(run.reference.problems, run.what).toEqual([]);
    expect(run.cpu.problems, run.what).toEqual([]);
    // Realistic sparsity: a few hundred entries per document, none beyond the first compaction.
    for (const n of run.reference.nnz) expect(n).toBeGreaterThan(100);
    expect(run.stats).toEqual({ readbackBytes: outputBytes(3, 512), launches: 1, dispatches: 1 });
    // float32 dot products of 64 terms against float64 (measured: ~1.3e-6 absolute on logits of
    // spread ~1), and sums of up to 199 activations.
    for (const vs of [run.reference, run.cpu]) {
      expect(vs.maxAbs, run.what).toBeLessThan(run.what.startsWith('max') ? 1e-5 : 5e-5);
      expect(vs.maxRel, run.what).toBeLessThan(1e-4);
    }
    if (run.what.includes('/positions')) expect(run.reference.positionsChecked).toBeGreaterThan(300);
  }
  expect(r[1].reference.nnz[0]).toBeLessThan(r[0].reference.nnz[0]); // the threshold removed entries
});

test('a 2048-token window and a second window of the same document: max pooling with positions equals the float64 reference', async ({
  page,
}) => {
  test.setTimeout(900_000);
  await open(page);
  const r = await page.evaluate(async (zeroIds) => {
    const { FusedSpladeHead } = (window as any).pooling;
    const f = (window as any).fused;
    const device: GPUDevice = await (await navigator.gpu.requestAdapter())!.requestDevice();
    const c = f.makeCase({
      vocab: 30522,
      hidden: 64,
      tokens: 2048,
      lengths: [2048, 700],
      segments: [{ start: 0, end: 2 }],
      active: 0.02,
      seed: 23,
    });
    const head = await FusedSpladeHead.create(device, {
      weight: c.weight,
      bias: c.bias,
      vocab: c.vocab,
      hidden: c.hidden,
    });
    const buffer = f.upload(device, c.h);
    const config = { strategy: 'max', activation: 'log1p_relu', vocabSize: c.vocab };
    const started = performance.now();
    const got = await head.pool(buffer, c, config, zeroIds);
    const gpuMs = performance.now() - started;
    const ref = f.reference(c, 'max', 'log1p_relu');
    const cmp = f.compare(c, got, ref, { zeroIds, threshold: 0, positions: true, tol: 1e-5 });
    const positions = got[0].positions as Uint32Array;
    let lateTokens = 0;
    let secondWindow = 0;
    for (let k = 0; k < positions.length; k += 2) {
      if (positions[k] === 0 && positions[k + 1]! >= 1024) lateTokens++;
      if (positions[k] === 1) secondWindow++;
    }
    head.dispose();
    device.destroy();
    return { cmp, gpuMs, lateTokens, secondWindow, stats: head.lastStats };
  }, ZERO_IDS);
  console.log(
    `2048 + 700 tokens x 30522 entries x 64: ${r.gpuMs.toFixed(0)} ms on this adapter; non-zeros ${r.cmp.nnz}, largest error relative / absolute ${r.cmp.maxRel.toExponential(2)} / ${r.cmp.maxAbs.toExponential(2)}, near ties ${r.cmp.nearTies} of ${r.cmp.positionsChecked}; maxima in tokens >= 1024: ${r.lateTokens}, in the second window: ${r.secondWindow}`,
  );
  expect(r.cmp.problems).toEqual([]);
  expect(r.cmp.maxAbs).toBeLessThan(1e-5);
  expect(r.cmp.maxRel).toBeLessThan(1e-4);
  expect(r.cmp.positionsChecked).toBe(r.cmp.nnz[0]);
  // The maxima spread over the whole window and into the second one.
  expect(r.lateTokens).toBeGreaterThan(50);
  expect(r.secondWindow).toBeGreaterThan(20);
  expect(r.stats.dispatches).toBe(1);
});

test('vocab 50000, hidden 128, the weight split over several buffers; float16 weights against float32; weightFormat auto falls back to float32 without shader-f16', async ({
  page,
}) => {
  test.setTimeout(900_000);
  await open(page);
  const r = await page.evaluate(async (zeroIds) => {
    const { FusedSpladeHead, poolCpu } = (window as any).pooling;
    const f = (window as any).fused;
    const adapter = (await navigator.gpu.requestAdapter())!;
    const adapterF16 = adapter.features.has('shader-f16');
    const device: GPUDevice = await adapter.requestDevice(adapterF16 ? { requiredFeatures: ['shader-f16'] } : {});
    const c = f.makeCase({
      vocab: 50000, // not a multiple of the 32-entry tile: the last tile of the last chunk is partial
      hidden: 128,
      tokens: 48,
      lengths: [48, 30, 48, 9],
      segments: [
        { start: 0, end: 2 },
        { start: 2, end: 4 },
      ],
      active: 0.015,
      seed: 37,
    });
    const weights = { weight: c.weight, bias: c.bias, vocab: c.vocab, hidden: c.hidden };
    const buffer = f.upload(device, c.h);
    const logits = f.logits(c);
    const out: any = { adapterF16 };
    // auto: float16 only where the device has shader-f16.
    const auto = await FusedSpladeHead.create(device, weights);
    out.auto = { format: auto.weightFormat, bytes: auto.weightBytes };
    auto.dispose();
    const runs: Record<string, any> = {};
    for (const format of ['float32', 'float16'] as const) {
      // 6 MB per weight buffer: 25.6 MB of float32 W in 5 buffers, 12.8 MB of float16 in 3.
      const head = await FusedSpladeHead.create(device, weights, { weightFormat: format, maxWeightChunkBytes: 6e6 });
      const half = format === 'float16' ? f.roundHalf(c.weight) : undefined;
      for (const [strategy, activation] of [
        ['max', 'relu'],
        ['sum', 'log1p_relu'],
      ] as const) {
        const config = { strategy, activation, vocabSize: c.vocab };
        const positions = strategy === 'max';
        const got = await head.pool(buffer, c, config, zeroIds);
        const ref = f.reference(c, strategy, activation);
        const o = { zeroIds, threshold: 0, positions, tol: format === 'float16' ? 2e-2 : 1e-5 };
        runs[`${format} ${strategy}/${activation}`] = {
          format: head.weightFormat,
          chunks: head.weightChunks,
          bytes: head.weightBytes,
          stats: { ...head.lastStats },
          reference: f.compare(c, got, ref, o),
          // float16: against the reference computed with the float16-rounded W, the arithmetic alone.
          ...(half
            ? { rounded: f.compare(c, got, f.reference(c, strategy, activation, half), { ...o, tol: 1e-5 }) }
            : { cpu: f.compare(c, got, ref, o, poolCpu({ ...c, logits }, config, { zeroIds, positions })) }),
        };
      }
      head.dispose();
    }
    out.runs = runs;
    // An odd hidden size: float16 rows are padded to whole words, float32 rows end mid-tile.
    const odd = f.makeCase({
      vocab: 4000,
      hidden: 67,
      tokens: 40,
      lengths: [40, 13],
      segments: [{ start: 0, end: 2 }],
      active: 0.1,
      seed: 41,
    });
    const oddBuffer = f.upload(device, odd.h);
    const oddRef = f.reference(odd, 'max', 'relu');
    out.odd = {};
    for (const format of ['float32', 'float16'] as const) {
      const head = await FusedSpladeHead.create(
        device,
        { weight: odd.weight, bias: odd.bias, vocab: odd.vocab, hidden: odd.hidden },
        { weightFormat: format },
      );
      const got = await head.pool(oddBuffer, odd, { strategy: 'max', activation: 'relu', vocabSize: odd.vocab }, []);
      const ref = format === 'float16' ? f.reference(odd, 'max', 'relu', f.roundHalf(odd.weight)) : oddRef;
      out.odd[format] = {
        bytes: head.weightBytes,
        cmp: f.compare(odd, got, ref, { zeroIds: [], threshold: 0, positions: true, tol: 1e-5 }),
      };
      head.dispose();
    }
    device.destroy();
    return out;
  }, ZERO_IDS);

  for (const [what, run] of Object.entries(r.runs) as [string, any][]) {
    const vs = run.cpu ?? run.rounded;
    console.log(
      `${what}: ${run.chunks} weight buffers, ${run.bytes} bytes; non-zeros ${run.reference.nnz.join('/')}; largest error relative / absolute vs float64 ${run.reference.maxRel.toExponential(2)} / ${run.reference.maxAbs.toExponential(2)}, near-cut ids ${run.reference.nearCut}, near ties ${run.reference.nearTies} of ${run.reference.positionsChecked}; vs ${run.cpu ? 'the CPU pooler' : 'float64 with float16-rounded W'} ${vs.maxRel.toExponential(2)} / ${vs.maxAbs.toExponential(2)}`,
    );
    expect(run.stats.dispatches).toBe(run.chunks);
    expect(run.reference.problems, what).toEqual([]);
    expect(vs.problems, what).toEqual([]);
    expect(vs.maxAbs, what).toBeLessThan(what.includes('max') ? 1e-5 : 5e-5);
    expect(vs.maxRel, what).toBeLessThan(1e-4);
    if (run.format === 'float16') {
      // float16 weights (11-bit significand): logits within ~1e-3 of float32's at this scale.
      expect(run.reference.maxAbs, what).toBeLessThan(5e-3);
    } else {
      expect(run.reference.maxAbs, what).toBeLessThan(what.includes('max') ? 1e-5 : 5e-5);
    }
  }
  expect(r.runs['float32 max/relu'].chunks).toBe(5);
  expect(r.runs['float16 max/relu'].chunks).toBe(3);
  expect(r.runs['float32 max/relu'].format).toBe('float32');
  expect(r.runs['float16 max/relu'].format).toBe('float16');
  expect(r.runs['float16 max/relu'].bytes).toBe(50000 * 128 * 2 + 50000 * 4);
  expect(r.runs['float32 max/relu'].bytes).toBe(50000 * 128 * 4 + 50000 * 4);
  expect(r.auto.format).toBe(r.adapterF16 ? 'float16' : 'float32');
  console.log(`adapter shader-f16: ${r.adapterF16}; weightFormat auto -> ${r.auto.format}`);
  for (const format of ['float32', 'float16']) {
    expect(r.odd[format].cmp.problems, format).toEqual([]);
    expect(r.odd[format].cmp.maxAbs, format).toBeLessThan(1e-5);
  }
  expect(r.odd.float16.bytes).toBe(4000 * 34 * 4 + 4000 * 4); // 67 halves padded to 34 words
});

test('overflow: documents with more non-zeros than the initial 512 are compacted again (the head runs once), the capacity carries over and shrinks back', async ({
  page,
}) => {
  test.setTimeout(600_000);
  await open(page);
  const r = await page.evaluate(async (zeroIds) => {
    const { FusedSpladeHead, INITIAL_CAPACITY } = (window as any).pooling;
    const f = (window as any).fused;
    const device: GPUDevice = await (await navigator.gpu.requestAdapter())!.requestDevice();
    // A tenth of the vocabulary active: ~2000 non-zeros in the long document, fewer in the short one.
    const c = f.makeCase({
      vocab: 30522,
      hidden: 64,
      tokens: 32,
      lengths: [32, 32, 20, 3],
      segments: [
        { start: 0, end: 3 },
        { start: 3, end: 4 },
      ],
      active: 0.1,
      seed: 53,
    });
    const head = await FusedSpladeHead.create(device, {
      weight: c.weight,
      bias: c.bias,
      vocab: c.vocab,
      hidden: c.hidden,
    });
    const buffer = f.upload(device, c.h);
    const config = { strategy: 'max', activation: 'relu', vocabSize: c.vocab };
    const ref = f.reference(c, 'max', 'relu');
    const o = { zeroIds, threshold: 0, positions: true, tol: 1e-5 };
    const runs: any[] = [];
    const poolAt = async (threshold: number) => {
      const capacityBefore = head.capacity;
      const got = await head.pool(buffer, c, config, zeroIds, threshold);
      return {
        threshold,
        capacityBefore,
        capacityAfter: head.capacity,
        stats: { ...head.lastStats },
        cmp: f.compare(c, got, ref, { ...o, threshold }),
      };
    };
    runs.push(await poolAt(0)); // overflows: compacted again with room for all
    runs.push(await poolAt(0)); // starts with the capacity that was needed
    // A threshold that leaves ~150 entries in the long document: the capacity halves back, call by call.
    const sorted = Array.from(ref[0].value as Float64Array).sort((a, b) => b - a);
    const high = sorted[150]!;
    for (let k = 0; k < 4; k++) runs.push(await poolAt(high));
    head.dispose();
    device.destroy();
    return { INITIAL_CAPACITY, runs };
  }, ZERO_IDS);
  expect(r.INITIAL_CAPACITY).toBe(512);
  const [first, second, ...shrinking] = r.runs;
  for (const run of r.runs) {
    expect(run.cmp.problems, `threshold ${run.threshold}`).toEqual([]);
    expect(run.cmp.maxAbs).toBeLessThan(1e-5);
  }
  const [long, short] = first.cmp.nnz;
  console.log(
    `overflow: non-zeros ${long}/${short}; launches ${first.stats.launches}, capacity ${first.capacityBefore} -> ${first.capacityAfter}; then ${shrinking.map((s: any) => s.capacityAfter).join(' -> ')}`,
  );
  expect(long).toBeGreaterThan(1024);
  expect(short).toBeGreaterThan(512);
  // The head ran once; the compaction twice, the second with room for the largest document.
  expect(first.stats).toEqual({
    dispatches: 1,
    launches: 2,
    readbackBytes: outputBytes(2, 512) + outputBytes(2, long),
  });
  const grown = 2 ** Math.ceil(Math.log2(long));
  expect(first.capacityBefore).toBe(512);
  expect(first.capacityAfter).toBe(grown);
  expect(second.stats).toEqual({ dispatches: 1, launches: 1, readbackBytes: outputBytes(2, grown) });
  expect(shrinking.map((s: any) => s.capacityAfter)).toEqual(
    [grown / 2, grown / 4, grown / 8, grown / 16].map((x) => Math.max(512, x)),
  );
  for (const s of shrinking) {
    expect(s.stats.launches).toBe(1);
    expect(s.cmp.nnz[0]).toBeLessThanOrEqual(150);
  }
});

test('a lost device fails pool with gpu-device-lost (before and during a batch); dispose frees the head; bad input is refused naming what is accepted', async ({
  page,
}) => {
  test.setTimeout(300_000);
  await open(page);
  const r = await page.evaluate(async () => {
    const { FusedSpladeHead } = (window as any).pooling;
    const f = (window as any).fused;
    // An adapter gives one device: each device here comes from a fresh adapter.
    const newDevice = async () => (await navigator.gpu.requestAdapter())!.requestDevice();
    const outcome = async (p: Promise<unknown>) => {
      try {
        await p;
        return 'resolved';
      } catch (e: any) {
        return `${e.name}:${e.code}:${e.message}`;
      }
    };
    const c = f.makeCase({
      vocab: 30522,
      hidden: 64,
      tokens: 256,
      lengths: [256, 256],
      segments: [{ start: 0, end: 2 }],
      active: 0.01,
      seed: 61,
    });
    const weights = { weight: c.weight, bias: c.bias, vocab: c.vocab, hidden: c.hidden };
    const config = { strategy: 'max', activation: 'relu', vocabSize: c.vocab };
    const out: Record<string, string> = {};

    let device = await newDevice();
    let head = await FusedSpladeHead.create(device, weights);
    let buffer = f.upload(device, c.h);
    device.destroy();
    await device.lost;
    out.before = await outcome(head.pool(buffer, c, config, []));

    device = await newDevice();
    head = await FusedSpladeHead.create(device, weights);
    buffer = f.upload(device, c.h);
    const during = head.pool(buffer, c, config, []);
    await new Promise((resolve) => setTimeout(resolve, 50));
    device.destroy();
    out.during = await outcome(during);

    device = await newDevice();
    head = await FusedSpladeHead.create(device, weights);
    buffer = f.upload(device, c.h);
    head.dispose();
    out.disposed = await outcome(head.pool(buffer, c, config, []));
    const small = { rows: 1, tokens: 256, lengths: [256], segments: [{ start: 0, end: 1 }] };
    out.weightLength = await outcome(FusedSpladeHead.create(device, { ...weights, hidden: 63 }));
    out.format = await outcome(FusedSpladeHead.create(device, weights, { weightFormat: 'int8' }));
    out.tiling = await outcome(FusedSpladeHead.create(device, weights, { tiling: { tileK: 31 } }));
    head = await FusedSpladeHead.create(device, weights);
    out.length = await outcome(head.pool(buffer, { ...small, lengths: [257] }, config, []));
    out.segments = await outcome(
      head.pool(
        buffer,
        {
          ...small,
          rows: 2,
          lengths: [3, 3],
          segments: [
            { start: 1, end: 2 },
            { start: 0, end: 1 },
          ],
        },
        config,
        [],
      ),
    );
    out.buffer = await outcome(head.pool(buffer, { ...small, rows: 3, lengths: [1, 1, 1] }, config, []));
    head.dispose();
    device.destroy();
    return out;
  });
  expect(r.before).toMatch(
    /^SpladeError:gpu-device-lost:the GPU device was lost before the batch started \(destroyed: /,
  );
  expect(r.during).toMatch(/^SpladeError:gpu-device-lost:the GPU device was lost during the batch \(destroyed: /);
  expect(r.disposed).toBe('SpladeError:runtime:this fused head was disposed');
  expect(r.weightLength).toBe(
    'SpladeError:invalid-input:the decoder weight has 1953408 values, expected vocab x hidden = 30522 x 63 = 1922886',
  );
  expect(r.format).toBe(
    'SpladeError:invalid-option:weightFormat "int8" is not supported; accepted: auto, float32, float16',
  );
  expect(r.tiling).toContain('SpladeError:invalid-option:fused head tiling');
  expect(r.tiling).toContain('tileK must be even, got 31');
  expect(r.length).toBe('SpladeError:invalid-input:fused head batch: row 0 has length 257, accepted: 0 to 256');
  expect(r.segments).toBe(
    'SpladeError:invalid-input:fused head batch: segment 1 is rows 0 to 1; accepted: non-empty runs of rows, in order, not overlapping, from row 2 to at most 2',
  );
  expect(r.buffer).toBe(
    'SpladeError:runtime:the hidden-state buffer has 131072 bytes, expected at least rows x tokens x hidden x 4 = 196608',
  );
});

test("onnxruntime-web's own output buffer, on its own device: the head pools a WebGPU session's hidden-state output in place", async ({
  page,
}) => {
  test.setTimeout(300_000);
  await open(page);
  const r = await page.evaluate(async (zeroIds) => {
    const { FusedSpladeHead } = (window as any).pooling;
    const f = (window as any).fused;
    const ort = (window as any).ort;
    const protoUrl = '/src/model/graph/proto.ts';
    const { DataType, encodeModel } = await import(/* @vite-ignore */ protoUrl);
    const c = f.makeCase({
      vocab: 30522,
      hidden: 64,
      tokens: 64,
      lengths: [64, 50],
      segments: [
        { start: 0, end: 1 },
        { start: 1, end: 2 },
      ],
      active: 0.02,
      seed: 71,
    });
    // A stand-in for a graph that ends at the transformed hidden state: states = x * 1.
    const one = new Float32Array([1]);
    const model = encodeModel({
      irVersion: 8,
      opsets: [{ domain: '', version: 17 }],
      producerName: 'splade-web e2e',
      graph: {
        name: 'hidden-states',
        nodes: [{ opType: 'Mul', inputs: ['x', 'one'], outputs: ['states'] }],
        inputs: [{ name: 'x', dataType: DataType.FLOAT, shape: ['rows', 'tokens', 64] }],
        outputs: [{ name: 'states', dataType: DataType.FLOAT, shape: ['rows', 'tokens', 64] }],
        initializers: [{ name: 'one', dataType: DataType.FLOAT, dims: [], raw: new Uint8Array(one.buffer) }],
      },
    });
    const session = await ort.InferenceSession.create(model, {
      executionProviders: ['webgpu'],
      preferredOutputLocation: 'gpu-buffer',
    });
    const device = (await ort.env.webgpu.device) as GPUDevice;
    const head = await FusedSpladeHead.create(device, {
      weight: c.weight,
      bias: c.bias,
      vocab: c.vocab,
      hidden: c.hidden,
    });
    const { states } = await session.run({ x: new ort.Tensor('float32', c.h, [c.rows, c.tokens, c.hidden]) });
    const got = await head.pool(
      states.gpuBuffer,
      c,
      { strategy: 'max', activation: 'relu', vocabSize: c.vocab },
      zeroIds,
    );
    const cmp = f.compare(c, got, f.reference(c, 'max', 'relu'), { zeroIds, threshold: 0, positions: true, tol: 1e-5 });
    const location = states.location;
    states.dispose();
    head.dispose();
    await session.release();
    return { cmp, location };
  }, ZERO_IDS);
  expect(r.location).toBe('gpu-buffer');
  expect(r.cmp.problems).toEqual([]);
  expect(r.cmp.maxAbs).toBeLessThan(1e-5);
  expect(r.cmp.nnz.every((n: number) => n > 100)).toBe(true);
});
