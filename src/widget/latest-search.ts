/**
 * The element's searches, one at a time: a new one aborts the one before, whose answer (if it still
 * comes) is dropped, and one slower than a delay is reported busy (faster ones would only flicker).
 * No DOM here: unit-tested in Node.
 */

export type SearchOutcome<T> = { ok: true; value: T } | { ok: false; error: unknown };

export class LatestSearch {
  #ticket = 0;
  #abort: AbortController | undefined;
  #busyTimer: ReturnType<typeof setTimeout> | undefined;
  readonly #busyDelayMs: number;

  constructor(busyDelayMs: number) {
    this.#busyDelayMs = busyDelayMs;
  }

  /** Aborts the search under way; its failure still counts (it is the latest). */
  abort(): void {
    this.#abort?.abort();
  }

  /** Aborts the search under way and drops it: nothing it does is reported. */
  cancel(): void {
    this.#abort?.abort();
    this.#ticket++;
    clearTimeout(this.#busyTimer);
  }

  /**
   * Runs `search` in place of the one under way; `busy` is called once the delay has passed if it
   * is still the latest. Resolves to its outcome, or to undefined when a newer search (or a cancel)
   * came first: a newer keystroke makes this answer stale.
   */
  async run<T>(search: (signal: AbortSignal) => Promise<T>, busy: () => void): Promise<SearchOutcome<T> | undefined> {
    const ticket = ++this.#ticket;
    this.#abort?.abort();
    const abort = new AbortController();
    this.#abort = abort;
    clearTimeout(this.#busyTimer);
    this.#busyTimer = setTimeout(() => ticket === this.#ticket && busy(), this.#busyDelayMs);
    let outcome: SearchOutcome<T>;
    try {
      outcome = { ok: true, value: await search(abort.signal) };
    } catch (error) {
      outcome = { ok: false, error };
    }
    if (ticket !== this.#ticket) return undefined;
    clearTimeout(this.#busyTimer);
    return outcome;
  }
}
