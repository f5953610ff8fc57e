/** The k best (document, score) pairs so far. Ties are broken by ascending document number. */

export interface Scored {
  doc: number;
  score: number;
}

/** Min-heap of the k best so far; the root is the worst (lowest score, then highest doc). */
export class TopK {
  private readonly items: Scored[] = [];
  constructor(readonly k: number) {}

  get full(): boolean {
    return this.items.length >= this.k;
  }

  /** Score a newcomer must beat (or tie with a smaller doc number) once the heap is full. */
  get threshold(): number {
    return this.full ? this.items[0]!.score : -Infinity;
  }

  /** Would (doc, score) enter? */
  admits(doc: number, score: number): boolean {
    if (!this.full) return true;
    const worst = this.items[0]!;
    return score > worst.score || (score === worst.score && doc < worst.doc);
  }

  push(doc: number, score: number): void {
    if (this.k <= 0 || !this.admits(doc, score)) return;
    const h = this.items;
    if (h.length < this.k) {
      h.push({ doc, score });
      this.up(h.length - 1);
    } else {
      h[0] = { doc, score };
      this.down(0);
    }
  }

  /** Best first: score descending, doc ascending. */
  sorted(): Scored[] {
    return [...this.items].sort((a, b) => b.score - a.score || a.doc - b.doc);
  }

  private worse(a: Scored, b: Scored): boolean {
    return a.score < b.score || (a.score === b.score && a.doc > b.doc);
  }

  private up(i: number): void {
    const h = this.items;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.worse(h[i]!, h[p]!)) break;
      [h[i], h[p]] = [h[p]!, h[i]!];
      i = p;
    }
  }

  private down(i: number): void {
    const h = this.items;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < h.length && this.worse(h[l]!, h[m]!)) m = l;
      if (r < h.length && this.worse(h[r]!, h[m]!)) m = r;
      if (m === i) return;
      [h[i], h[m]] = [h[m]!, h[i]!];
      i = m;
    }
  }
}
