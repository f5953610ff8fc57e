/**
 * What an index needs from storage: string keys to sealed byte values (see format/records.ts).
 * IndexedDB implements it in browsers; a Node writer to files and a read-only HTTP reader (a static
 * host) implement the same interface, so the format never changes with the store.
 */
export interface ReadableStore {
  /** The value, or undefined when there is no such key. */
  get(key: string): Promise<Uint8Array | undefined>;
  getMany(keys: readonly string[]): Promise<(Uint8Array | undefined)[]>;
  close(): void;
}

export interface WritableStore extends ReadableStore {
  /** All entries in one atomic write: all land or none do. */
  setMany(entries: readonly (readonly [string, Uint8Array])[]): Promise<void>;
  delMany(keys: readonly string[]): Promise<void>;
  keys(): Promise<string[]>;
  /** True once the store was deleted under this connection (until acknowledged). */
  readonly deleted: boolean;
  acknowledgeDeleted(): void;
}
