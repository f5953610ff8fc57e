/**
 * Scratch memory of a search: dense accumulators (one per document of a segment), marks and
 * candidate buffers. Reused across searches (one search runs at a time per thread) and left zeroed,
 * but bounded: `fit()` after a search gives back memory a much larger earlier segment needed.
 */
export class QueryScratch {
  acc = new Float64Array(0);
  marks = new Uint8Array(0);
  pickDocs = new Int32Array(0);
  pickValues = new Float64Array(0);
  candidateDocs = new Int32Array(0);
  candidateScores = new Float64Array(0);
  /** Largest range seen since the last fit(). */
  private used = 0;

  /** Accumulators (zeroed) and candidate buffers for a range of `size` documents. */
  forRange(size: number): void {
    this.used = Math.max(this.used, size);
    if (this.acc.length < size) {
      this.acc = new Float64Array(size);
      this.marks = new Uint8Array(size);
      this.candidateDocs = new Int32Array(size);
      this.candidateScores = new Float64Array(size);
    }
  }

  /** Pick buffers of at least `n` entries. */
  forPicks(n: number): void {
    if (this.pickDocs.length < n) {
      this.pickDocs = new Int32Array(n);
      this.pickValues = new Float64Array(n);
    }
  }

  /** Bytes held. */
  get bytes(): number {
    return (
      this.acc.byteLength +
      this.marks.byteLength +
      this.candidateDocs.byteLength +
      this.candidateScores.byteLength +
      this.pickDocs.byteLength +
      this.pickValues.byteLength
    );
  }

  /**
   * Shrinks to what the searches since the last call needed, when that is under half of what is
   * held (after a merge renumbered documents, or an index with fewer documents was searched).
   */
  fit(): void {
    const size = this.used;
    this.used = 0;
    if (this.acc.length > 2 * size) {
      this.acc = new Float64Array(size);
      this.marks = new Uint8Array(size);
      this.candidateDocs = new Int32Array(size);
      this.candidateScores = new Float64Array(size);
    }
    if (this.pickDocs.length > 0 && size === 0) {
      this.pickDocs = new Int32Array(0);
      this.pickValues = new Float64Array(0);
    }
  }
}

/** The scratch of searches that bring none. */
export const sharedScratch = new QueryScratch();
