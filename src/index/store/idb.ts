/**
 * The IndexedDB store, through idb-keyval, with one change: writes ask for strict durability, so a
 * commit whose promise resolved survives a killed tab or browser. Each index is its own database.
 */
import { delMany, get, getMany, keys, setMany, type UseStore } from 'idb-keyval';
import { SpladeError } from '../../errors.ts';
import type { WritableStore } from './types.ts';

const STORE = 'kv';

/**
 * The IndexedDB calls made here. SparseIndex imports this module in Node too (which never opens it:
 * there is no IndexedDB there), so it names what it uses instead of relying on the DOM's types.
 * The browser's IDBFactory must be assignable to it, which the browser type check verifies.
 */
type Handler = ((event: never) => unknown) | null;
/** idb-keyval's transaction mode and object store: the DOM's types in a browser. */
type IdbMode = Parameters<UseStore>[0];
type IdbObjectStore = Parameters<Parameters<UseStore>[1]>[0];
interface IdbRequest<T> {
  readonly result: T;
  readonly error: unknown;
  onsuccess: Handler;
  onerror: Handler;
  onblocked: Handler;
}
interface IdbConnection {
  createObjectStore(name: string): unknown;
  transaction(
    store: string,
    mode: IdbMode,
    options: { durability: 'strict' | 'default' },
  ): { objectStore(name: string): IdbObjectStore };
  close(): void;
  onversionchange: Handler;
  onclose: Handler;
}
interface IdbFactory {
  open(name: string): IdbRequest<IdbConnection> & { onupgradeneeded: Handler };
  deleteDatabase(name: string): IdbRequest<unknown>;
}

/** The global `indexedDB`, which browsers have (Node does not, nor do some private modes). */
function idb(): IdbFactory {
  const factory = (globalThis as { indexedDB?: IdbFactory }).indexedDB;
  if (!factory) {
    throw new SpladeError(
      'storage-unavailable',
      'IndexedDB is not available here (private mode, an opaque origin, or not a browser)',
    );
  }
  return factory;
}

export function openIdbStore(dbName: string): WritableStore {
  const indexedDB = idb();
  let db: Promise<IdbConnection> | undefined;
  let deleted = false;
  let closed = false;
  const open = () =>
    (db ??= new Promise<IdbConnection>((resolve, reject) => {
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
      request.onblocked = () =>
        reject(
          new SpladeError('storage-unavailable', `the index database "${dbName}" is blocked by another connection`),
        );
    }));
  const useStore: UseStore = (mode, callback) => {
    if (closed) return Promise.reject(new SpladeError('disposed', 'this index was closed'));
    return open().then((conn) =>
      callback(
        conn.transaction(STORE, mode, { durability: mode === 'readwrite' ? 'strict' : 'default' }).objectStore(STORE),
      ),
    );
  };
  const wrap = <T>(what: string, p: Promise<T>) => p.catch((e) => Promise.reject(toSpladeError(e, what)));
  return {
    get: (key) => wrap(`reading ${key}`, get<Uint8Array>(key, useStore)),
    getMany: (ks) => wrap('reading the index', getMany<Uint8Array>([...ks], useStore)),
    setMany: (entries) =>
      wrap(
        'writing the index',
        setMany(
          entries.map(([k, v]) => [k, v]),
          useStore,
        ),
      ),
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
    return new SpladeError(
      'quota-exceeded',
      `${what} failed: the browser's storage quota is exhausted (${message}); the last committed state is intact. Free space (remove documents or other sites' data) and retry`,
      { cause: error },
    );
  }
  return new SpladeError('storage-failed', `${what} failed: ${name ? `${name}: ` : ''}${message}`, { cause: error });
}

export async function deleteDatabase(dbName: string): Promise<void> {
  const indexedDB = idb();
  await new Promise<void>((resolve, reject) => {
    const request = indexedDB.deleteDatabase(dbName);
    request.onsuccess = () => resolve();
    request.onerror = () => reject(toSpladeError(request.error, 'deleting the index database'));
    request.onblocked = () => resolve(); // finishes once other connections close
  });
}
