/**
 * What the two GPU poolers share (gpu.ts, the WGSL pooler of logits; fused-head.ts, the fused head
 * of hidden states): the per-batch segment table, the bit mask of zeroed ids, and the compaction's
 * readback. Both end the same way: a kernel writes each document's non-zeros into `capacity` slots
 * of one output buffer (entries.ts), counting them all; one small buffer is read back; a document
 * with more non-zeros than slots is compacted again with room for all of them.
 */
import type { PoolBatchShape, PooledVector } from './cpu.ts';
import { decodeEntries, outputBytes } from './entries.ts';
import { SpladeError } from '../errors.ts';

/** Entries reserved per segment before the first try; a segment that overflows is redone with room for all. */
export const INITIAL_CAPACITY = 512;

/** The kernels' segment table: (start, end) row pairs, then each row's real length (u32). */
export function segmentTable(shape: Pick<PoolBatchShape, 'rows' | 'lengths' | 'segments'>): Uint32Array {
  const { rows, lengths, segments } = shape;
  const info = new Uint32Array(2 * segments.length + rows);
  segments.forEach((s, k) => {
    info[2 * k] = s.start;
    info[2 * k + 1] = s.end;
  });
  for (let r = 0; r < rows; r++) info[2 * segments.length + r] = lengths[r]!;
  return info;
}

/** A storage buffer of the zeroed ids as bits over the vocabulary, kept while the ids stay the same. */
export class ZeroMask {
  private kept: { key: string; buffer: GPUBuffer } | undefined;

  constructor(
    private readonly device: GPUDevice,
    private readonly label: string,
  ) {}

  buffer(vocab: number, zeroIds: ArrayLike<number>): GPUBuffer {
    const key = `${vocab}:${Array.from(zeroIds).join(',')}`;
    if (this.kept?.key === key) return this.kept.buffer;
    const bits = new Uint32Array(Math.max(4, Math.ceil(vocab / 32)));
    for (let k = 0; k < zeroIds.length; k++) {
      const id = zeroIds[k]!;
      if (id < vocab) bits[id >>> 5]! |= 1 << (id & 31);
    }
    this.kept?.buffer.destroy();
    const buffer = this.device.createBuffer({
      label: this.label,
      size: bits.byteLength,
      usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST,
    });
    this.device.queue.writeBuffer(buffer, 0, bits);
    this.kept = { key, buffer };
    return buffer;
  }

  dispose(): void {
    this.kept?.buffer.destroy();
    this.kept = undefined;
  }
}

export interface CompactionStats {
  /** Bytes copied back from the GPU. */
  readbackBytes: number;
  /** Compactions (more than one when a segment overflowed its capacity). */
  launches: number;
}

/**
 * The compaction and its readback, with a memory of the capacity needed: after an overflow, later
 * batches start with the capacity that was needed (a corpus with long documents would otherwise pay
 * a second launch per batch). It never exceeds the vocabulary, and halves after each batch that fits
 * in half of it, back down to the initial capacity, so one unusual document does not make every
 * later readback large.
 */
export class Compaction {
  private slots: number;

  constructor(
    private readonly device: GPUDevice,
    private readonly label: string,
    readonly initialCapacity = INITIAL_CAPACITY,
  ) {
    this.slots = initialCapacity;
  }

  /** Entries per segment the next batch starts with (never more than its vocabulary is used). */
  get capacity(): number {
    return this.slots;
  }

  /**
   * Compacts `segments` documents over `vocab` entries and decodes them, ids ascending. `record` adds
   * the kernel that fills `out` (counts already cleared) with `capacity` slots per segment; `stats`
   * is added to. `track` gets every buffer made, for the caller to destroy.
   */
  async run(
    p: { segments: number; vocab: number; withPositions: boolean; stats: CompactionStats },
    record: (encoder: GPUCommandEncoder, out: GPUBuffer, capacity: number) => void,
    track: (buffer: GPUBuffer) => void,
  ): Promise<PooledVector[]> {
    const { device } = this;
    const { segments, vocab } = p;
    const limit = device.limits.maxStorageBufferBindingSize;
    let capacity = Math.min(this.slots, vocab);
    for (;;) {
      const outBytes = outputBytes(segments, capacity);
      if (outBytes > limit)
        throw new SpladeError(
          'invalid-input',
          `pooling ${segments} documents of up to ${capacity} non-zeros each needs a ${outBytes}-byte output buffer, more than this GPU device's maxStorageBufferBindingSize (${limit}); accepted: batches whose documents x non-zeros x 12 bytes fit (use a smaller batchSize)`,
        );
      const out = device.createBuffer({
        label: `${this.label} output`,
        size: outBytes,
        usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST,
      });
      track(out);
      const staging = device.createBuffer({
        label: `${this.label} readback`,
        size: outBytes,
        usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST,
      });
      track(staging);
      const encoder = device.createCommandEncoder({ label: `${this.label} compact` });
      encoder.clearBuffer(out, 0, segments * 4); // counts start at zero
      record(encoder, out, capacity);
      encoder.copyBufferToBuffer(out, 0, staging, 0, outBytes);
      device.queue.submit([encoder.finish()]);
      await staging.mapAsync(GPUMapMode.READ);
      const data = new Uint32Array(staging.getMappedRange().slice(0));
      staging.unmap();
      p.stats.readbackBytes += outBytes;
      p.stats.launches++;
      let most = 0;
      for (let s = 0; s < segments; s++) most = Math.max(most, data[s]!);
      if (most > capacity) {
        // Counted but not stored: compact again with room for the largest segment.
        capacity = Math.min(vocab, most);
        this.slots = Math.min(vocab, Math.max(this.slots, nextPow2(most)));
        continue;
      }
      const decayed = Math.max(this.initialCapacity, Math.ceil(this.slots / 2));
      if (most <= decayed) this.slots = decayed;
      return decodeEntries(data, segments, capacity, p.withPositions);
    }
  }
}

function nextPow2(n: number): number {
  return 2 ** Math.ceil(Math.log2(Math.max(1, n)));
}
