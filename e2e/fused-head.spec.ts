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
