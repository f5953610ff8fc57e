/**
 * Host side of the WGSL pooling kernel: runs on the GPUDevice that holds the logits (ORT's own
 * device) and reads back one small buffer per batch: the counts and the sparse entries.
 */
import shaderSource from './pool.wgsl?raw';
import type { PoolingConfig } from './config.ts';
import type { PoolBatchShape, PooledVector } from './cpu.ts';
import { decodeEntries, outputBytes } from './entries.ts';
import { checkPositionPacking } from './packing.ts';
import { packPoolParams, poolShaderSource } from './pool-params.ts';
import { SpladeError } from '../errors.ts';

export { decodeEntries } from './entries.ts';

/** Entries reserved per segment before the first try; a segment that overflows is redone with room for all. */
export const INITIAL_CAPACITY = 512;
const WORKGROUP = 64;

export interface GpuPoolStats {
  /** Bytes copied back from the GPU for this call. */
  readbackBytes: number;
  /** Kernel launches (more than one when a segment overflowed its capacity). */
  launches: number;
}

export class GpuPooler {
  private readonly pipeline: GPUComputePipeline;
  private zeroMask: { key: string; buffer: GPUBuffer } | undefined;
  /**
   * Sizing memory: after an overflow, later batches start with the capacity that was needed (a
   * corpus with long documents would otherwise pay a second launch per batch). It never exceeds the
   * vocabulary, and halves after each batch that fits in half of it, back down to INITIAL_CAPACITY,
   * so one unusual document does not make every later readback large.
   */
  private slots = INITIAL_CAPACITY;
  lastStats: GpuPoolStats = { readbackBytes: 0, launches: 0 };

  constructor(private readonly device: GPUDevice) {
    // The packing constants (shared with the CPU pooler) and the uniform struct are generated.
    const module = device.createShaderModule({ label: 'splade-web pool shader', code: poolShaderSource(shaderSource) });
    this.pipeline = device.createComputePipeline({
      label: 'splade-web pool pipeline',
      layout: 'auto',
      compute: { module, entryPoint: 'main' },
    });
  }

  /** Entries per segment the next batch starts with (never more than its vocabulary is used). */
  get capacity(): number {
    return this.slots;
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
    this.lastStats = { readbackBytes: 0, launches: 0 };
    // The kernel always records positions when max-pooling; refuse shapes they would wrap around in.
    if (config.strategy === 'max') checkPositionPacking(tokens, segments);
    const device = this.device;
    const info = new Uint32Array(2 * segments.length + rows);
    segments.forEach((s, k) => {
      info[2 * k] = s.start;
      info[2 * k + 1] = s.end;
    });
    for (let r = 0; r < rows; r++) info[2 * segments.length + r] = shape.lengths[r]!;
    const infoBuffer = this.upload('splade-web pool segments', info);
    const zeroBuffer = this.zeroMaskBuffer(vocab, zeroIds);
    const owned: GPUBuffer[] = [infoBuffer];
    try {
      let capacity = Math.min(this.slots, vocab);
      for (;;) {
        const params = packPoolParams({ tokens, vocab, segments: segments.length, capacity, config, threshold });
        const outBytes = outputBytes(segments.length, capacity);
        const limit = device.limits.maxStorageBufferBindingSize;
        if (outBytes > limit) {
          throw new SpladeError(
            'runtime',
            `pooling ${segments.length} documents of up to ${capacity} non-zeros each needs a ${outBytes}-byte output buffer, more than this GPU device's maxStorageBufferBindingSize (${limit}); accepted: batches whose documents x non-zeros x 12 bytes fit (use a smaller batchSize)`,
          );
        }
        const paramsBuffer = this.upload('splade-web pool params', new Uint8Array(params), GPUBufferUsage.UNIFORM);
        owned.push(paramsBuffer);
        const out = device.createBuffer({
          label: 'splade-web pool output',
          size: outBytes,
          usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST,
        });
        const staging = device.createBuffer({
          label: 'splade-web pool readback',
          size: outBytes,
          usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST,
        });
        owned.push(out, staging);
        const bindGroup = device.createBindGroup({
          label: 'splade-web pool bindings',
          layout: this.pipeline.getBindGroupLayout(0),
          entries: [
            { binding: 0, resource: { buffer: logits, size: needed } },
            { binding: 1, resource: { buffer: infoBuffer } },
            { binding: 2, resource: { buffer: zeroBuffer } },
            { binding: 3, resource: { buffer: out } },
            { binding: 4, resource: { buffer: paramsBuffer } },
          ],
        });
        const encoder = device.createCommandEncoder({ label: 'splade-web pool' });
        encoder.clearBuffer(out, 0, segments.length * 4); // counts start at zero
        const pass = encoder.beginComputePass({ label: 'splade-web pool pass' });
        pass.setPipeline(this.pipeline);
        pass.setBindGroup(0, bindGroup);
        pass.dispatchWorkgroups(Math.ceil(vocab / WORKGROUP), segments.length);
        pass.end();
        encoder.copyBufferToBuffer(out, 0, staging, 0, outBytes);
        device.queue.submit([encoder.finish()]);
        await staging.mapAsync(GPUMapMode.READ);
        const data = new Uint32Array(staging.getMappedRange().slice(0));
        staging.unmap();
        this.lastStats.readbackBytes += outBytes;
        this.lastStats.launches++;
        let most = 0;
        for (let s = 0; s < segments.length; s++) most = Math.max(most, data[s]!);
        if (most > capacity) {
          // Counted but not stored: redo the batch with room for the largest segment.
          capacity = Math.min(vocab, most);
          this.slots = Math.min(vocab, Math.max(this.slots, nextPow2(most)));
          continue;
        }
        const decayed = Math.max(INITIAL_CAPACITY, Math.ceil(this.slots / 2));
        if (most <= decayed) this.slots = decayed;
        return decodeEntries(data, segments.length, capacity, config.strategy === 'max');
      }
    } finally {
      for (const b of owned) b.destroy();
    }
  }

  dispose(): void {
    this.zeroMask?.buffer.destroy();
    this.zeroMask = undefined;
  }

  private upload(label: string, data: Uint8Array | Uint32Array, usage: number = GPUBufferUsage.STORAGE): GPUBuffer {
    const size = Math.max(16, Math.ceil(data.byteLength / 4) * 4);
    const buffer = this.device.createBuffer({ label, size, usage: usage | GPUBufferUsage.COPY_DST });
    this.device.queue.writeBuffer(buffer, 0, data.buffer, data.byteOffset, data.byteLength);
    return buffer;
  }

  private zeroMaskBuffer(vocab: number, zeroIds: ArrayLike<number>): GPUBuffer {
    const key = `${vocab}:${Array.from(zeroIds).join(',')}`;
    if (this.zeroMask?.key === key) return this.zeroMask.buffer;
    const bits = new Uint32Array(Math.ceil(vocab / 32));
    for (let k = 0; k < zeroIds.length; k++) {
      const id = zeroIds[k]!;
      if (id < vocab) bits[id >>> 5]! |= 1 << (id & 31);
    }
    this.zeroMask?.buffer.destroy();
    this.zeroMask = { key, buffer: this.upload('splade-web pool zeroed ids', bits) };
    return this.zeroMask.buffer;
  }
}

function nextPow2(n: number): number {
  return 2 ** Math.ceil(Math.log2(Math.max(1, n)));
}
