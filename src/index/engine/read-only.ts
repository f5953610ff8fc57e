/**
 * The engine's read side on its own: searching a committed index held by a read-only store, with
 * none of the write side (IndexWriter, ingest, locks, snapshots, IndexedDB). A bundle that only
 * searches, the static-site runtime (splade.js), imports this module and not sparse-index.ts,
 * whose SparseIndex class would bring all of that with it; SparseIndex searches through
 * searchCommitted here too, so both search the same way.
 */
import { SpladeError, throwIfAborted } from '../../errors.ts';
import type { Hit } from '../../results/hits.ts';
import type { SparseVector } from '../../vector.ts';
import type { ReadableStore, WritableStore } from '../store/types.ts';
import { IndexReader } from './reader.ts';
import { searchIndex, type ExplainContext } from './search.ts';
import type { SearchOptions } from './types.ts';
import { checkSearchOptions, checkVector } from './validate.ts';

/** A read-only store as the engine sees stores: reads pass through, writes fail clearly. */
export function readOnly(store: ReadableStore, name: string): WritableStore {
  const refuse = () =>
    Promise.reject(
      new SpladeError(
        'read-only',
        `index "${name}" was opened from a read-only store (e.g. a static host); it can be searched, not changed`,
      ),
    );
  return {
    get: (k) => store.get(k),
    getMany: (k) => store.getMany(k),
    close: () => store.close(),
    setMany: refuse,
    delMany: refuse,
    keys: refuse,
    deleted: false,
    acknowledgeDeleted() {},
  };
}

/**
 * The top `limit` hits of `vector` in the committed generation `reader` follows (reloaded first when
 * stale, or when the store's database was deleted). A key that a writer in another tab collected
 * under the search ('index-changed') makes it reload and search once more; missing again, the
 * index is damaged.
 */
export async function searchCommitted(
  reader: IndexReader,
  store: WritableStore,
  explainWith: ExplainContext,
  vector: SparseVector,
  limit: number,
  options: SearchOptions,
): Promise<Hit[]> {
  throwIfAborted(options.signal);
  for (let attempt = 0; ; attempt++) {
    if (reader.stale || store.deleted) await reader.reload();
    try {
      return await searchIndex(reader, explainWith, vector, limit, options);
    } catch (error) {
      if (!(error instanceof SpladeError && error.code === 'index-changed')) throw error;
      if (attempt > 0)
        throw new SpladeError(
          'index-corrupt',
          `the stored index is damaged: ${error.file} is missing. SparseIndex.repair(name) rebuilds what the stored documents allow`,
          { file: error.file ?? '' },
        );
      reader.stale = true;
    }
  }
}

/**
 * An index searched, never changed, over a read-only store (a built site read over HTTP): what
 * the site runtime's filtered searches use in place of SparseIndex.openStore, whose instance
 * carries the write side. The same search, hits and errors as SparseIndex.search with a vector.
 */
export class ReadOnlyIndex {
  private disposed = false;

  private constructor(
    private readonly name: string,
    private readonly store: WritableStore,
    private readonly reader: IndexReader,
    private readonly explainWith: ExplainContext,
  ) {}

  /** Opens the index in `store`: reads its manifest and dictionaries; `tokenOf` names terms in explanations. */
  static async open(store: ReadableStore, name: string, tokenOf: (id: number) => string): Promise<ReadOnlyIndex> {
    const engineStore = readOnly(store, name);
    const index = new ReadOnlyIndex(name, engineStore, new IndexReader(name, engineStore, {}), { tokenOf });
    try {
      await index.reader.reload();
    } catch (error) {
      await index.dispose();
      throw error;
    }
    return index;
  }

  async search(vector: SparseVector, options: SearchOptions = {}): Promise<Hit[]> {
    if (this.disposed) throw new SpladeError('disposed', `index "${this.name}" was disposed`);
    const limit = checkSearchOptions(options);
    return searchCommitted(this.reader, this.store, this.explainWith, checkVector(vector, 'the query'), limit, options);
  }

  /** Closes the store and drops cached postings; later searches fail with 'disposed'. */
  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    this.store.close();
    this.reader.cache.clear();
  }
}
