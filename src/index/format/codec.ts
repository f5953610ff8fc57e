/**
 * Posting block codec. A term's postings in one segment are cut into blocks of up to
 * BLOCK_SIZE (document number, weight) pairs:
 *
 *   u8  count-1            u8  bit width of the deltas
 *   varint first document number (relative to the segment's first document)
 *   f32 block max weight   (the quantization scale, and the block-max bound for pruning)
 *   bit-packed deltas      (count-1 of them, `width` bits each, LSB first)
 *   u8  weights            (count of them: round(255 * w / max))
 *
 * Weights are quantized to 8 bits against their block's max, so a stored weight is within
 * max/510 of the original: a hit's score is off by at most sum(q_t * max_t) / 510 over its terms.
 * Merging segments copies blocks (re-based; a block that loses deleted documents is re-packed with
 * its original scale and weight bytes), so weights are quantized once and the bound holds for
 * good; merged lists may hold blocks shorter than BLOCK_SIZE.
 * Every search scores the same dequantized weights, so pruned and exhaustive top-k agree exactly.
 */

import { seek } from './seek.ts';

export const BLOCK_SIZE = 128;
/** Quantization error bound per posting, as a fraction of the block max weight. */
export const WEIGHT_ERROR_BOUND = 1 / 510;

export interface PostingList {
  /** Document numbers, strictly ascending. */
  docs: Uint32Array;
  /** Weights (dequantized when decoded). */
  weights: Float32Array;
}

export class ByteWriter {
  private buf = new Uint8Array(1024);
  length = 0;

  private ensure(extra: number): void {
    if (this.length + extra <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.length + extra) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
  }

  u8(x: number): void {
    this.ensure(1);
    this.buf[this.length++] = x;
  }

  varint(x: number): void {
    this.ensure(5);
    while (x >= 0x80) {
      this.buf[this.length++] = (x & 0x7f) | 0x80;
      x >>>= 7;
    }
    this.buf[this.length++] = x;
  }

  f32(x: number): void {
    this.ensure(4);
    new DataView(this.buf.buffer).setFloat32(this.length, x, true);
    this.length += 4;
  }

  bytes(b: Uint8Array): void {
    this.ensure(b.length);
    this.buf.set(b, this.length);
    this.length += b.length;
  }

  finish(): Uint8Array {
    return this.buf.slice(0, this.length);
  }
}

/** Encodes one term's postings (docs relative to `base`) as consecutive blocks. */
export function encodePostings(list: PostingList, base: number, out: ByteWriter): void {
  const n = list.docs.length;
  const quantized = new Uint8Array(Math.min(n, BLOCK_SIZE));
  for (let start = 0; start < n; start += BLOCK_SIZE) {
    const end = Math.min(n, start + BLOCK_SIZE);
    let max = 0;
    for (let k = start; k < end; k++) if (list.weights[k]! > max) max = list.weights[k]!;
    const scale = Math.fround(max);
    for (let k = start; k < end; k++)
      quantized[k - start] = scale > 0 ? Math.round((255 * list.weights[k]!) / scale) : 0;
    encodeBlock(list.docs.subarray(start, end), quantized.subarray(0, end - start), scale, base, out);
  }
}

/** Writes one block: `docs` (ascending, relative to `base` in the header) with quantized weights. */
function encodeBlock(docs: Uint32Array, quantized: Uint8Array, scale: number, base: number, out: ByteWriter): void {
  const count = docs.length;
  let widest = 0;
  for (let k = 1; k < count; k++) widest = Math.max(widest, docs[k]! - docs[k - 1]! - 1);
  const width = widest === 0 ? 0 : 32 - Math.clz32(widest);
  out.u8(count - 1);
  out.u8(width);
  out.varint(docs[0]! - base);
  out.f32(scale);
  // Deltas minus one (documents are distinct), bit-packed, a byte's worth of bits at a time.
  const packed = new Uint8Array(Math.ceil(((count - 1) * width) / 8));
  let bit = 0;
  for (let k = 1; k < count; k++) {
    let d = docs[k]! - docs[k - 1]! - 1;
    for (let left = width; left > 0;) {
      const offset = bit & 7;
      const take = Math.min(8 - offset, left);
      packed[bit >>> 3]! |= (d & ((1 << take) - 1)) << offset;
      d >>>= take;
      bit += take;
      left -= take;
    }
  }
  out.bytes(packed);
  out.bytes(quantized);
}

/** A stored block's header: posting count, delta bit width, first document (relative), scale. */
interface BlockHeader {
  n: number;
  width: number;
  first: number;
  scale: number;
  /** Offset of the bit-packed deltas. */
  deltas: number;
  /** Offset of the quantized weights (n bytes). */
  weights: number;
  /** Offset just past the block. */
  next: number;
}

function readHeader(bytes: Uint8Array, at: number): BlockHeader {
  const n = bytes[at]! + 1;
  const width = bytes[at + 1]!;
  at += 2;
  let first = 0;
  let shift = 0;
  for (;;) {
    const byte = bytes[at++]!;
    first += (byte & 0x7f) * 2 ** shift;
    if (byte < 0x80) break;
    shift += 7;
  }
  const scale = new DataView(bytes.buffer, bytes.byteOffset + at, 4).getFloat32(0, true);
  const deltas = at + 4;
  const weights = deltas + Math.ceil(((n - 1) * width) / 8);
  return { n, width, first, scale, deltas, weights, next: weights + n };
}

/**
 * Appends one term's stored blocks to `out`, relative to `toBase`. Without `renumber`, documents
 * keep their numbers less `shift`, and each block is copied with only its header rewritten. With
 * `renumber` (old document -> new document, or -1 for one that is dropped), blocks are re-packed.
 * Either way the quantized weights and their scales are kept as they are, so a merge never
 * quantizes twice (the error bound stays that of the first encoding). Returns the postings kept.
 */
export function copyPostings(
  bytes: Uint8Array,
  offset: number,
  count: number,
  fromBase: number,
  toBase: number,
  out: ByteWriter,
  renumber?: (doc: number) => number,
  shift = 0,
): number {
  const docs = new Uint32Array(BLOCK_SIZE);
  const weights = new Float32Array(BLOCK_SIZE);
  const keepDocs = new Uint32Array(BLOCK_SIZE);
  const keepWeights = new Uint8Array(BLOCK_SIZE);
  let at = offset;
  let seen = 0;
  let kept = 0;
  while (seen < count) {
    const h = readHeader(bytes, at);
    if (!renumber) {
      out.u8(h.n - 1);
      out.u8(h.width);
      out.varint(h.first + fromBase - shift - toBase);
      out.bytes(bytes.subarray(h.deltas - 4, h.next)); // scale, deltas, weights as stored
      kept += h.n;
    } else {
      decodeBlock(bytes, at, fromBase, docs, weights, 0);
      let n = 0;
      for (let j = 0; j < h.n; j++) {
        const doc = renumber(docs[j]!);
        if (doc < 0) continue;
        keepDocs[n] = doc;
        keepWeights[n++] = bytes[h.weights + j]!;
      }
      if (n) encodeBlock(keepDocs.subarray(0, n), keepWeights.subarray(0, n), h.scale, toBase, out);
      kept += n;
    }
    at = h.next;
    seen += h.n;
  }
  return kept;
}

/**
 * One term's postings, decoded block by block on demand: a query reads all of a short list but only
 * the blocks of a long list that hold its candidate documents. `docs`/`weights` are full-length;
 * an entry is valid once its block is loaded (`load`, `loadAll`, or a `seek` that lands in it).
 */
export class LazyPostings implements PostingList {
  /** Full-length arrays while decoded blocks are kept; empty after `release()` until needed. */
  docs: Uint32Array;
  weights: Float32Array;
  /** First document of each block (read from the block headers, no decoding). */
  readonly blockFirst: Uint32Array;
  /** Quantization scale of each block, an upper bound of its weights (their max unless merged). */
  readonly blockMax: Float32Array;
  /** Position of each block's first posting (blocks hold up to BLOCK_SIZE; merged lists vary). */
  private readonly blockStart: Uint32Array;
  private readonly blockOffset: Uint32Array;
  private readonly loaded: Uint8Array;
  /** Block of the last seek's answer, where the next (forward) seek most likely starts. */
  private cursor = 0;
  private allocated: boolean;
  private pending: number;
  /** Weights by document (see `column`), built on demand and dropped with the decoded blocks. */
  private weightColumn: Float32Array | undefined;

  constructor(
    private readonly bytes: Uint8Array,
    offset: number,
    readonly count: number,
    private readonly base: number,
  ) {
    this.docs = new Uint32Array(count);
    this.weights = new Float32Array(count);
    this.allocated = true;
    // Read the block headers (merged lists hold short blocks, so they are counted as they come).
    const headers: BlockHeader[] = [];
    for (let at = offset, seen = 0; seen < count;) {
      const h = readHeader(bytes, at);
      headers.push(h);
      at = h.next;
      seen += h.n;
    }
    const blocks = headers.length;
    this.pending = blocks;
    this.blockFirst = new Uint32Array(blocks);
    this.blockMax = new Float32Array(blocks);
    this.blockStart = new Uint32Array(blocks + 1);
    this.blockOffset = new Uint32Array(blocks);
    this.loaded = new Uint8Array(blocks);
    let at = offset;
    headers.forEach((h, b) => {
      this.blockOffset[b] = at;
      this.blockStart[b + 1] = this.blockStart[b]! + h.n;
      this.blockFirst[b] = base + h.first;
      this.blockMax[b] = h.scale;
      at = h.next;
    });
  }

  get blocks(): number {
    return this.blockFirst.length;
  }

  get decodedBlocks(): number {
    return this.blocks - this.pending;
  }

  /**
   * Memory this list holds: its encoded bytes, block tables and decoded blocks. The decoded arrays
   * are allocated at full length, but untouched pages of a large allocation cost no memory.
   */
  get residentBytes(): number {
    const decoded = !this.allocated
      ? 0
      : this.pending === 0
        ? this.count
        : Math.min(this.count, this.decodedBlocks * BLOCK_SIZE);
    return this.bytes.byteLength + this.blocks * 17 + decoded * 8 + (this.weightColumn?.byteLength ?? 0) + 64;
  }

  /**
   * The list's weights indexed by document (document - base), 0 where the list has none, covering
   * `size` documents: a probe becomes one load instead of a seek. Built only once every block is
   * decoded: under a tight cache, lists lose their decoded blocks, and decoding a whole list for a
   * column would cost more than the seeks it saves.
   */
  column(size: number): Float32Array | undefined {
    if (this.weightColumn && this.weightColumn.length >= size) return this.weightColumn;
    if (this.pending > 0) return undefined;
    const column = new Float32Array(size);
    const { docs, weights, base } = this;
    for (let p = 0; p < docs.length; p++) column[docs[p]! - base] = weights[p]!;
    return (this.weightColumn = column);
  }

  /** Drops the decoded blocks (memory), keeping the encoded bytes: blocks decode again on demand. */
  release(): void {
    if (!this.allocated) return;
    this.docs = new Uint32Array(0);
    this.weights = new Float32Array(0);
    this.allocated = false;
    this.weightColumn = undefined;
    this.loaded.fill(0);
    this.pending = this.blocks;
    this.cursor = 0;
  }

  /** Makes `docs`/`weights` full-length again after a release (read them after this). */
  materialize(): void {
    if (this.allocated) return;
    this.docs = new Uint32Array(this.count);
    this.weights = new Float32Array(this.count);
    this.allocated = true;
  }

  /** Decodes every block not decoded yet. */
  loadAll(): void {
    if (this.pending === 0) return;
    for (let b = 0; b < this.blockFirst.length; b++) if (!this.loaded[b]) this.load(b);
  }

  /** Decodes block `b` into `docs`/`weights` (once). */
  load(b: number): void {
    if (this.loaded[b]) return;
    this.materialize();
    decodeBlock(this.bytes, this.blockOffset[b]!, this.base, this.docs, this.weights, this.blockStart[b]!);
    this.loaded[b] = 1;
    this.pending--;
  }

  /**
   * Position of the first posting at or after position `from` whose document is >= target
   * (`count` when there is none), with that posting's block loaded. Skips over whole blocks by their
   * first documents, so only the block that can hold the target is decoded.
   */
  seek(from: number, target: number): number {
    const count = this.count;
    if (from >= count) return count;
    const first = this.blockFirst;
    // The block holding position `from`: usually the one the last seek ended in, else searched.
    const start = this.blockStart;
    let b = this.cursor;
    if (!(start[b]! <= from && from < start[b + 1]!)) b = seek(start, 0, from + 1) - 1;
    // The last block (from b on) whose first document is <= target.
    if (first[b]! <= target) b = seek(first, b, target + 1) - 1;
    this.load(b);
    // Inside the block: the first document >= target.
    const end = start[b + 1]!;
    const hi = seek(this.docs, Math.max(from, start[b]!), target, end);
    if (hi === end && hi < count) this.load(++b);
    this.cursor = b;
    return hi;
  }
}

/** Decodes the block at `at` into docs/weights from position `k`; returns the offset after it. */
function decodeBlock(
  bytes: Uint8Array,
  at: number,
  base: number,
  docs: Uint32Array,
  weights: Float32Array,
  k: number,
): number {
  const { n, width, first, scale, deltas, weights: stored, next } = readHeader(bytes, at);
  let doc = base + first;
  docs[k] = doc;
  let bit = deltas * 8;
  if (width > 0 && width <= 24) {
    // Fast path: every delta fits in one 32-bit little-endian read (width + bit shift <= 31).
    const mask = (1 << width) - 1;
    for (let j = 1; j < n; j++) {
      const byte = bit >>> 3;
      const word = bytes[byte]! | (bytes[byte + 1]! << 8) | (bytes[byte + 2]! << 16) | (bytes[byte + 3]! << 24);
      doc += ((word >>> (bit & 7)) & mask) + 1;
      docs[k + j] = doc;
      bit += width;
    }
  } else {
    for (let j = 1; j < n; j++) {
      let d = 0;
      for (let b2 = 0; b2 < width; b2++, bit++) if (bytes[bit >>> 3]! & (1 << (bit & 7))) d |= 1 << b2;
      doc += (d >>> 0) + 1;
      docs[k + j] = doc;
    }
  }
  const unit = scale / 255;
  for (let j = 0; j < n; j++) weights[k + j] = bytes[stored + j]! * unit;
  return next;
}

/** Decodes `count` postings starting at `offset` of `bytes`; documents come back absolute. */
export function decodePostings(
  bytes: Uint8Array,
  offset: number,
  count: number,
  base: number,
): PostingList & { blockMax: Float32Array } {
  const list = new LazyPostings(bytes, offset, count, base);
  list.loadAll();
  return list;
}
