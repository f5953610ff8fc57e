/**
 * Browser side of `npm run bench:fused` (bench/fused-head.mjs): the fused SPLADE head
 * (src/pooling/fused-head.ts) against onnxruntime-web's own MatMul for the same projection, on the
 * same GPUDevice (ORT's), on the same hidden states.
 *
 * - ORT: a one-node-and-bias ONNX graph, logits = MatMul(hidden [1, T, H], Wᵀ [H, V]) + b, written
 *   with src/model/graph/proto.ts, run on the WebGPU EP with its output left on the GPU
 *   (`preferredOutputLocation: 'gpu-buffer'`), timed to the end of the GPU work.
 * - ORT + pool: the same, then the WGSL pooler over the logits (today's unfused path).
 * - fused: FusedSpladeHead.pool over the same hidden-state buffer, max pooling with positions,
 *   readback of the sparse result included.
 * All take the best of `reps` after a warm-up, interleaved so a slow spell of the machine hits each.
 */
import { FusedSpladeHead, type FusedHeadTiling } from '../src/pooling/fused-head.ts';
import { GpuPooler } from '../src/pooling/gpu.ts';
import { DataType, encodeModel } from '../src/model/graph/proto.ts';
import { ort } from '../src/runtime/web.ts';

export interface FusedBenchConfig {
  vocab: number;
  hidden: number;
  tokens: number;
  reps: number;
  weightFormat: 'float32' | 'float16';
  /** Tile sizes to try (default: the head's DEFAULT_TILING). */
  tiling?: Partial<FusedHeadTiling>;
  /** Skip onnxruntime (to compare tilings quickly). */
  fusedOnly?: boolean;
}

const log = (line: string) => {
  document.getElementById('log')!.textContent += `\n${line}`;
  console.log(line);
};

function mulberry(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** logits = hidden @ Wᵀ + b: the decoder as a built graph computes it, alone. */
function projectionModel(vocab: number, hidden: number, weight: Float32Array, bias: Float32Array): Uint8Array {
  const transposed = new Float32Array(hidden * vocab);
  for (let v = 0; v < vocab; v++) for (let k = 0; k < hidden; k++) transposed[k * vocab + v] = weight[v * hidden + k]!;
  const bytes = (a: Float32Array) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  return encodeModel({
    irVersion: 8,
    opsets: [{ domain: '', version: 17 }],
    producerName: 'splade-web bench:fused',
    graph: {
      name: 'projection',
      nodes: [
        { opType: 'MatMul', inputs: ['hidden', 'decoder_weight_t'], outputs: ['projected'], name: 'decoder_matmul' },
        { opType: 'Add', inputs: ['projected', 'decoder_bias'], outputs: ['logits'], name: 'decoder_bias_add' },
      ],
      inputs: [{ name: 'hidden', dataType: DataType.FLOAT, shape: [1, 'tokens', hidden] }],
      outputs: [{ name: 'logits', dataType: DataType.FLOAT, shape: [1, 'tokens', vocab] }],
      initializers: [
        { name: 'decoder_weight_t', dataType: DataType.FLOAT, dims: [hidden, vocab], raw: bytes(transposed) },
        { name: 'decoder_bias', dataType: DataType.FLOAT, dims: [vocab], raw: bytes(bias) },
      ],
    },
  });
}

async function runFusedBench(config: FusedBenchConfig) {
  const { vocab, hidden, tokens, reps } = config;
  const rng = mulberry(7);
  const scale = 3 / Math.sqrt(hidden);
  const weight = new Float32Array(vocab * hidden);
  for (let i = 0; i < weight.length; i++) weight[i] = (rng() * 2 - 1) * scale;
  const bias = new Float32Array(vocab);
  for (let v = 0; v < vocab; v++) bias[v] = rng() < 0.01 ? rng() * 2 - 1 : -7 - rng();
  const states = new Float32Array(tokens * hidden);
  for (let i = 0; i < states.length; i++) states[i] = rng() * 2 - 1;

  const session = await ort.InferenceSession.create(projectionModel(vocab, hidden, weight, bias), {
    executionProviders: ['webgpu'],
    preferredOutputLocation: 'gpu-buffer',
  });
  const device = (await ort.env.webgpu.device) as GPUDevice;
  const adapter = (device as GPUDevice & { adapterInfo?: GPUAdapterInfo }).adapterInfo;
  log(`device: ${adapter ? `${adapter.vendor} ${adapter.architecture} ${adapter.description}` : 'unknown'}`);
  const hiddenBuffer = device.createBuffer({
    label: 'bench hidden states',
    size: states.byteLength,
    usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST | GPUBufferUsage.COPY_SRC,
  });
  device.queue.writeBuffer(hiddenBuffer, 0, states);
  const input = ort.Tensor.fromGpuBuffer(hiddenBuffer, { dataType: 'float32', dims: [1, tokens, hidden] });

  const head = await FusedSpladeHead.create(
    device,
    { weight, bias, vocab, hidden },
    {
      weightFormat: config.weightFormat,
      ...(config.tiling ? { tiling: config.tiling } : {}),
    },
  );
  const pooler = new GpuPooler(device);
  const pooling = { strategy: 'max' as const, activation: 'log1p_relu' as const, vocabSize: vocab };
  const zeroIds = [0, 100, 101, 102, 103];
  const shape = { rows: 1, tokens, lengths: [tokens], segments: [{ start: 0, end: 1 }] };

  const ortOnce = async (pool: boolean) => {
    if (config.fusedOnly) return NaN;
    const started = performance.now();
    const out = await session.run({ hidden: input });
    const logits = out['logits'] as ReturnType<typeof ort.Tensor.fromGpuBuffer>;
    if (pool) await pooler.pool(logits.gpuBuffer as GPUBuffer, { ...shape, vocab }, pooling, zeroIds);
    else await device.queue.onSubmittedWorkDone();
    const ms = performance.now() - started;
    logits.dispose();
    return ms;
  };
  const fusedOnce = async () => {
    const started = performance.now();
    await head.pool(hiddenBuffer, shape, pooling, zeroIds);
    return performance.now() - started;
  };

  // Warm-up: pipelines compiled, capacities settled.
  await ortOnce(false);
  await ortOnce(true);
  await fusedOnce();
  const times = { ort: [] as number[], ortPool: [] as number[], fused: [] as number[] };
  for (let k = 0; k < reps; k++) {
    times.ort.push(await ortOnce(false));
    times.ortPool.push(await ortOnce(true));
    times.fused.push(await fusedOnce());
    log(
      `rep ${k + 1}: ORT MatMul ${times.ort.at(-1)!.toFixed(1)} ms, +pool ${times.ortPool.at(-1)!.toFixed(1)} ms, fused ${times.fused.at(-1)!.toFixed(1)} ms`,
    );
  }
  // Agreement: the fused vector against ORT's logits pooled by the WGSL pooler.
  const out = await session.run({ hidden: input });
  const logits = out['logits'] as ReturnType<typeof ort.Tensor.fromGpuBuffer>;
  const [unfused] = await pooler.pool(logits.gpuBuffer as GPUBuffer, { ...shape, vocab }, pooling, zeroIds);
  logits.dispose();
  const [fused] = await head.pool(hiddenBuffer, shape, pooling, zeroIds);
  let maxRel = 0;
  const same = unfused!.indices.join() === fused!.indices.join();
  if (same)
    unfused!.values.forEach((x, k) => (maxRel = Math.max(maxRel, Math.abs(x - fused!.values[k]!) / Math.abs(x))));

  const best = (xs: number[]) => Math.min(...xs);
  const perWindow = (ms: number) => (ms * 512) / tokens;
  const result = {
    adapter: adapter
      ? { vendor: adapter.vendor, architecture: adapter.architecture, description: adapter.description }
      : null,
    shaderF16: device.features.has('shader-f16'),
    shape: { vocab, hidden, tokens },
    weightFormat: head.weightFormat,
    tiling: head.tiling,
    reps,
    ms: { ortMatMul: best(times.ort), ortMatMulPool: best(times.ortPool), fused: best(times.fused) },
    msPer512TokenWindow: {
      ortMatMul: perWindow(best(times.ort)),
      ortMatMulPool: perWindow(best(times.ortPool)),
      fused: perWindow(best(times.fused)),
    },
    ratio: {
      fusedOverOrtMatMul: best(times.fused) / best(times.ort),
      fusedOverOrtMatMulPool: best(times.fused) / best(times.ortPool),
    },
    agreement: { sameIds: same, nonZeros: fused!.indices.length, maxRelativeDifference: maxRel },
    logitsBytesAvoided: tokens * vocab * 4,
    fusedReadbackBytes: head.lastStats.readbackBytes,
    all: times,
  };
  head.dispose();
  pooler.dispose();
  hiddenBuffer.destroy();
  await session.release();
  return result;
}

(window as unknown as { runFusedBench: typeof runFusedBench }).runFusedBench = runFusedBench;
log('ready');

/**
 * `BENCH_MODEL=<hub id>` (bench/fused-head.mjs): a whole built model, fused against unfused, on
 * WebGPU. One path per page load (a fresh GPUDevice each), chosen by `path`:
 * - 'fused': the graph built for WebGPU (tail 'hidden') and the fused head, as an encoder runs it;
 * - 'unfused': the graph of the same weights ending in logits (as built for no device in
 *   particular), pooled by the WGSL pooler: what WebGPU ran before the fused head.
 * Every GPU buffer made on the page (onnxruntime's and ours) is counted as it is created and
 * destroyed (GPUDevice.createBuffer / GPUBuffer.destroy, wrapped before onnxruntime makes its
 * device): the session's buffers once made (weights, the decoder on the head), and over one batch of
 * `rows` windows of `tokens` the peak of what was live above that: what the batch itself needed
 * (activations, logits or hidden state, the pooling's buffers). Cold (first) batch: onnxruntime keeps
 * the buffers a run freed for the next one, so a later batch allocates nothing new.
 */
const gpuBytes = { live: 0, peak: 0, sizes: new Map<GPUBuffer, number>() };
if (typeof GPUDevice !== 'undefined') {
  const create = GPUDevice.prototype.createBuffer;
  GPUDevice.prototype.createBuffer = function (this: GPUDevice, descriptor: GPUBufferDescriptor) {
    const buffer = create.call(this, descriptor);
    gpuBytes.sizes.set(buffer, buffer.size);
    gpuBytes.live += buffer.size;
    gpuBytes.peak = Math.max(gpuBytes.peak, gpuBytes.live);
    return buffer;
  };
  const destroy = GPUBuffer.prototype.destroy;
  GPUBuffer.prototype.destroy = function (this: GPUBuffer) {
    const size = gpuBytes.sizes.get(this);
    if (size !== undefined) {
      gpuBytes.live -= size;
      gpuBytes.sizes.delete(this);
    }
    return destroy.call(this);
  };
}

export interface ModelBenchConfig {
  model: string;
  hubUrl: string;
  path: 'fused' | 'unfused';
  rows: number;
  tokens: number;
  /** onnxruntime's log level for this page (bench/fused-head.mjs reads the node placement from 'verbose'). */
  ortLogLevel?: 'verbose' | 'info' | 'warning';
}

async function runModelBench(config: ModelBenchConfig) {
  if (config.ortLogLevel) ort.env.logLevel = config.ortLogLevel;
  const at = (path: string) => import(/* @vite-ignore */ path);
  const { openModelSource } = await at('/src/model/source.ts');
  const { loadModelSpec } = await at('/src/model/layout.ts');
  const { webRuntime } = await at('/src/runtime/web.ts');
  const { batchInputs } = await at('/src/encode/plan.ts');
  const files = openModelSource(config.model, { hubUrl: config.hubUrl, cache: false });
  const started = performance.now();
  const spec = await loadModelSpec(files, config.path === 'fused' ? { device: 'webgpu', shaderF16: false } : {});
  const route = spec.document;
  const buildMs = performance.now() - started;
  const vocab: number = route.pooling.vocabSize;
  const rng = mulberry(5);
  const { prefix, suffix } = route.tokenizer as { prefix: number[]; suffix: number[] };
  const content = config.tokens - prefix.length - suffix.length;
  const rows = Array.from({ length: config.rows }, (_, r) => ({
    doc: r,
    window: 0,
    ids: [...prefix, ...Array.from({ length: content }, () => 1000 + Math.floor(rng() * (vocab - 2000))), ...suffix],
  }));
  const planned = {
    rows,
    tokens: config.tokens,
    segments: rows.map((_, r) => ({ doc: r, firstWindow: 0, start: r, end: r + 1 })),
  };
  const batch = {
    ...batchInputs(planned, route.tokenizer.padId),
    rows: config.rows,
    tokens: config.tokens,
    vocab,
    segments: planned.segments,
  };
  const before = gpuBytes.live;
  const backend = await webRuntime.createBackend(route.onnx, route.onnxFile, 'webgpu', {}, route.externalData);
  const sessionBytes = gpuBytes.live - before;
  const adapter = ((await ort.env.webgpu.device) as GPUDevice & { adapterInfo?: GPUAdapterInfo }).adapterInfo;
  try {
    const base = gpuBytes.live;
    gpuBytes.peak = base;
    const t0 = performance.now();
    const result = await backend.run(batch, route.pooling, {
      zeroIds: route.tokenizer.specialIds,
      threshold: 0,
      positions: true,
    });
    const batchMs = performance.now() - t0;
    log(`${config.path}: batch of ${config.rows} x ${config.tokens} in ${batchMs.toFixed(0)} ms`);
    return {
      model: config.model,
      path: config.path,
      pooling: backend.info.pooling,
      tail: route.built?.tail,
      dtype: route.dtype,
      vocab,
      rows: config.rows,
      tokens: config.tokens,
      buildMs,
      batchMs,
      sessionGpuBytes: sessionBytes,
      batchPeakGpuBytes: gpuBytes.peak - base,
      peakGpuBytes: gpuBytes.peak - before,
      readbackBytes: result.readbackBytes,
      logitsBytes: result.logitsBytes ?? config.rows * config.tokens * vocab * 4,
      nonZeros: result.vectors.map((v: { indices: Uint32Array }) => v.indices.length),
      vectors: result.vectors.map((v: { indices: Uint32Array; values: Float32Array }) => ({
        indices: Array.from(v.indices),
        values: Array.from(v.values),
      })),
      adapter: adapter ? { vendor: adapter.vendor, architecture: adapter.architecture } : undefined,
    };
  } finally {
    await backend.dispose();
  }
}

(window as unknown as { runModelBench: typeof runModelBench }).runModelBench = runModelBench;
