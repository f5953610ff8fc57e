/**
 * Browser side of `npm run bench:encode`. The runner (bench/run.mjs) calls window.runEncodeBench
 * with documents from a real corpus; everything is measured in this one page, on this machine.
 */
import { SparseEncoder, type EncoderDevice } from '../src/browser.ts';
import { poolCpu } from '../src/pooling/cpu.ts';
import { GpuPooler } from '../src/pooling/gpu.ts';
import { ort } from '../src/runtime/web.ts';

interface PathResult {
  docsPerSec: number;
  readbackBytesPerDoc: number;
  logitsBytesPerDoc: number;
  windows: number;
}

const log = (line: string) => {
  document.getElementById('log')!.textContent += `\n${line}`;
  console.log(line);
};

async function encodePath(
  model: string,
  texts: string[],
  device: EncoderDevice,
  pooling: 'gpu' | 'cpu',
  batchSize: number,
): Promise<PathResult> {
  const enc = await SparseEncoder.fromPretrained(model, { device, pooling, batchSize });
  await enc.encodeDocument(texts.slice(0, batchSize)); // warm-up: session, shaders, pipelines
  const started = performance.now();
  await enc.encodeDocument(texts);
  const seconds = (performance.now() - started) / 1000;
  const s = enc.lastStats;
  await enc.dispose();
  return {
    docsPerSec: texts.length / seconds,
    readbackBytesPerDoc: s.readbackBytes / texts.length,
    logitsBytesPerDoc: s.logitsBytes / texts.length,
    windows: s.windows,
  };
}

const COPY_SHADER = /* wgsl */ `
@group(0) @binding(0) var<storage, read> src: array<f32>;
@group(0) @binding(1) var<storage, read_write> dst: array<f32>;
@group(0) @binding(2) var<uniform> count: u32;
@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let i = gid.x + gid.y * groups.x * 64u;
  if (i >= count) { return; }
  dst[i] = src[i];
}`;

/** WGSL pooling vs a plain WGSL copy of the same logits on ORT's device, and the JS pooler. */
async function poolKernels(rows: number, tokens: number, vocab: number, reps: number) {
  const device = (await ort.env.webgpu.device) as GPUDevice;
  const count = rows * tokens * vocab;
  const bytes = count * 4;
  const host = new Float32Array(count);
  for (let k = 0; k < count; k++) host[k] = Math.sin(k * 12.9898) * 6 - 5; // mostly negative, like real logits
  const usage = GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST | GPUBufferUsage.COPY_SRC;
  const logits = device.createBuffer({ label: 'bench logits', size: bytes, usage });
  device.queue.writeBuffer(logits, 0, host);
  const config = { strategy: 'max' as const, activation: 'log1p_relu' as const, vocabSize: vocab };
  const shape = {
    rows,
    tokens,
    vocab,
    lengths: new Array(rows).fill(tokens),
    segments: Array.from({ length: rows }, (_, r) => ({ start: r, end: r + 1 })),
  };
  const pooler = new GpuPooler(device);
  await pooler.pool(logits, shape, config, [0, 100, 101, 102, 103]); // warm-up (pipeline, capacity)
  let started = performance.now();
  for (let k = 0; k < reps; k++) await pooler.pool(logits, shape, config, [0, 100, 101, 102, 103]);
  const wgsl = (performance.now() - started) / reps;

  const dst = device.createBuffer({ label: 'bench copy target', size: bytes, usage });
  const module = device.createShaderModule({ label: 'bench copy shader', code: COPY_SHADER });
  const pipeline = device.createComputePipeline({
    label: 'bench copy',
    layout: 'auto',
    compute: { module, entryPoint: 'main' },
  });
  const uniform = device.createBuffer({ size: 16, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
  device.queue.writeBuffer(uniform, 0, Uint32Array.of(count, 0, 0, 0));
  const bind = device.createBindGroup({
    layout: pipeline.getBindGroupLayout(0),
    entries: [
      { binding: 0, resource: { buffer: logits } },
      { binding: 1, resource: { buffer: dst } },
      { binding: 2, resource: { buffer: uniform } },
    ],
  });
  const groups = Math.ceil(count / 64);
  const gx = Math.min(groups, 65535);
  const gy = Math.ceil(groups / gx);
  const copyOnce = async () => {
    const enc = device.createCommandEncoder();
    const pass = enc.beginComputePass();
    pass.setPipeline(pipeline);
    pass.setBindGroup(0, bind);
    pass.dispatchWorkgroups(gx, gy);
    pass.end();
    device.queue.submit([enc.finish()]);
    await device.queue.onSubmittedWorkDone();
  };
  await copyOnce();
  started = performance.now();
  for (let k = 0; k < reps; k++) await copyOnce();
  const copy = (performance.now() - started) / reps;

  started = performance.now();
  for (let k = 0; k < reps; k++) poolCpu({ ...shape, logits: host }, config, { zeroIds: [0, 100, 101, 102, 103] });
  const js = (performance.now() - started) / reps;
  logits.destroy();
  dst.destroy();
  uniform.destroy();
  pooler.dispose();
  // The pooler reads the logits once; the copy reads and writes them.
  return {
    poolMs: { wgsl, copy, js },
    logitsBytes: bytes,
    bandwidthGBps: {
      wgslPool: bytes / wgsl / 1e6,
      copyReadPlusWrite: (2 * bytes) / copy / 1e6,
      copyReadOnly: bytes / copy / 1e6,
    },
  };
}

/**
 * The same model through transformers.js on WebGPU, logits read back and pooled in JS: what one
 * would write with transformers.js today. It is handed this page's onnxruntime-web instance
 * (transformers.js uses a host runtime published under Symbol.for('onnxruntime')).
 */
async function transformersJsPath(texts: string[], batchSize: number): Promise<PathResult> {
  (globalThis as Record<symbol, unknown>)[Symbol.for('onnxruntime')] = ort;
  const { AutoModelForMaskedLM, AutoTokenizer, env } = await import('@huggingface/transformers');
  env.allowRemoteModels = false;
  env.allowLocalModels = true; // off by default in browsers
  env.localModelPath = '/models/';
  const id = 'splade-tiny-en-if/document_0_MLMTransformer';
  const tokenizer = await AutoTokenizer.from_pretrained(id);
  const model = await AutoModelForMaskedLM.from_pretrained(id, { device: 'webgpu', dtype: 'fp32' });
  const config = { strategy: 'max' as const, activation: 'log1p_relu' as const, vocabSize: 30522 };
  let logitsBytes = 0;
  const run = async (batch: string[]) => {
    const inputs = tokenizer(batch, { padding: true, truncation: true, max_length: 128 });
    const { logits } = await model(inputs);
    const [rows, tokens, vocab] = logits.dims as number[];
    const mask = inputs.attention_mask.tolist() as bigint[][];
    const lengths = mask.map((m) => m.filter((x) => x === 1n).length);
    poolCpu(
      {
        logits: logits.data as Float32Array,
        rows: rows!,
        tokens: tokens!,
        vocab: vocab!,
        lengths,
        segments: lengths.map((_, r) => ({ start: r, end: r + 1 })),
      },
      config,
      { zeroIds: [0, 100, 101, 102, 103] },
    );
    logitsBytes += (logits.data as Float32Array).byteLength;
  };
  await run(texts.slice(0, batchSize));
  logitsBytes = 0;
  const started = performance.now();
  for (let k = 0; k < texts.length; k += batchSize) await run(texts.slice(k, k + batchSize));
  const seconds = (performance.now() - started) / 1000;
  await model.dispose();
  return {
    docsPerSec: texts.length / seconds,
    readbackBytesPerDoc: logitsBytes / texts.length,
    logitsBytesPerDoc: logitsBytes / texts.length,
    windows: texts.length,
  };
}

async function queryEncodeMs(model: string, queries: string[]): Promise<number> {
  const enc = await SparseEncoder.fromPretrained(model, { queryOnly: true });
  for (const q of queries.slice(0, 20)) await enc.encodeQuery(q);
  const started = performance.now();
  let n = 0;
  for (let round = 0; round < 5; round++)
    for (const q of queries) {
      await enc.encodeQuery(q);
      n++;
    }
  return (performance.now() - started) / n;
}

(window as unknown as { runEncodeBench: unknown }).runEncodeBench = async (config: {
  model: string;
  texts: string[];
  queries: string[];
  batchSize: number;
  gpuTexts: number;
}) => {
  const { model, texts, queries, batchSize } = config;
  const gpuTexts = texts.slice(0, config.gpuTexts); // SwiftShader is slow: fewer documents on the GPU paths
  log(`isolated=${crossOriginIsolated} threads=${ort.env.wasm.numThreads}`);
  const paths: Record<string, PathResult> = {};
  paths['wasm'] = await encodePath(model, texts, 'wasm', 'cpu', batchSize);
  log(`wasm ${JSON.stringify(paths['wasm'])}`);
  paths['webgpu-wgsl'] = await encodePath(model, gpuTexts, 'webgpu', 'gpu', batchSize);
  log(`webgpu-wgsl ${JSON.stringify(paths['webgpu-wgsl'])}`);
  paths['webgpu-readback'] = await encodePath(model, gpuTexts, 'webgpu', 'cpu', batchSize);
  log(`webgpu-readback ${JSON.stringify(paths['webgpu-readback'])}`);
  try {
    paths['webgpu-transformersjs'] = await transformersJsPath(gpuTexts, batchSize);
    log(`webgpu-transformersjs ${JSON.stringify(paths['webgpu-transformersjs'])}`);
  } catch (error) {
    log(`webgpu-transformersjs failed: ${(error as Error).message}`);
  }
  const kernels = await poolKernels(8, 128, 30522, 5);
  log(`kernels ${JSON.stringify(kernels)}`);
  const q = await queryEncodeMs(model, queries);
  log(`query ${q}`);
  const adapter = await navigator.gpu?.requestAdapter();
  return {
    paths,
    ...kernels,
    queryEncodeMs: q,
    adapter: adapter?.info.architecture ?? null,
    wasmThreads: ort.env.wasm.numThreads,
    crossOriginIsolated,
  };
};
