/** The engine's cache of decoded posting lists. */

/**
 * A byte-bounded least-recently-used cache with numeric keys. A hit only stamps the entry (queries
 * look up dozens of lists per segment). Over budget, the oldest entries are first shrunk (`shrink`
 * drops what can be rebuilt, e.g. decoded blocks) and only then evicted, down to 90% of the budget.
 * Pinned entries (in use by a search in flight) are neither shrunk nor evicted.
 */
export class LruCache<V> {
  private readonly map = new Map<number, { value: V; bytes: number; used: number; pins: number }>();
  private bytes = 0;
  private clock = 0;
  constructor(
    private readonly limit: number,
    private readonly shrink?: (value: V) => number,
  ) {}
  /** Bytes held. */
  get size(): number {
    return this.bytes;
  }

  /** The cached value, pinned if asked (in one lookup: a query makes dozens per segment). */
  get(key: number, pin = false): V | undefined {
    const hit = this.map.get(key);
    if (!hit) return undefined;
    hit.used = ++this.clock;
    if (pin) hit.pins++;
    return hit.value;
  }

  set(key: number, value: V, bytes: number, pin = false): void {
    const old = this.map.get(key);
    if (old) this.bytes -= old.bytes;
    this.map.set(key, { value, bytes, used: ++this.clock, pins: (old?.pins ?? 0) + (pin ? 1 : 0) });
    this.bytes += bytes;
    this.trim();
  }

  /** A cached value now holds `bytes`. */
  resize(key: number, bytes: number): void {
    const hit = this.map.get(key);
    if (!hit || hit.bytes === bytes) return;
    this.bytes += bytes - hit.bytes;
    hit.bytes = bytes;
  }

  unpin(key: number): void {
    const hit = this.map.get(key);
    if (hit && hit.pins > 0) hit.pins--;
  }

  /** Drops the entries with keys in [from, to) (a segment that is gone or was renumbered). */
  deleteRange(from: number, to: number): void {
    for (const [k, e] of this.map) {
      if (k >= from && k < to) {
        this.map.delete(k);
        this.bytes -= e.bytes;
      }
    }
  }

  clear(): void {
    this.map.clear();
    this.bytes = 0;
  }

  /** Back under budget, if unpinned entries allow. */
  trim(): void {
    if (this.bytes <= this.limit) return;
    const target = this.limit * 0.9;
    const byAge = [...this.map].filter(([, e]) => e.pins === 0).sort((a, b) => a[1].used - b[1].used);
    if (this.shrink) {
      for (const [, e] of byAge) {
        if (this.bytes <= target) return;
        const bytes = this.shrink(e.value);
        this.bytes += bytes - e.bytes;
        e.bytes = bytes;
      }
    }
    for (const [k, e] of byAge) {
      if (this.bytes <= target) return;
      this.map.delete(k);
      this.bytes -= e.bytes;
    }
  }
}
