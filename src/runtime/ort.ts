/**
 * An execution backend runs the masked-LM on a batch of windows and returns pooled sparse vectors.
 * The same ORT code serves onnxruntime-web (WebGPU or WASM) and onnxruntime-node: their APIs are
 * the shared onnxruntime-common surface, so the module is passed in rather than imported.
 */
import type * as Ort from 'onnxruntime-common';
import { SpladeError } from '../errors.ts';
import { decodeHeadFile, type HeadWeights } from '../model/graph/head-file.ts';
import { HEAD_GRAPH_INPUT, headGraph } from '../model/graph/head-graph.ts';
import {
  HEAD_FILE,
  HIDDEN_OUTPUT,
  MAX_LOGIT_OUTPUT,
  MAX_TOKEN_OUTPUT,
  pooledTailFor,
  sumOutput,
} from '../model/graph/tail.ts';
import { ACTIVATIONS, type Activation, type PoolingConfig } from '../pooling/config.ts';
import { largestBatchBuffer } from '../encode/plan.ts';
import { poolCpu } from '../pooling/cpu.ts';
import { mergePooledRows } from '../pooling/pooled.ts';
import type {
  BackendInfo,
  BackendRunOptions,
  BackendRunResult,
  CreateFusedHead,
  EncoderDevice,
  ExecutionBackend,
  ExternalDataFile,
  FusedHeadLike,
  GpuPoolerLike,
  ModelBatch,
  ModelDetails,
} from './types.ts';
import { CPU_TENSOR_BYTES } from './types.ts';

type OrtModule = typeof Ort;

export interface OrtBackendOptions {
  ort: OrtModule;
  model: Uint8Array;
  modelFile: string;
  /** Weights the model references as external data (a built graph's, or an ONNX file's `.onnx_data`). */
  externalData?: readonly ExternalDataFile[] | undefined;
  /** The logits output, dtype and files, as the loader found them. */
  details?: ModelDetails | undefined;
  device: EncoderDevice;
  /** Where the logits are pooled: 'gpu' (WGSL, WebGPU only) or 'cpu' (logits read back). */
  pooling: 'gpu' | 'cpu';
  createGpuPooler?: (device: GPUDevice) => GpuPoolerLike;
  /** For a graph built for WebGPU ('hidden' tail): the fused head, which pools its hidden state. */
  createFusedHead?: CreateFusedHead;
  sessionOptions?: Ort.InferenceSession.SessionOptions;
  /**
   * WebGPU: the device the session runs on when the caller made it (passed to onnxruntime as the
   * execution provider's `device`); otherwise onnxruntime's own, `ort.env.webgpu.device`.
   */
  gpuDevice?: GPUDevice | undefined;
}

export async function createOrtBackend(options: OrtBackendOptions): Promise<ExecutionBackend> {
  const { ort, device } = options;
  const gpuPooling = device === 'webgpu' && options.pooling === 'gpu';
  const sessionOptions: Ort.InferenceSession.SessionOptions = {
    executionProviders: [
      device === 'webgpu' && options.gpuDevice
        ? ({ name: 'webgpu', device: options.gpuDevice } as Ort.InferenceSession.ExecutionProviderConfig)
        : device,
    ],
    graphOptimizationLevel: 'all',
    ...options.sessionOptions,
  };
  // A graph built for WebGPU ends at the hidden state (graph/tail.ts 'hidden'); its decoder travels
  // among its external data as the head file, which is for the head, not for onnxruntime.
  const headFile = options.externalData?.find((f) => f.path === HEAD_FILE);
  const graphData = options.externalData?.filter((f) => f.path !== HEAD_FILE);
  // In memory on both runtimes: onnxruntime-web mounts them by path, onnxruntime-node (1.30) copies them.
  if (graphData?.length) sessionOptions.externalData = graphData;
  // With the logits left on the GPU we get ORT's own buffer and pool it there.
  if (gpuPooling) sessionOptions.preferredOutputLocation = 'gpu-buffer';
  let session: Ort.InferenceSession;
  try {
    const modelPath = options.details?.modelPath; // onnxruntime-node reads a kept build's weights itself
    session = await (modelPath
      ? ort.InferenceSession.create(modelPath, sessionOptions)
      : ort.InferenceSession.create(options.model, sessionOptions));
  } catch (cause) {
    const message = (cause as Error)?.message ?? String(cause);
    if (device === 'webgpu' && /webgpu|adapter|device/i.test(message) && !/protobuf|parse|model/i.test(message)) {
      throw new SpladeError('gpu-unavailable', `onnxruntime could not start its WebGPU backend: ${message}`, { cause });
    }
    throw new SpladeError(
      'model-file-invalid',
      `${options.modelFile} could not be loaded by onnxruntime (${device}): ${message}`,
      { file: options.modelFile, cause },
    );
  }
  const asked = options.details?.outputName;
  if (asked !== undefined && !session.outputNames.includes(asked)) {
    await session.release();
    throw new SpladeError(
      'model-file-invalid',
      `${options.modelFile} has no output "${asked}"; its outputs: ${session.outputNames.join(', ')}`,
      { file: options.modelFile },
    );
  }
  // A graph this project built for a CPU backend pools inside itself (src/model/graph/tail.ts) and
  // has no logits; any other graph (ONNX files, graphs built for WebGPU) ends in logits.
  const pooledTail = {
    max: session.outputNames.includes(MAX_LOGIT_OUTPUT) && session.outputNames.includes(MAX_TOKEN_OUTPUT),
    sum: (activation: Activation) => session.outputNames.includes(sumOutput(activation)),
  };
  const hasPooled = pooledTail.max || ACTIVATIONS.some(pooledTail.sum);
  const hiddenTail = session.outputNames.includes(HIDDEN_OUTPUT);
  let head: HeadWeights | undefined;
  if (hiddenTail) {
    try {
      if (!headFile)
        throw new SpladeError(
          'model-file-invalid',
          `${options.modelFile} was built to end at the hidden state (${HIDDEN_OUTPUT}) but its decoder file ${HEAD_FILE} is not among its external data`,
          { file: options.modelFile },
        );
      head = decodeHeadFile(headFile.data);
    } catch (error) {
      await session.release();
      throw error;
    }
  }
  /** The pooled outputs to fetch for `pooling`, when the graph has them. */
  const pooledFetches = (pooling: PoolingConfig, positions: boolean): string[] | undefined => {
    const has = pooling.strategy === 'max' ? pooledTail.max : pooledTail.sum(pooling.activation);
    return has ? tailFetches(pooling, positions) : undefined;
  };
  const outputName =
    asked ??
    (session.outputNames.includes('logits') ? 'logits' : hasPooled || hiddenTail ? undefined : session.outputNames[0]!);
  const needsTypeIds = session.inputNames.includes('token_type_ids');
  const needsMask = session.inputNames.includes('attention_mask');
  for (const name of session.inputNames) {
    if (!['input_ids', 'attention_mask', 'token_type_ids'].includes(name)) {
      await session.release();
      throw new SpladeError(
        'model-file-invalid',
        `${options.modelFile} has an input "${name}"; accepted inputs: input_ids, attention_mask, token_type_ids`,
        { file: options.modelFile },
      );
    }
  }

  let gpu: { device: GPUDevice; pooler: GpuPoolerLike } | undefined;
  let fused: FusedHeadLike | undefined;
  let lost = false;
  let lostPromise: Promise<never> | undefined;
  let maxBindingBytes = Infinity;
  const info: BackendInfo = { device, modelFile: options.modelFile };
  if (options.details?.dtype) info.dtype = options.details.dtype;
  info.externalDataFiles = [...(options.details?.externalDataFiles ?? [])];
  if (device === 'wasm') {
    info.threads = (ort.env.wasm.numThreads as number | undefined) ?? 1;
    info.crossOriginIsolated = (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated === true;
  }
  if (device === 'webgpu') {
    const gpuDevice = options.gpuDevice ?? ((await ort.env.webgpu.device) as GPUDevice);
    // GPUDevice.adapterInfo (Chrome 126+) names the adapter ORT's own device came from.
    const adapter = (gpuDevice as GPUDevice & { adapterInfo?: GPUAdapterInfo }).adapterInfo;
    if (adapter)
      info.adapter = {
        vendor: adapter.vendor,
        architecture: adapter.architecture,
        device: adapter.device,
        description: adapter.description,
      };
    // One batch's logits must fit in one storage binding (and one buffer) of this device.
    maxBindingBytes = Math.min(gpuDevice.limits.maxStorageBufferBindingSize, gpuDevice.limits.maxBufferSize);
    lostPromise = gpuDevice.lost.then((info) => {
      lost = true;
      throw new SpladeError('gpu-device-lost', `the GPU device was lost (${info.reason}: ${info.message})`);
    });
    lostPromise.catch(() => {}); // observed through `lost` and the races below
    if (gpuPooling && head) {
      // Once per session: the decoder goes to the GPU in the format the graph was built at.
      try {
        if (!options.createFusedHead)
          throw new SpladeError('invalid-option', 'the fused SPLADE head needs WGSL (use the browser entry)');
        fused = await options.createFusedHead(
          gpuDevice,
          { weight: head.weight, vocab: head.vocab, hidden: head.hidden, ...(head.bias ? { bias: head.bias } : {}) },
          head.weight instanceof Uint16Array ? 'float16' : 'float32',
        );
      } catch (error) {
        await session.release();
        throw error;
      }
    } else if (gpuPooling) {
      if (!options.createGpuPooler)
        throw new SpladeError('invalid-option', 'GPU pooling needs a WGSL pooler (use the browser entry)');
      gpu = { device: gpuDevice, pooler: options.createGpuPooler(gpuDevice) };
    }
  }
  info.pooling = fused ? 'fused-head' : gpu ? 'gpu' : hasPooled || head ? 'graph' : 'cpu';

  /**
   * A 'hidden' graph where the fused head cannot pool (a CPU backend, the WASM fallback after a lost
   * device, WebGPU told to pool on the CPU): its decoder and the pooling tail run as a graph of their
   * own (graph/head-graph.ts) on the CPU, one session per pooling, made when first needed.
   */
  const headSessions = new Map<string, Promise<Ort.InferenceSession>>();
  const headSession = (pooling: PoolingConfig): Promise<Ort.InferenceSession> => {
    const tail = pooledTailFor(pooling);
    let made = headSessions.get(tail);
    if (!made) {
      made = headGraph(head!, tail).then((graph) =>
        ort.InferenceSession.create(graph.model, {
          executionProviders: [device === 'cpu' ? 'cpu' : 'wasm'],
          graphOptimizationLevel: 'all',
          ...(graph.externalData.length ? { externalData: graph.externalData } : {}),
        }),
      );
      made.catch(() => headSessions.delete(tail));
      headSessions.set(tail, made);
    }
    return made;
  };

  // A lost device can leave GPU promises pending forever; the lost promise ends the wait.
  const loseGuard = <T>(p: Promise<T>): Promise<T> => (lostPromise ? Promise.race([p, lostPromise]) : p);

  /** The pooled rows of a graph that pooled each window itself, merged per document (src/pooling/pooled.ts). */
  async function readPooled(
    outputs: Ort.InferenceSession.OnnxValueMapType,
    names: readonly string[],
    batch: ModelBatch,
    pooling: PoolingConfig,
    runOptions: BackendRunOptions,
  ): Promise<BackendRunResult> {
    const tensors = names.map((name) => outputs[name] as Ort.Tensor);
    try {
      const data: ArrayBufferView[] = [];
      for (const t of tensors) {
        const [rows, vocab] = t.dims as number[];
        if (rows !== batch.rows || vocab !== batch.vocab)
          throw new SpladeError(
            'model-file-invalid',
            `${options.modelFile} returned ${t.type} [${t.dims.join(', ')}] for pooled output, expected [${batch.rows}, ${batch.vocab}]`,
            { file: options.modelFile },
          );
        // Graphs built for a CPU device keep their outputs on the CPU; a GPU session hands over buffers.
        data.push((t.location === 'cpu' ? t.data : await loseGuard(t.getData())) as ArrayBufferView);
      }
      const rows = { values: data[0] as Float32Array, tokens: data[1] as Int32Array | undefined };
      const vectors = mergePooledRows(batch, rows, pooling, runOptions);
      return { vectors, readbackBytes: data.reduce((n, d) => n + d.byteLength, 0) };
    } catch (cause) {
      if (cause instanceof SpladeError) throw cause;
      throw new SpladeError('runtime', `pooling failed: ${(cause as Error).message}`, { cause });
    } finally {
      for (const t of tensors) t.dispose();
    }
  }

  /** The hidden state [rows, tokens, hidden] of a 'hidden' graph, pooled by the fused head or the head graph. */
  async function poolHidden(
    hidden: Ort.Tensor,
    batch: ModelBatch,
    pooling: PoolingConfig,
    runOptions: BackendRunOptions,
  ): Promise<BackendRunResult> {
    try {
      const [rows, tokens, width] = hidden.dims as number[];
      if (rows !== batch.rows || tokens !== batch.tokens || width !== head!.hidden || hidden.type !== 'float32')
        throw new SpladeError(
          'model-file-invalid',
          `${options.modelFile} returned ${hidden.type} [${hidden.dims.join(', ')}] for ${HIDDEN_OUTPUT}, expected float32 [${batch.rows}, ${batch.tokens}, ${head!.hidden}]`,
          { file: options.modelFile },
        );
      if (head!.vocab !== batch.vocab)
        throw new SpladeError(
          'model-file-invalid',
          `${options.modelFile}'s decoder has ${head!.vocab} entries, but the model's vocabulary has ${batch.vocab}`,
          { file: options.modelFile },
        );
      if (fused) {
        const { rows, tokens, lengths, segments } = batch;
        const shape = { rows, tokens, lengths, segments };
        const { zeroIds, threshold, positions } = runOptions;
        const vectors = await loseGuard(
          fused.pool(hidden.gpuBuffer as GPUBuffer, shape, pooling, zeroIds, threshold, positions),
        );
        return { vectors, readbackBytes: fused.lastStats.readbackBytes, logitsBytes: 0 };
      }
      // On the CPU: the hidden state comes out of onnxruntime and goes into the head graph.
      const data = (hidden.location === 'cpu' ? hidden.data : await loseGuard(hidden.getData())) as Float32Array;
      const dims = [batch.rows, batch.tokens];
      const feeds = {
        [HEAD_GRAPH_INPUT]: new ort.Tensor('float32', data, hidden.dims),
        attention_mask: new ort.Tensor('int64', batch.attentionMask, dims),
      };
      const names = tailFetches(pooling, runOptions.positions);
      const outputs = await (await headSession(pooling)).run(feeds, names);
      const pooled = await readPooled(outputs, names, batch, pooling, runOptions);
      return { ...pooled, readbackBytes: pooled.readbackBytes + data.byteLength };
    } catch (cause) {
      if (cause instanceof SpladeError) throw cause;
      if (lost)
        throw new SpladeError('gpu-device-lost', `the GPU device was lost while pooling: ${(cause as Error).message}`, {
          cause,
        });
      throw new SpladeError('runtime', `pooling failed: ${(cause as Error).message}`, { cause });
    } finally {
      hidden.dispose();
    }
  }

  return {
    device,
    info,
    get lost() {
      return lost;
    },
    maxBatchTokens(vocab) {
      return Math.max(1, Math.floor(maxBindingBytes / (vocab * 4)));
    },
    // Under the fused head no batch has logits: it is bounded by the layers' activations instead.
    ...(fused && head
      ? { batchFits: (rows: number, tokens: number) => largestBatchBuffer(rows, tokens, head!) <= maxBindingBytes }
      : {}),
    maxTensorBytes: device === 'webgpu' ? maxBindingBytes : CPU_TENSOR_BYTES[device],
    async run(batch, pooling, runOptions) {
      if (lost) throw new SpladeError('gpu-device-lost', 'the GPU device was lost before the batch started');
      const dims = [batch.rows, batch.tokens];
      // Feed only what the graph declares: exporters drop inputs a model ignores.
      const feeds: Record<string, Ort.Tensor> = { input_ids: new ort.Tensor('int64', batch.inputIds, dims) };
      if (needsMask) feeds['attention_mask'] = new ort.Tensor('int64', batch.attentionMask, dims);
      if (needsTypeIds)
        feeds['token_type_ids'] = new ort.Tensor('int64', new BigInt64Array(batch.inputIds.length), dims);
      // The pooled outputs when the graph has those of this pooling and the logits would be read back
      // (the CPU backends; on WebGPU the WGSL pooler takes the logits where they are).
      const pooledNames =
        head || (outputName !== undefined && gpu) ? undefined : pooledFetches(pooling, runOptions.positions);
      if (!head && !pooledNames && outputName === undefined)
        throw new SpladeError(
          'invalid-option',
          `${options.modelFile} was built to pool inside the graph as ${session.outputNames.join(', ')}, which cannot give ${pooling.strategy} pooling with ${pooling.activation}; build it for this pooling`,
          { file: options.modelFile },
        );
      const fetches = head ? [HIDDEN_OUTPUT] : (pooledNames ?? [outputName!]);
      let outputs: Ort.InferenceSession.OnnxValueMapType;
      try {
        outputs = await loseGuard(session.run(feeds, fetches));
      } catch (cause) {
        if (cause instanceof SpladeError) throw cause;
        if (lost)
          throw new SpladeError(
            'gpu-device-lost',
            `the GPU device was lost during the batch: ${(cause as Error).message}`,
            { cause },
          );
        throw new SpladeError(
          'runtime',
          `onnxruntime failed on a batch of ${batch.rows}x${batch.tokens} tokens: ${(cause as Error).message}`,
          { cause },
        );
      }
      if (head) return poolHidden(outputs[HIDDEN_OUTPUT] as Ort.Tensor, batch, pooling, runOptions);
      if (pooledNames) return readPooled(outputs, pooledNames, batch, pooling, runOptions);
      const logits = outputs[outputName!] as Ort.Tensor;
      try {
        const [, T, V] = logits.dims as number[];
        if (T !== batch.tokens || V === undefined)
          throw new SpladeError(
            'model-file-invalid',
            `${options.modelFile} returned logits of shape [${logits.dims.join(', ')}], expected [${batch.rows}, ${batch.tokens}, vocab]`,
            { file: options.modelFile },
          );
        const shape = { ...batch, vocab: V };
        // The WGSL pooler reads float32; an fp16 export whose logits stay fp16 is pooled here instead.
        if (gpu && logits.type === 'float32') {
          const vectors = await loseGuard(
            gpu.pooler.pool(logits.gpuBuffer as GPUBuffer, shape, pooling, runOptions.zeroIds, runOptions.threshold),
          );
          return { vectors, readbackBytes: gpu.pooler.lastStats.readbackBytes };
        }
        const raw = logits.location === 'cpu' ? logits.data : await loseGuard(logits.getData());
        const data = logits.type === 'float16' ? widenHalf(raw as Uint16Array) : (raw as Float32Array);
        const vectors = poolCpu({ ...shape, logits: data }, pooling, runOptions);
        // Read back from the GPU, or copied out of onnxruntime's memory (WASM heap, native) into JS.
        return { vectors, readbackBytes: (raw as ArrayBufferView).byteLength };
      } catch (cause) {
        if (cause instanceof SpladeError) throw cause;
        if (lost)
          throw new SpladeError(
            'gpu-device-lost',
            `the GPU device was lost while pooling: ${(cause as Error).message}`,
            { cause },
          );
        throw new SpladeError('runtime', `pooling failed: ${(cause as Error).message}`, { cause });
      } finally {
        logits.dispose();
      }
    },
    async dispose() {
      gpu?.pooler.dispose();
      fused?.dispose();
      for (const made of headSessions.values()) await (await made.catch(() => undefined))?.release();
      await session.release();
    },
  };
}

/** The outputs of the pooling tail for `pooling` (graph/tail.ts) to fetch. */
function tailFetches(pooling: PoolingConfig, positions: boolean): string[] {
  if (pooling.strategy === 'max') return positions ? [MAX_LOGIT_OUTPUT, MAX_TOKEN_OUTPUT] : [MAX_LOGIT_OUTPUT];
  return [sumOutput(pooling.activation)];
}

/**
 * float16 logits as float32. onnxruntime hands them over as a Uint16Array of the bits (a Float16Array
 * where the engine has one: its values are read as numbers then).
 */
export function widenHalf(half: Uint16Array | ArrayLike<number>): Float32Array {
  const out = new Float32Array(half.length);
  if (!(half instanceof Uint16Array)) {
    for (let k = 0; k < half.length; k++) out[k] = half[k]!;
    return out;
  }
  for (let k = 0; k < half.length; k++) {
    const h = half[k]!;
    const sign = h & 0x8000 ? -1 : 1;
    const exponent = (h >> 10) & 0x1f;
    const fraction = h & 0x3ff;
    if (exponent === 0) out[k] = sign * fraction * 2 ** -24;
    else if (exponent === 31) out[k] = fraction ? NaN : sign * Infinity;
    else out[k] = sign * (1 + fraction / 1024) * 2 ** (exponent - 15);
  }
  return out;
}
