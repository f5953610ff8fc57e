/**
 * Tensor bytes from a file read by range (src/model/ranged.ts), a few requests for many tensors:
 * neighbouring tensors (in file order) are fetched together in chunks of up to CHUNK_BYTES, and the
 * chunk after the one just used is fetched while the builder converts (network and CPU overlap).
 * What is held at once stays under HELD_BYTES plus the tensor being asked for (a tensor larger than a
 * chunk is fetched alone, when asked for), and a tensor served from a chunk is copied out of it, so no chunk outlives its tensors' reads and the
 * converted weights never keep a raw chunk alive. Over HTTP that is about one request per 16 MB
 * instead of one per tensor (a BERT-base has ~200).
 */
import type { RangedFile } from '../ranged.ts';

const CHUNK_BYTES = 16 * 1024 * 1024;
const HELD_BYTES = 64 * 1024 * 1024;

interface Span {
  begin: number;
  end: number;
}

interface Chunk {
  begin: number;
  end: number;
  /** Indexes (into the sorted spans) of the tensors in this chunk not read yet. */
  unread: Set<number>;
  last: number;
  bytes: Promise<Uint8Array>;
}

export class TensorReader {
  private readonly spans: Span[];
  private readonly byBegin = new Map<string, number>();
  private readonly chunks: Chunk[] = [];
  /** Tensors fetched so far: a chunk never extends over one again (a tensor read twice is fetched alone). */
  private readonly fetched = new Set<number>();
  private held = 0;
  /** Most bytes held at once so far (for tests). */
  peakHeld = 0;
  private readonly chunkBytes: number;
  private readonly heldBytes: number;

  /** `spans`: the byte ranges of the tensors that will be read (any order). */
  constructor(
    private readonly file: RangedFile,
    spans: readonly Span[],
    limits: { chunkBytes?: number; heldBytes?: number } = {},
  ) {
    this.chunkBytes = limits.chunkBytes ?? CHUNK_BYTES;
    this.heldBytes = limits.heldBytes ?? HELD_BYTES;
    this.spans = [...spans].filter((s) => s.end > s.begin).sort((a, b) => a.begin - b.begin);
    this.spans.forEach((s, k) => this.byBegin.set(`${s.begin}:${s.end}`, k));
  }

  async read(begin: number, end: number): Promise<Uint8Array> {
    const index = this.byBegin.get(`${begin}:${end}`);
    if (index === undefined) return this.file.read(begin, end); // not a planned tensor (or empty)
    const chunk = this.chunks.find((c) => c.unread.has(index)) ?? this.fetch(index);
    chunk.unread.delete(index);
    if (chunk.unread.size === 0) this.drop(chunk);
    const bytes = await chunk.bytes;
    this.prefetch(chunk.last + 1);
    if (chunk.begin === begin && chunk.end === end) return bytes;
    return bytes.slice(begin - chunk.begin, end - chunk.begin);
  }

  /** A chunk starting at tensor `first`, extended over the next tensors while it stays small. */
  private fetch(first: number): Chunk {
    const start = this.spans[first]!.begin;
    let last = first;
    while (
      last + 1 < this.spans.length &&
      this.spans[last + 1]!.end - start <= this.chunkBytes &&
      this.held + (this.spans[last + 1]!.end - start) <= this.heldBytes &&
      !this.fetched.has(last + 1)
    )
      last++;
    const end = this.spans[last]!.end;
    const unread = new Set<number>();
    for (let k = first; k <= last; k++) {
      unread.add(k);
      this.fetched.add(k);
    }
    const chunk: Chunk = { begin: start, end, unread, last, bytes: this.file.read(start, end) };
    this.chunks.push(chunk);
    this.held += end - start;
    this.peakHeld = Math.max(this.peakHeld, this.held);
    // A failed fetch is dropped, so a later read asks again; the reader that awaits it sees the error.
    chunk.bytes.catch(() => this.drop(chunk));
    return chunk;
  }

  private prefetch(next: number): void {
    const span = this.spans[next];
    if (!span || this.fetched.has(next)) return;
    // A tensor larger than a chunk waits until it is asked for, so at most one is held at a time.
    if (span.end - span.begin > this.chunkBytes || this.held + (span.end - span.begin) > this.heldBytes) return;
    this.fetch(next);
  }

  private drop(chunk: Chunk): void {
    const at = this.chunks.indexOf(chunk);
    if (at < 0) return;
    this.chunks.splice(at, 1);
    this.held -= chunk.end - chunk.begin;
  }
}
