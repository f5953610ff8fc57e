/**
 * Host side of the WGSL pooling kernel: runs on the GPUDevice that holds the logits (ORT's own
 * device) and reads back one small buffer per batch: the counts and the sparse entries.
 */
import shaderSource from './pool.wgsl?raw';
import type { PoolingConfig } from './config.ts';
import type { PoolBatchShape, PooledVector } from './cpu.ts';
import { checkPositionPacking } from './packing.ts';
import { packPoolParams, poolShaderSource } from './pool-params.ts';
import { Compaction, segmentTable, ZeroMask, type CompactionStats } from './readback.ts';
import { SpladeError } from '../errors.ts';

export { decodeEntries } from './entries.ts';
export { INITIAL_CAPACITY } from './readback.ts';

const WORKGROUP = 64;
const LABEL = 'splade-web pool';

export type GpuPoolStats = CompactionStats;

export class GpuPooler {
  private readonly pipeline: GPUComputePipeline;
  private readonly zeroMask: ZeroMask;
  /** The kernel pools and compacts at once: an overflow runs it again, with the capacity it needed (readback.ts). */
  private readonly compaction: Compaction;
  lastStats: GpuPoolStats = { readbackBytes: 0, launches: 0 };

  constructor(private readonly device: GPUDevice) {
    // The packing constants (shared with the CPU pooler) and the uniform struct are generated.
    const module = device.createShaderModule({ label: `${LABEL} shader`, code: poolShaderSource(shaderSource) });
    this.pipeline = device.createComputePipeline({
      label: `${LABEL} pipeline`,
      layout: 'auto',
      compute: { module, entryPoint: 'main' },
    });
    this.zeroMask = new ZeroMask(device, `${LABEL} zeroed ids`);
    this.compaction = new Compaction(device, LABEL);
  }

  /** Entries per segment the next batch starts with (never more than its vocabulary is used). */
  get capacity(): number {
    return this.compaction.capacity;
  }

  /**
   * Pools `logits` ([rows, tokens, vocab] f32, on this device) segment by segment.
   * Returns one vector per segment, ids ascending, with (window, token) positions when max-pooling.
   */
  async pool(
    logits: GPUBuffer,
    shape: PoolBatchShape,
    config: PoolingConfig,
    zeroIds: ArrayLike<number>,
    threshold = 0,
  ): Promise<PooledVector[]> {
    const { rows, tokens, vocab, segments } = shape;
    const needed = rows * tokens * vocab * 4;
    if (logits.size < needed)
      throw new SpladeError('runtime', `the logits buffer has ${logits.size} bytes, expected at least ${needed}`);
    const stats: GpuPoolStats = { readbackBytes: 0, launches: 0 };
    this.lastStats = stats;
    // The kernel always records positions when max-pooling; refuse shapes they would wrap around in.
    if (config.strategy === 'max') checkPositionPacking(tokens, segments);
    const device = this.device;
    const owned: GPUBuffer[] = [];
    try {
      const infoBuffer = this.upload(`${LABEL} segments`, segmentTable(shape), owned);
      const zeroBuffer = this.zeroMask.buffer(vocab, zeroIds);
      const withPositions = config.strategy === 'max';
      return await this.compaction.run(
        { segments: segments.length, vocab, withPositions, stats },
        (encoder, out, capacity) => {
          const params = packPoolParams({ tokens, vocab, segments: segments.length, capacity, config, threshold });
          const paramsBuffer = this.upload(`${LABEL} params`, new Uint8Array(params), owned, GPUBufferUsage.UNIFORM);
          const pass = encoder.beginComputePass({ label: `${LABEL} pass` });
          pass.setPipeline(this.pipeline);
          pass.setBindGroup(
            0,
            device.createBindGroup({
              label: `${LABEL} bindings`,
              layout: this.pipeline.getBindGroupLayout(0),
              entries: [
                { binding: 0, resource: { buffer: logits, size: needed } },
                { binding: 1, resource: { buffer: infoBuffer } },
                { binding: 2, resource: { buffer: zeroBuffer } },
                { binding: 3, resource: { buffer: out } },
                { binding: 4, resource: { buffer: paramsBuffer } },
              ],
            }),
          );
          pass.dispatchWorkgroups(Math.ceil(vocab / WORKGROUP), segments.length);
          pass.end();
        },
        (buffer) => owned.push(buffer),
      );
    } finally {
      for (const b of owned) b.destroy();
    }
  }

  dispose(): void {
    this.zeroMask.dispose();
  }

  private upload(
    label: string,
    data: Uint8Array | Uint32Array,
    owned: GPUBuffer[],
    usage: number = GPUBufferUsage.STORAGE,
  ): GPUBuffer {
    const size = Math.max(16, Math.ceil(data.byteLength / 4) * 4);
    const buffer = this.device.createBuffer({ label, size, usage: usage | GPUBufferUsage.COPY_DST });
    owned.push(buffer);
    this.device.queue.writeBuffer(buffer, 0, data.buffer, data.byteOffset, data.byteLength);
    return buffer;
  }
}
