/**
 * A store held in memory: what the site builder writes an index into before it packs the values
 * into files (store/pack.ts). Values are kept as given (sealed bytes), so what is packed is exactly
 * what the engine wrote.
 */
import { SpladeError } from '../../errors.ts';
import type { WritableStore } from './types.ts';

export function openMemoryStore(
  initial?: Iterable<readonly [string, Uint8Array]>,
): WritableStore & { entries(): Map<string, Uint8Array> } {
  const values = new Map<string, Uint8Array>(initial ?? []);
  let closed = false;
  const check = () => {
    if (closed) throw new SpladeError('disposed', 'the memory store was closed');
  };
  return {
    async get(key) {
      check();
      return values.get(key);
    },
    async getMany(keys) {
      check();
      return keys.map((k) => values.get(k));
    },
    async setMany(entries) {
      check();
      for (const [k, v] of entries) values.set(k, v);
    },
    async delMany(keys) {
      check();
      for (const k of keys) values.delete(k);
    },
    async keys() {
      check();
      return [...values.keys()];
    },
    entries: () => values,
    deleted: false,
    acknowledgeDeleted() {},
    close() {
      closed = true;
    },
  };
}
