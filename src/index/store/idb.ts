/**
 * The IndexedDB store, through idb-keyval, with one change: writes ask for strict durability, so a
 * commit whose promise resolved survives a killed tab or browser. Each index is its own database.
 */
import { delMany, get, getMany, keys, setMany, type UseStore } from 'idb-keyval';
import { SpladeError } from '../../errors.ts';
import type { WritableStore } from './types.ts';

const STORE = 'kv';

export function openIdbStore(dbName: string): WritableStore {
  if (typeof indexedDB === 'undefined') throw new SpladeError('storage-unavailable', 'IndexedDB is not available here (private mode, an opaque origin, or not a browser)');
  let db: Promise<IDBDatabase> | undefined;
  let deleted = false;
  let closed = false;
  const open = () =>
    (db ??= new Promise<IDBDatabase>((resolve, reject) => {
      const request = indexedDB.open(dbName);
      request.onupgradeneeded = () => request.result.createObjectStore(STORE);
      request.onsuccess = () => {
        const conn = request.result;
        conn.onversionchange = () => {
          // Another tab deletes or upgrades the database: let it, and remember.
          deleted = true;
          conn.close();
          db = undefined;
        };
        conn.onclose = () => {
          db = undefined; // e.g. the browser evicted the origin's storage
        };
        resolve(conn);
      };
      request.onerror = () => reject(toSpladeError(request.error, 'opening the index database'));
      request.onblocked = () => reject(new SpladeError('storage-unavailable', `the index database "${dbName}" is blocked by another connection`));
    }));
  const useStore: UseStore = (mode, callback) => {
    if (closed) return Promise.reject(new SpladeError('disposed', 'this index was closed'));
    return open().then((conn) => callback(conn.transaction(STORE, mode, { durability: mode === 'readwrite' ? 'strict' : 'default' }).objectStore(STORE)));
  };
  const wrap = <T>(what: string, p: Promise<T>) => p.catch((e) => Promise.reject(toSpladeError(e, what)));
  return {
    get: (key) => wrap(`reading ${key}`, get<Uint8Array>(key, useStore)),
    getMany: (ks) => wrap('reading the index', getMany<Uint8Array>([...ks], useStore)),
    setMany: (entries) => wrap('writing the index', setMany(entries.map(([k, v]) => [k, v]), useStore)),
    delMany: (ks) => wrap('deleting from the index', delMany([...ks], useStore)),
    keys: () => wrap('listing the index', keys<string>(useStore)),
    get deleted() {
      return deleted;
    },
    acknowledgeDeleted() {
      deleted = false;
    },
    close() {
      closed = true;
      void db?.then((c) => c.close());
      db = undefined;
    },
  };
}

export function toSpladeError(error: unknown, what: string): SpladeError {
  if (error instanceof SpladeError) return error;
  const name = (error as DOMException | null)?.name ?? '';
  const message = (error as Error | null)?.message || name || String(error);
  if (name === 'QuotaExceededError' || /quota/i.test(message)) {
    return new SpladeError('quota-exceeded', `${what} failed: the browser's storage quota is exhausted (${message}); the last committed state is intact. Free space (remove documents or other sites' data) and retry`, { cause: error });
  }
  return new SpladeError('storage-failed', `${what} failed: ${name ? `${name}: ` : ''}${message}`, { cause: error });
}

export async function deleteDatabase(dbName: string): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const request = indexedDB.deleteDatabase(dbName);
    request.onsuccess = () => resolve();
    request.onerror = () => reject(toSpladeError(request.error, 'deleting the index database'));
    request.onblocked = () => resolve(); // finishes once other connections close
  });
}
