/**
 * Recent searches: the queries whose hit a reader chose, newest first, kept per source in
 * localStorage, and only while the "Remember searches" switch is on (one switch for the site). Pure
 * over the storage it is given (unit-tested in Node with a Map); the element owns the controls.
 */

/** The part of the Web Storage API used here (spelled out: no DOM types, so it type-checks in Node too). */
export interface KeyValueStorage {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

export const RECENT_MAX = 8;
export const REMEMBER_KEY = 'splade-search:remember';

/** localStorage, or undefined where it is disabled (a sandboxed frame, privacy settings). */
export function localStorageOrNone(): KeyValueStorage | undefined {
  try {
    return (globalThis as { localStorage?: KeyValueStorage }).localStorage;
  } catch {
    return undefined;
  }
}

export interface RecentSearchesOptions {
  /** The source's key: each source has its own list. Asked on each use (the source can change). */
  sourceKey: () => string;
  /** The element's `recent="off"`: nothing is kept or offered, whatever the switch says. */
  off: () => boolean;
  /** Where the lists are kept; asked on each use. Default: localStorage. */
  storage?: () => KeyValueStorage | undefined;
}

export class RecentSearches {
  readonly #sourceKey: () => string;
  readonly #off: () => boolean;
  readonly #storage: () => KeyValueStorage | undefined;

  constructor({ sourceKey, off, storage = localStorageOrNone }: RecentSearchesOptions) {
    this.#sourceKey = sourceKey;
    this.#off = off;
    this.#storage = storage;
  }

  get #key(): string {
    return `splade-search:recent:${this.#sourceKey()}`;
  }

  /** Whether searches are remembered: the switch is on (it is until turned off) and the element allows it. */
  get remembering(): boolean {
    if (this.#off()) return false;
    return this.#storage()?.getItem(REMEMBER_KEY) !== '0';
  }

  /** The source's recent searches, newest first (none while not remembering). */
  list(): string[] {
    if (!this.remembering) return [];
    try {
      const list = JSON.parse(this.#storage()?.getItem(this.#key) ?? '[]') as unknown;
      return Array.isArray(list) ? list.filter((q): q is string => typeof q === 'string').slice(0, RECENT_MAX) : [];
    } catch {
      return []; // not JSON (written by something else): offered as none
    }
  }

  /** Puts `query` first (once), keeping at most RECENT_MAX. */
  add(query: string): void {
    if (!query || !this.remembering) return;
    const list = [query, ...this.list().filter((q) => q !== query)].slice(0, RECENT_MAX);
    try {
      this.#storage()?.setItem(this.#key, JSON.stringify(list));
    } catch {
      /* storage full or disabled: searches still work, only unremembered */
    }
  }

  clear(): void {
    this.#storage()?.removeItem(this.#key);
  }

  /** Turns the switch on or off; off forgets this source's list. */
  setRemembering(on: boolean): void {
    try {
      this.#storage()?.setItem(REMEMBER_KEY, on ? '1' : '0');
    } catch {
      /* not kept across visits */
    }
    if (!on) this.clear();
  }
}
