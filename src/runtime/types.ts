/**
 * What a runtime (onnxruntime-web in browsers, onnxruntime-node in Node) provides to the encoder:
 * execution backends that run the masked-LM on a batch of windows and return pooled vectors.
 */
import type { BuildStore } from '../model/build-cache.ts';
import type { ModelDtype } from '../model/dtype.ts';
import type { RangedFile } from '../model/ranged.ts';
import type { ResponseCaches } from '../model/source.ts';
import type { PoolingConfig } from '../pooling/config.ts';
import type { PoolBatchShape, PooledVector } from '../pooling/cpu.ts';

export type EncoderDevice = 'webgpu' | 'wasm' | 'cpu';
export const ENCODER_DEVICES: readonly (EncoderDevice | 'auto')[] = ['auto', 'webgpu', 'wasm', 'cpu'];

export interface ModelBatch extends PoolBatchShape {
  inputIds: BigInt64Array;
  attentionMask: BigInt64Array;
}

export interface BackendRunOptions {
  zeroIds: ArrayLike<number>;
  threshold: number;
  positions: boolean;
}

export interface BackendRunResult {
  vectors: PooledVector[];
  /**
   * Bytes of model output that reached JavaScript for this batch: read back from the GPU, or copied
   * out of onnxruntime (the WASM heap, native memory) on the CPU backends: the [rows, tokens, vocab]
   * logits, or [rows, vocab] rows for a graph that pools inside itself (src/model/graph/tail.ts).
   */
  readbackBytes: number;
  /**
   * Bytes of [rows, tokens, vocab] float32 logits the model produced for this batch: 0 when the
   * fused head pooled the hidden state (src/pooling/fused-head.ts), so the logits never existed.
   * Absent: rows x tokens x vocab x 4.
   */
  logitsBytes?: number;
}

/**
 * Where a backend's batches are pooled: 'fused-head', the hidden state of a graph built for WebGPU
 * through the fused WGSL head (no logits); 'gpu', logits on the GPU through the WGSL pooler; 'graph',
 * inside onnxruntime (a graph built with a pooling tail, or a 'hidden' graph followed by its decoder
 * and pooling as a graph of their own); 'cpu', logits read back and pooled in JavaScript.
 */
export type PoolingPath = 'fused-head' | 'gpu' | 'graph' | 'cpu';

/**
 * What one tensor may take on the CPU devices when choosing a window (src/encode/window.ts): on WASM
 * a pass over a window keeps its weights, the attention scores (and their softmax) and the logits in
 * one 4 GiB heap; onnxruntime-node has the machine's memory.
 */
export const CPU_TENSOR_BYTES = { wasm: 512 * 2 ** 20, cpu: 2 ** 30 } as const;

export interface ExecutionBackend {
  readonly device: EncoderDevice;
  /** What it runs on. */
  readonly info: BackendInfo;
  /**
   * Most padded tokens (rows x tokens) one batch may hold on this backend for a vocabulary of
   * `vocab`: its [rows, tokens, vocab] float32 logits must fit one GPU buffer. Infinity on the CPU.
   */
  maxBatchTokens(vocab: number): number;
  /**
   * Whether a batch of `rows` windows of `tokens` fits this backend's buffers, where that is not
   * rows x tokens against maxBatchTokens: the fused head, whose batches are bounded by the layers'
   * activations rather than by logits (src/encode/plan.ts largestBatchBuffer). Takes precedence.
   */
  batchFits?(rows: number, tokens: number): boolean;
  /**
   * The most bytes one tensor of a forward pass may take here: a WebGPU device's storage binding
   * limit; on the CPU a budget (CPU_TENSOR_BYTES) that keeps a pass well inside WebAssembly's 4 GiB
   * or a page's memory. The default window length is chosen by it (src/encode/window.ts).
   */
  readonly maxTensorBytes: number;
  run(batch: ModelBatch, pooling: PoolingConfig, options: BackendRunOptions): Promise<BackendRunResult>;
  /** True once the backend can no longer run (e.g. its GPU device was lost). */
  readonly lost: boolean;
  dispose(): Promise<void>;
}

/** What the WebGPU path needs from the WGSL pooler (injected so Node never loads WGSL). */
export interface GpuPoolerLike {
  pool(
    logits: GPUBuffer,
    shape: PoolBatchShape,
    config: PoolingConfig,
    zeroIds: ArrayLike<number>,
    threshold?: number,
  ): Promise<PooledVector[]>;
  lastStats: { readbackBytes: number };
  dispose(): void;
}

/** What the WebGPU path needs from the fused SPLADE head (src/pooling/fused-head.ts; injected likewise). */
export interface FusedHeadLike {
  pool(
    hidden: GPUBuffer,
    shape: Omit<PoolBatchShape, 'vocab'>,
    config: PoolingConfig,
    zeroIds: ArrayLike<number>,
    threshold?: number,
    positions?: boolean,
  ): Promise<PooledVector[]>;
  lastStats: { readbackBytes: number };
  readonly vocab: number;
  readonly hidden: number;
  dispose(): void;
}

/** Makes the fused head for a session: uploads the decoder to `device` (ORT's) once. */
export type CreateFusedHead = (
  device: GPUDevice,
  weights: { weight: Float32Array | Uint16Array; bias?: Float32Array; vocab: number; hidden: number },
  weightFormat: 'float32' | 'float16',
) => Promise<FusedHeadLike>;

/** What a backend runs on, as the runtime chose it (for a page to show). */
export interface BackendInfo {
  device: EncoderDevice;
  /** WebGPU: the adapter of the device onnxruntime uses. */
  adapter?: { vendor: string; architecture: string; device: string; description: string };
  /** WASM: the threads onnxruntime runs (more than 1 only when the page is cross-origin isolated). */
  threads?: number;
  crossOriginIsolated?: boolean;
  /** The precision the session runs at (the ONNX file chosen, or the graph built). */
  dtype?: ModelDtype;
  /** The model file the session was made from (for a graph built from safetensors: its weights file or index). */
  modelFile?: string;
  /** The external data files of that ONNX file, by their paths in the repository (none for a built graph). */
  externalDataFiles?: string[];
  /** Where batches are pooled (see PoolingPath). */
  pooling?: PoolingPath;
}

/** What the loader learnt about a model that its session needs, or reports. */
export interface ModelDetails {
  /** The graph output holding the logits [batch, tokens, vocab]; default 'logits', else the first output. */
  outputName?: string | undefined;
  dtype?: ModelDtype | undefined;
  externalDataFiles?: readonly string[] | undefined;
  /**
   * The model as a file on disk (Node's cache of built graphs), its external data files beside it:
   * onnxruntime-node loads it by path and reads the weights itself, so they need not be in memory.
   */
  modelPath?: string | undefined;
}

/** Backend choices a caller makes (part of the encoder's options). */
export interface BackendOptions {
  /**
   * At most this many WASM threads (default 4; the page's cores and cross-origin isolation cap it
   * further): fewer leaves a core for the page while a long encode runs.
   */
  wasmThreads?: number;
  /** On WebGPU: pool on the GPU with WGSL (default) or read the logits back and pool in JS. */
  pooling?: 'gpu' | 'cpu';
  /**
   * The GPUAdapter to run on: a device is requested from it with its limits (batches are split to
   * fit them) and shared by onnxruntime and the WGSL kernels. Without it, onnxruntime's own device.
   */
  gpuAdapter?: GPUAdapter;
}

/** One external data file of a model, as onnxruntime's `externalData` session option takes it. */
export interface ExternalDataFile {
  path: string;
  data: Uint8Array;
}

export interface Runtime {
  readonly name: string;
  /** What `device: 'auto'` means here. */
  autoDevice(): Promise<EncoderDevice>;
  /**
   * Whether `device` runs fp16 graphs natively (WebGPU: the adapter has `shader-f16`); absent means
   * yes (CPUs run them, through casts onnxruntime inserts). Used to choose and check the dtype.
   */
  runsFp16?(device: EncoderDevice, options: BackendOptions): Promise<boolean>;
  /**
   * `externalData`: the weights `model` references by path (a built graph's, or an ONNX file's
   * `.onnx_data` files); `details`: its logits output, dtype and files, for the session and its info.
   */
  createBackend(
    model: Uint8Array,
    modelFile: string,
    device: EncoderDevice,
    options: BackendOptions,
    externalData?: readonly ExternalDataFile[],
    details?: ModelDetails,
  ): Promise<ExecutionBackend>;
  /** Device to fall back to when the GPU device is lost. */
  readonly fallbackDevice?: EncoderDevice;
  /** Reads a local file by path (Node); browsers resolve paths against the page URL instead. */
  readonly readLocalFile?: (path: string) => Promise<Uint8Array | undefined>;
  /** Opens a local file for reads by byte range (Node), so safetensors weights are never read whole. */
  readonly openLocalFile?: (path: string) => Promise<RangedFile | undefined>;
  /** Where graphs built from safetensors are kept (src/model/build-cache.ts); undefined for nowhere. */
  buildStore?(options: { cache?: boolean; cacheName?: string; cacheDir?: string }): BuildStore | undefined;
  /** Where downloaded files are kept where there is no Cache API (Node: the cache folder). */
  fileCache?(options: { cache?: boolean; cacheDir?: string }): ResponseCaches | undefined;
}
