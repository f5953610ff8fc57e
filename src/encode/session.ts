/**
 * The model side of a SparseEncoder: the execution backend a route's model runs on (started once,
 * 'auto' falling back to WASM when a GPU session will not start, replaced by the fallback device
 * when the GPU device is lost mid-encode) and the batches windows are run in, one model call at a
 * time. Batches are planned by their padded tokens against what one batch's logits may take on
 * the backend (a WebGPU buffer limit), or, under the fused head, its largest activation
 * (plan.ts largestBatchBuffer), not by the route's max_seq_length: a model that accepts 8192
 * tokens still runs many short windows in one batch.
 */
import { SpladeError, throwIfAborted } from '../errors.ts';
import type { MlmRoute } from '../model/layout.ts';
import type { EncoderDevice, ExecutionBackend, Runtime } from '../runtime/types.ts';
import type { VectorPart } from './merge.ts';
import { batchInputs, planBatches } from './plan.ts';
import { DEFAULT_BATCH_SIZE, type EncodeOptions, type EncoderOptions, type EncodeStats } from './types.ts';

export class ModelSession {
  /** The running backend, once started; undefined before, after dispose(), or while one is replaced. */
  backend: ExecutionBackend | undefined;
  private backendPromise: Promise<ExecutionBackend> | undefined;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly runtime: Runtime,
    private readonly options: EncoderOptions,
  ) {}

  /** The route's backend, started on first use on the device the options ask for. */
  start(route: MlmRoute): Promise<ExecutionBackend> {
    if (this.backend && !this.backend.lost) return Promise.resolve(this.backend);
    if (this.backend?.lost && this.runtime.fallbackDevice) return this.replace(route, this.runtime.fallbackDevice);
    this.backendPromise ??= (async () => {
      const requested = this.options.device ?? 'auto';
      const device = requested === 'auto' ? await this.runtime.autoDevice() : requested;
      const fallback = this.runtime.fallbackDevice;
      try {
        this.backend = await this.create(route, device);
      } catch (error) {
        // 'auto' promised a device that works: a GPU that will not start a session leaves WASM.
        const gpuFailed = error instanceof SpladeError && error.code === 'gpu-unavailable';
        if (requested !== 'auto' || !gpuFailed || !fallback || fallback === device) throw error;
        this.backend = await this.create(route, fallback);
      }
      return this.backend;
    })();
    const pending = this.backendPromise;
    pending.catch(() => {
      if (this.backendPromise === pending) this.backendPromise = undefined; // allow a retry
    });
    return pending;
  }

  /**
   * Runs every window of `docs` through the model (queued behind any call still running: ORT
   * sessions do not run concurrently) and returns each document's pooled parts. `begin` gets the
   * call's figures when it starts running; they are filled in as batches complete.
   */
  run(
    route: MlmRoute,
    docs: readonly (readonly number[][])[],
    options: EncodeOptions,
    positions: boolean,
    begin: (stats: EncodeStats) => void,
  ): Promise<VectorPart[][]> {
    const run = this.queue.then(() => {
      throwIfAborted(options.signal);
      const stats: EncodeStats = {
        device: 'static',
        batches: 0,
        windows: 0,
        readbackBytes: 0,
        logitsBytes: 0,
        recovered: 0,
      };
      begin(stats);
      return this.runBatches(route, docs, options, positions, stats);
    });
    this.queue = run.catch(() => undefined);
    return run;
  }

  async dispose(): Promise<void> {
    const backend = this.backend ?? (await this.backendPromise?.catch(() => undefined));
    this.backend = undefined;
    this.backendPromise = undefined;
    await backend?.dispose();
  }

  private async runBatches(
    route: MlmRoute,
    docs: readonly (readonly number[][])[],
    options: EncodeOptions,
    positions: boolean,
    stats: EncodeStats,
  ): Promise<VectorPart[][]> {
    const parts: VectorPart[][] = docs.map(() => []);
    const total = docs.reduce((n, d) => n + d.length, 0);
    if (total === 0) return parts;
    let backend = await this.start(route);
    const vocab = route.pooling.vocabSize;
    const rows = options.batchSize ?? this.options.batchSize ?? DEFAULT_BATCH_SIZE;
    // Planned with the backend met first; a fallback device (CPU) takes any batch a GPU could.
    const fits = backend.batchFits?.bind(backend);
    const batches = planBatches(docs as number[][][], rows, fits ?? backend.maxBatchTokens(vocab));
    const runOptions = { zeroIds: route.tokenizer.specialIds, threshold: options.threshold ?? 0, positions };
    let done = 0;
    for (const batch of batches) {
      throwIfAborted(options.signal);
      const inputs = batchInputs(batch, route.tokenizer.padId);
      const modelBatch = { ...inputs, rows: batch.rows.length, tokens: batch.tokens, vocab, segments: batch.segments };
      let result;
      try {
        result = await backend.run(modelBatch, route.pooling, runOptions);
      } catch (error) {
        if (!(error instanceof SpladeError && error.code === 'gpu-device-lost') || !this.runtime.fallbackDevice)
          throw error;
        // The GPU is gone: redo this batch (and the rest) on the fallback device. Nothing
        // half-done is returned, since parts are only kept from batches that completed.
        backend = await this.replace(route, this.runtime.fallbackDevice);
        result = await backend.run(modelBatch, route.pooling, runOptions);
        stats.recovered++;
      }
      batch.segments.forEach((seg, k) =>
        parts[seg.doc]!.push({ firstWindow: seg.firstWindow, vector: result.vectors[k]! }),
      );
      stats.batches++;
      stats.windows += batch.rows.length;
      stats.readbackBytes += result.readbackBytes;
      stats.logitsBytes += result.logitsBytes ?? batch.rows.length * batch.tokens * vocab * 4;
      stats.device = backend.device;
      done += batch.rows.length;
      options.onBatch?.({ done, total, device: backend.device });
    }
    return parts;
  }

  private async replace(route: MlmRoute, device: EncoderDevice): Promise<ExecutionBackend> {
    const old = this.backend;
    this.backend = undefined;
    await old?.dispose().catch(() => {});
    const next = this.create(route, device);
    this.backendPromise = next;
    this.backend = await next;
    return this.backend;
  }

  /** A backend for `route` on `device` (with the external weights of a graph built from safetensors). */
  private create(route: MlmRoute, device: EncoderDevice): Promise<ExecutionBackend> {
    if (!route.onnx)
      throw new SpladeError(
        'invalid-option',
        `this encoder was loaded with queryOnly: true, so it cannot encode with ${route.onnxFile}`,
      );
    return this.runtime.createBackend(route.onnx, route.onnxFile, device, this.options, route.externalData, {
      outputName: route.outputName,
      dtype: route.dtype,
      externalDataFiles: route.externalDataFiles,
      modelPath: route.built?.modelPath,
    });
  }
}
