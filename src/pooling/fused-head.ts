/**
 * The fused SPLADE head on WebGPU: from the last hidden state after the MLM transform
 * (dense → activation → norm) straight to sparse vectors. The decoder projection h·Wᵀ + b, the
 * activation, the attention mask, max (with its arg-max position) or sum pooling over a document's
 * windows, special-token zeroing and the threshold run in one WGSL kernel (fused-head.wgsl) that
 * tiles tokens × vocabulary through workgroup memory; a second kernel compacts the non-zeros, and
 * only they are read back. The [rows, tokens, vocab] logits never exist: the largest buffer a call
 * allocates is [segments, vocab].
 *
 * How it is wired (src/runtime/ort.ts; the graph side is src/model/graph/tail.ts, 'hidden'):
 * - A graph built from safetensors for WebGPU ends at the transformed hidden state [rows, tokens,
 *   hidden] (`splade_web_hidden`, after the MLM transform's norm, before the decoder), run with
 *   `preferredOutputLocation: 'gpu-buffer'` on onnxruntime-web's WebGPU EP; its `tensor.gpuBuffer` is
 *   on `ort.env.webgpu.device`.
 * - Once per session: `FusedSpladeHead.create(ort.env.webgpu.device, { weight, bias, vocab, hidden },
 *   { weightFormat })` with the decoder weight [vocab, hidden] and bias [vocab] the graph builder
 *   wrote beside the graph (graph/head-file.ts; the tied word embeddings when the file leaves the
 *   decoder out), in the format the graph was built at (float16 for fp16 and q4f16, else float32).
 * - Per batch: `head.pool(tensor.gpuBuffer, { rows, tokens, lengths, segments }, pooling, zeroIds,
 *   threshold, positions)` where an ONNX file's logits take GpuPooler.pool: the same PooledVector[]
 *   (ids ascending, (window, token) positions for max pooling), the same compaction and overflow
 *   re-run (readback.ts, shared with GpuPooler), `lastStats` alike.
 * - `dispose()` with the session. A lost device fails `pool` with SpladeError 'gpu-device-lost', the
 *   code the encoder answers by redoing the batch on WASM (where graph/head-graph.ts runs the decoder).
 */
import kernelSource from './fused-head.wgsl?raw';
import type { PoolingConfig } from './config.ts';
import type { PoolBatchShape, PooledVector } from './cpu.ts';
import {
  checkTiling,
  COMPACT_PARAMS,
  DEFAULT_TILING,
  fusedHeadShaderSource,
  packHeadParams,
  planRuns,
  planWeightChunks,
  rowWords,
  type FusedHeadTiling,
  type Range,
  type WeightFormat,
} from './fused-head-plan.ts';
import { checkPositionPacking } from './packing.ts';
import { Compaction, INITIAL_CAPACITY, segmentTable, ZeroMask, type CompactionStats } from './readback.ts';
import { SpladeError } from '../errors.ts';
import { float16ToFloat32, float32ToFloat16 } from '../model/graph/quantize.ts';

export { DEFAULT_TILING, type FusedHeadTiling, type WeightFormat } from './fused-head-plan.ts';

/** The decoder: W [vocab, hidden] row-major (as Hugging Face stores it) and b [vocab]. */
export interface FusedHeadWeights {
  /** float32, or IEEE float16 bits (a Uint16Array), row v = entry v's weights. */
  weight: Float32Array | Uint16Array;
  /** Default: zeros (a decoder without bias). */
  bias?: Float32Array;
  vocab: number;
  hidden: number;
}

export interface FusedHeadOptions {
  /**
   * How W is stored on the GPU. 'auto' (default): float16 where the device has 'shader-f16' (the
   * devices the graph itself runs at fp16), else float32. 'float16' works on any device: halves are
   * only storage (unpacked by core WGSL), products and sums are float32.
   */
  weightFormat?: 'auto' | WeightFormat;
  /** Tile sizes (default DEFAULT_TILING). */
  tiling?: Partial<FusedHeadTiling>;
  /** At most this many bytes per weight buffer (default: the device's binding limit). */
  maxWeightChunkBytes?: number;
  /** Entries reserved per segment before the first compaction (default INITIAL_CAPACITY, 512). */
  initialCapacity?: number;
}

/** A batch of windows: as PoolBatchShape, less the vocabulary (the head's own). */
export type FusedBatchShape = Omit<PoolBatchShape, 'vocab'>;

export interface FusedHeadStats extends CompactionStats {
  /** Head dispatches (weight chunks × runs of segments). */
  dispatches: number;
}

const COMPACT_WORKGROUP = 64;
const LABEL = 'splade-web fused head';

export class FusedSpladeHead {
  /** What the call before the last left behind, for tests and benchmarks. */
  lastStats: FusedHeadStats = { readbackBytes: 0, launches: 0, dispatches: 0 };
  private readonly zeroMask: ZeroMask;
  /** The compaction after the head, and the capacity it starts with (readback.ts). */
  private readonly compaction: Compaction;
  private lostInfo: GPUDeviceLostInfo | undefined;
  private readonly lost: Promise<never>;
  private disposed = false;

  private constructor(
    private readonly device: GPUDevice,
    readonly vocab: number,
    readonly hidden: number,
    readonly weightFormat: WeightFormat,
    readonly tiling: FusedHeadTiling,
    private readonly chunks: readonly { range: Range; buffer: GPUBuffer }[],
    private readonly bias: GPUBuffer,
    private readonly headPipeline: GPUComputePipeline,
    private readonly compactPipeline: GPUComputePipeline,
    initialCapacity: number,
  ) {
    this.zeroMask = new ZeroMask(device, `${LABEL} zeroed ids`);
    this.compaction = new Compaction(device, LABEL, initialCapacity);
    this.lost = device.lost.then((info) => {
      this.lostInfo = info;
      throw lostError(info);
    });
    this.lost.catch(() => {}); // observed through lostInfo and the races in pool()
  }

  /**
   * Uploads W and b to `device` (onnxruntime's, in production) and compiles the kernels. W is split
   * into buffers of at most the device's binding limit; a buffer is written through its mapping, so
   * at most one converted chunk exists beside the caller's array.
   */
  static async create(
    device: GPUDevice,
    weights: FusedHeadWeights,
    options: FusedHeadOptions = {},
  ): Promise<FusedSpladeHead> {
    const { vocab, hidden, weight, bias } = weights;
    if (!Number.isInteger(vocab) || vocab < 1 || !Number.isInteger(hidden) || hidden < 1)
      throw new SpladeError('invalid-input', `vocab and hidden must be positive integers, got ${vocab} and ${hidden}`);
    if (weight.length !== vocab * hidden)
      throw new SpladeError(
        'invalid-input',
        `the decoder weight has ${weight.length} values, expected vocab x hidden = ${vocab} x ${hidden} = ${vocab * hidden}`,
      );
    if (bias && bias.length !== vocab)
      throw new SpladeError('invalid-input', `the decoder bias has ${bias.length} values, expected vocab = ${vocab}`);
    const requested = options.weightFormat ?? 'auto';
    if (!['auto', 'float32', 'float16'].includes(requested))
      throw new SpladeError(
        'invalid-option',
        `weightFormat ${JSON.stringify(requested)} is not supported; accepted: auto, float32, float16`,
      );
    const format: WeightFormat =
      requested === 'auto' ? (device.features.has('shader-f16') ? 'float16' : 'float32') : requested;
    const tiling = { ...DEFAULT_TILING, ...options.tiling };
    checkTiling(tiling, device.limits);
    const initialCapacity = options.initialCapacity ?? INITIAL_CAPACITY;
    if (!Number.isInteger(initialCapacity) || initialCapacity < 1)
      throw new SpladeError('invalid-option', `initialCapacity must be a positive integer, got ${initialCapacity}`);

    const words = rowWords(hidden, format);
    const ranges = planWeightChunks(vocab, words * 4, 4 * tiling.wgVocab, device.limits, options.maxWeightChunkBytes);
    const owned: GPUBuffer[] = [];
    try {
      const chunks = ranges.map((range, k) => {
        const buffer = device.createBuffer({
          label: `${LABEL} weight ${format} rows ${range.start}-${range.start + range.count - 1}${ranges.length > 1 ? ` (chunk ${k + 1} of ${ranges.length})` : ''}`,
          size: range.count * words * 4,
          usage: GPUBufferUsage.STORAGE,
          mappedAtCreation: true,
        });
        owned.push(buffer);
        writeWeightRows(buffer.getMappedRange(), weight, range, hidden, words, format);
        buffer.unmap();
        return { range, buffer };
      });
      const biasBuffer = device.createBuffer({
        label: `${LABEL} bias`,
        size: Math.max(16, vocab * 4),
        usage: GPUBufferUsage.STORAGE,
        mappedAtCreation: true,
      });
      owned.push(biasBuffer);
      if (bias) new Float32Array(biasBuffer.getMappedRange(), 0, vocab).set(bias);
      biasBuffer.unmap();

      const module = device.createShaderModule({
        label: `${LABEL} shader (${format}, ${JSON.stringify(tiling)})`,
        code: fusedHeadShaderSource(kernelSource, tiling, format),
      });
      const [headPipeline, compactPipeline] = await Promise.all([
        device.createComputePipelineAsync({
          label: `${LABEL} pipeline`,
          layout: 'auto',
          compute: { module, entryPoint: 'head' },
        }),
        device.createComputePipelineAsync({
          label: `${LABEL} compact pipeline`,
          layout: 'auto',
          compute: { module, entryPoint: 'compact' },
        }),
      ]);
      return new FusedSpladeHead(
        device,
        vocab,
        hidden,
        format,
        tiling,
        chunks,
        biasBuffer,
        headPipeline,
        compactPipeline,
        initialCapacity,
      );
    } catch (cause) {
      for (const b of owned) b.destroy();
      if (cause instanceof SpladeError) throw cause;
      throw new SpladeError('runtime', `the fused head could not be set up: ${(cause as Error).message}`, { cause });
    }
  }

  /** Bytes of W and b this head holds on the GPU. */
  get weightBytes(): number {
    return this.chunks.reduce((n, c) => n + c.buffer.size, 0) + this.bias.size;
  }

  /** Weight buffers (one unless W is larger than one binding may be, or maxWeightChunkBytes). */
  get weightChunks(): number {
    return this.chunks.length;
  }

  /** Entries per segment the next call starts with. */
  get capacity(): number {
    return this.compaction.capacity;
  }

  /**
   * Pools the hidden states `hidden` ([rows, tokens, hidden] f32, on this head's device) segment by
   * segment. Returns one vector per segment, ids ascending, with (window, token) positions when
   * max-pooling and `positions` (default: true for max, as GpuPooler).
   */
  async pool(
    hidden: GPUBuffer,
    shape: FusedBatchShape,
    config: PoolingConfig,
    zeroIds: ArrayLike<number>,
    threshold = 0,
    positions = config.strategy === 'max',
  ): Promise<PooledVector[]> {
    if (this.disposed) throw new SpladeError('runtime', 'this fused head was disposed');
    if (this.lostInfo) throw lostError(this.lostInfo, 'before the batch started');
    const work = this.run(hidden, shape, config, zeroIds, threshold, positions && config.strategy === 'max');
    work.catch(() => {}); // when the lost device wins the race below, this rejection is expected
    try {
      // A lost device can leave mapAsync pending forever: the lost promise ends the wait.
      return await Promise.race([work, this.lost]);
    } catch (cause) {
      if (cause instanceof SpladeError && cause.code !== 'runtime') throw cause;
      // Destroying the device rejects the pending mapAsync, sometimes before `lost` resolves.
      if (!this.lostInfo) await Promise.race([this.lost.catch(() => {}), delay(100)]);
      if (this.lostInfo) throw lostError(this.lostInfo, 'during the batch', cause);
      if (cause instanceof SpladeError) throw cause;
      throw new SpladeError('runtime', `the fused head failed: ${(cause as Error).message}`, { cause });
    }
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const c of this.chunks) c.buffer.destroy();
    this.bias.destroy();
    this.zeroMask.dispose();
  }

  private async run(
    hidden: GPUBuffer,
    shape: FusedBatchShape,
    config: PoolingConfig,
    zeroIds: ArrayLike<number>,
    threshold: number,
    withPositions: boolean,
  ): Promise<PooledVector[]> {
    const { rows, tokens, segments } = shape;
    const { device, vocab } = this;
    checkShape(shape);
    const needed = rows * tokens * this.hidden * 4;
    if (hidden.size < needed)
      throw new SpladeError(
        'runtime',
        `the hidden-state buffer has ${hidden.size} bytes, expected at least rows x tokens x hidden x 4 = ${needed}`,
      );
    const limit = device.limits.maxStorageBufferBindingSize;
    if (needed > limit)
      throw new SpladeError(
        'invalid-input',
        `a batch of ${rows} x ${tokens} tokens of ${this.hidden} hidden values is ${needed} bytes, more than this GPU device's maxStorageBufferBindingSize (${limit}); accepted: batches that fit (use a smaller batchSize)`,
      );
    const pooledBytes = segments.length * vocab * 4;
    if (pooledBytes > limit)
      throw new SpladeError(
        'invalid-input',
        `pooling ${segments.length} documents over ${vocab} entries needs ${pooledBytes} bytes, more than this GPU device's maxStorageBufferBindingSize (${limit}); accepted: batches of at most ${Math.floor(limit / (vocab * 4))} documents`,
      );
    if (withPositions) checkPositionPacking(tokens, segments);
    const stats: FusedHeadStats = { readbackBytes: 0, launches: 0, dispatches: 0 };
    this.lastStats = stats;
    if (segments.length === 0) return [];

    const owned: GPUBuffer[] = [];
    const create = (label: string, size: number, usage: number) => {
      const b = device.createBuffer({ label: `${LABEL} ${label}`, size: Math.max(16, Math.ceil(size / 4) * 4), usage });
      owned.push(b);
      return b;
    };
    const upload = (label: string, data: ArrayBuffer | Uint32Array, usage = GPUBufferUsage.STORAGE) => {
      const bytes =
        data instanceof ArrayBuffer
          ? new Uint8Array(data)
          : new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
      const b = create(label, bytes.byteLength, usage | GPUBufferUsage.COPY_DST);
      device.queue.writeBuffer(b, 0, bytes);
      return b;
    };
    try {
      const segInfo = upload('segments', segmentTable(shape));
      const zeroBuffer = this.zeroMask.buffer(vocab, zeroIds);
      const pooledValues = create('pooled values', pooledBytes, GPUBufferUsage.STORAGE);
      const pooledPositions = withPositions
        ? create('pooled positions', pooledBytes, GPUBufferUsage.STORAGE)
        : create('no positions', 16, GPUBufferUsage.STORAGE);

      // The head: one dispatch per (weight chunk, run of segments), all in one pass.
      const maxGroups = device.limits.maxComputeWorkgroupsPerDimension;
      const tileVocab = 4 * this.tiling.wgVocab;
      const encoder = device.createCommandEncoder({ label: LABEL });
      const pass = encoder.beginComputePass({ label: `${LABEL} pass` });
      pass.setPipeline(this.headPipeline);
      for (const chunk of this.chunks) {
        for (const run of planRuns(segments.length, maxGroups)) {
          const params = packHeadParams({
            tokens,
            hidden: this.hidden,
            vocab,
            chunk: chunk.range,
            rowWords: rowWords(this.hidden, this.weightFormat),
            segments: segments.length,
            segmentBase: run.start,
            config,
            positions: withPositions,
            threshold,
          });
          const paramsBuffer = upload('params', params, GPUBufferUsage.UNIFORM);
          pass.setBindGroup(
            0,
            device.createBindGroup({
              label: `${LABEL} bindings`,
              layout: this.headPipeline.getBindGroupLayout(0),
              entries: [
                { binding: 0, resource: { buffer: hidden, size: needed } },
                { binding: 1, resource: { buffer: chunk.buffer } },
                { binding: 2, resource: { buffer: this.bias } },
                { binding: 3, resource: { buffer: segInfo } },
                { binding: 4, resource: { buffer: zeroBuffer } },
                { binding: 5, resource: { buffer: pooledValues } },
                { binding: 6, resource: { buffer: pooledPositions } },
                { binding: 7, resource: { buffer: paramsBuffer } },
              ],
            }),
          );
          pass.dispatchWorkgroups(Math.ceil(chunk.range.count / tileVocab), run.count);
          stats.dispatches++;
        }
      }
      pass.end();
      device.queue.submit([encoder.finish()]);

      // The compaction, again with more room while a segment overflows (pooledValues stays).
      const compactions = { segments: segments.length, vocab, withPositions, stats };
      return await this.compaction.run(
        compactions,
        (compact, out, capacity) => {
          const cpass = compact.beginComputePass({ label: `${LABEL} compact pass` });
          cpass.setPipeline(this.compactPipeline);
          for (const run of planRuns(segments.length, maxGroups)) {
            const params = COMPACT_PARAMS.pack({
              vocab,
              segments: segments.length,
              segmentBase: run.start,
              capacity,
              positions: withPositions ? 1 : 0,
            });
            cpass.setBindGroup(
              0,
              device.createBindGroup({
                label: `${LABEL} compact bindings`,
                layout: this.compactPipeline.getBindGroupLayout(0),
                entries: [
                  { binding: 5, resource: { buffer: pooledValues } },
                  { binding: 6, resource: { buffer: pooledPositions } },
                  { binding: 8, resource: { buffer: out } },
                  { binding: 9, resource: { buffer: upload('compact params', params, GPUBufferUsage.UNIFORM) } },
                ],
              }),
            );
            cpass.dispatchWorkgroups(Math.ceil(vocab / COMPACT_WORKGROUP), run.count);
          }
          cpass.end();
        },
        (buffer) => owned.push(buffer),
      );
    } finally {
      for (const b of owned) b.destroy();
    }
  }
}

/** Writes W's rows `range` into a mapped weight chunk, in the chunk's format. */
function writeWeightRows(
  target: ArrayBuffer,
  weight: Float32Array | Uint16Array,
  range: Range,
  hidden: number,
  words: number,
  format: WeightFormat,
): void {
  const from = range.start * hidden;
  const count = range.count * hidden;
  if (format === 'float32') {
    const out = new Float32Array(target);
    if (weight instanceof Float32Array) out.set(weight.subarray(from, from + count));
    else for (let k = 0; k < count; k++) out[k] = float16ToFloat32(weight[from + k]!);
    return;
  }
  // float16: rows of `words` u32 = 2 x words halves; an odd hidden size leaves one zero half per row.
  const out = new Uint16Array(target);
  const stride = 2 * words;
  for (let v = 0; v < range.count; v++) {
    const src = from + v * hidden;
    const dst = v * stride;
    if (weight instanceof Uint16Array) out.set(weight.subarray(src, src + hidden), dst);
    else for (let k = 0; k < hidden; k++) out[dst + k] = float32ToFloat16(weight[src + k]!);
  }
}

function checkShape(shape: FusedBatchShape): void {
  const { rows, tokens, lengths, segments } = shape;
  const problems: string[] = [];
  if (!Number.isInteger(rows) || rows < 0) problems.push(`rows must be a non-negative integer, got ${rows}`);
  if (!Number.isInteger(tokens) || tokens < 1) problems.push(`tokens must be a positive integer, got ${tokens}`);
  if (lengths.length !== rows) problems.push(`lengths has ${lengths.length} entries for ${rows} rows`);
  for (let r = 0; r < Math.min(rows, lengths.length); r++) {
    const len = lengths[r]!;
    if (!Number.isInteger(len) || len < 0 || len > tokens) {
      problems.push(`row ${r} has length ${len}, accepted: 0 to ${tokens}`);
      break;
    }
  }
  let next = 0;
  for (const [k, s] of segments.entries()) {
    if (!(
      Number.isInteger(s.start) &&
      Number.isInteger(s.end) &&
      s.start >= next &&
      s.end > s.start &&
      s.end <= rows
    )) {
      problems.push(
        `segment ${k} is rows ${s.start} to ${s.end}; accepted: non-empty runs of rows, in order, not overlapping, from row ${next} to at most ${rows}`,
      );
      break;
    }
    next = s.end;
  }
  if (problems.length > 0) throw new SpladeError('invalid-input', `fused head batch: ${problems.join('; ')}`);
}

function lostError(info: GPUDeviceLostInfo, when = '', cause?: unknown): SpladeError {
  return new SpladeError(
    'gpu-device-lost',
    `the GPU device was lost${when ? ` ${when}` : ''} (${info.reason}: ${info.message})`,
    cause === undefined ? {} : { cause },
  );
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
