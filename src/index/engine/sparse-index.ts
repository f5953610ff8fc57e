/**
 * SparseIndex: a crash-safe inverted index of sparse vectors (in IndexedDB, or any store), with
 * exact top-k search (MaxScore) and per-token explanations. This class is the public face: it
 * checks what callers pass, encodes documents, and hands the work to the pieces beside it:
 *   ingest.ts    documents checked as passed, and encoded before the write lock is taken
 *   reader.ts    the committed generation this instance follows, records, posting lists, cache
 *                (loaded-segment.ts: a segment with its dictionary pages)
 *   search.ts    top-k per segment, exact rescoring, hits and their explanations
 *   read-only.ts the search loop and read-only stores, apart for bundles that only search (splade.js)
 *   writer.ts    commits, merges and renumbering, garbage collection, rebuilding from records
 *                (recovery.ts: what the stored records hold when nothing else is trusted)
 *   verify.ts    the integrity check;  snapshot.ts  export / import snapshots
 *   validate.ts  checks of what callers pass (options, names, filters, vectors)
 *   coordination.ts, merge-policy.ts, cache.ts, types.ts
 * with ../format/ (the stored bytes), ../store/ (where they live) and ../query/ (scoring).
 */
import { SpladeError } from '../../errors.ts';
import { filterPredicate, type Filter, type Hit } from '../../results/hits.ts';
import type { SparseVector } from '../../vector.ts';
import { INDEX_FORMAT, INDEX_SCHEMA } from '../format/manifest.ts';
import { isRemoved } from '../format/tombstones.ts';
import { deleteDatabase, openIdbStore } from '../store/idb.ts';
import type { ReadableStore, WritableStore } from '../store/types.ts';
import { GenerationChannel, WriterLock } from './coordination.ts';
import { DocumentEncoder, prepareDocuments } from './ingest.ts';
import { IndexReader } from './reader.ts';
import { readOnly, searchCommitted } from './read-only.ts';
import type { ExplainContext } from './search.ts';
import { snapshotDocuments, snapshotOf } from './snapshot.ts';
import {
  DEFAULT_COMMIT_SIZE,
  type IndexDocument,
  type IndexOptions,
  type IndexSnapshot,
  type SearchOptions,
  type StoredDocument,
  type VerifyReport,
} from './types.ts';
import { checkFilter, checkIndexOptions, checkName, checkSearchOptions, checkVector, describe } from './validate.ts';
import { verifyIndex } from './verify.ts';
import { IndexWriter, type ReadyDocument } from './writer.ts';

export { INDEX_FORMAT, INDEX_SCHEMA };
export * from './types.ts';

export class SparseIndex {
  private readonly reader: IndexReader;
  private readonly writer: IndexWriter;
  private readonly lock: WriterLock;
  private readonly channel: GenerationChannel;
  private readonly explainContext: ExplainContext;
  private readonly ingest: DocumentEncoder;
  private disposed = false;

  private constructor(
    readonly name: string,
    private readonly store: WritableStore,
    private readonly options: IndexOptions,
  ) {
    const storeVectors = options.storeVectors ?? true;
    this.lock = new WriterLock(`splade-web-index:${name}`);
    this.channel = new GenerationChannel(`splade-web-index:${name}`, (generation) => {
      if (generation !== this.reader.manifest.generation) this.reader.stale = true;
    });
    this.reader = new IndexReader(name, store, options);
    this.writer = new IndexWriter(this.reader, store, this.channel, {
      name,
      commitSize: options.commitSize ?? DEFAULT_COMMIT_SIZE,
      storeVectors,
      model: options.model,
    });
    this.ingest = new DocumentEncoder(options, storeVectors);
    const encoder = options.encoder;
    this.explainContext = {
      tokenOf: (id) => encoder?.token(id) ?? options.tokenOf?.(id) ?? `#${id}`,
      tokenize: encoder?.tokens?.bind(encoder),
    };
  }

  /** Opens (or creates) the index stored under `name`. Reads the manifest and dictionaries only. */
  static async open(name: string, options: IndexOptions = {}): Promise<SparseIndex> {
    return SparseIndex.loaded(SparseIndex.create(name, options));
  }

  /**
   * Rebuilds the index stored under `name` from its stored documents, whatever is damaged (a
   * dictionary, a chunk, the manifest): the way back from an `index-corrupt` error. Documents whose
   * own records are damaged or hold no vector (storeVectors: false) cannot be rebuilt; their ids
   * (or keys, when even the id is unreadable) are returned in `dropped`.
   */
  static async repair(name: string, options: IndexOptions = {}): Promise<{ index: SparseIndex; dropped: string[] }> {
    const index = SparseIndex.create(name, options);
    try {
      const dropped = await index.lock.run(() => index.writer.rebuildFromRecords());
      return { index, dropped };
    } catch (error) {
      index.release();
      throw error;
    }
  }

  /** Deletes an index's database entirely. */
  static async delete(name: string): Promise<void> {
    await deleteDatabase(`splade-web:${checkName(name)}`);
  }

  /**
   * Opens an index held by another store than IndexedDB: a directory written by Node
   * (`openFileStore`, from `splade-web/node`), or a read-only store such as a static host read over
   * HTTP. Same format, same search; writes to a read-only store fail with `read-only`.
   */
  static async openStore(
    store: ReadableStore | WritableStore,
    options: IndexOptions & { name?: string } = {},
  ): Promise<SparseIndex> {
    const { name = 'index', ...rest } = options;
    checkName(name);
    checkIndexOptions(rest);
    if (typeof store?.get !== 'function' || typeof store?.getMany !== 'function')
      throw new SpladeError(
        'invalid-option',
        'openStore() takes a store with get(key) and getMany(keys) (see ReadableStore)',
      );
    return SparseIndex.loaded(new SparseIndex(name, 'setMany' in store ? store : readOnly(store, name), rest));
  }

  /** The index once its manifest and dictionaries are read; closed again if that fails. */
  private static async loaded(index: SparseIndex): Promise<SparseIndex> {
    try {
      await index.reader.reload();
    } catch (error) {
      index.release();
      throw error;
    }
    return index;
  }

  private static create(name: string, options: IndexOptions): SparseIndex {
    checkName(name);
    checkIndexOptions(options);
    return new SparseIndex(name, openIdbStore(`splade-web:${name}`), options);
  }

  /** Live documents. */
  count(): number {
    return this.reader.manifest.liveDocs;
  }

  /** The model whose vectors the index holds (see IndexOptions.model), or null before the first document. */
  get model(): string | null {
    return this.reader.manifest.model ?? null;
  }

  /** A live document by id, with its stored vector and spans; undefined when there is none. */
  async get(id: string): Promise<StoredDocument | undefined> {
    this.checkOpen();
    if (typeof id !== 'string') throw new SpladeError('invalid-input', `get() takes a string id, got ${describe(id)}`);
    if (this.reader.stale) await this.reader.reload();
    // The id map and the view read must be of one generation: built again if a commit came in between.
    let ids = await this.reader.ensureIdMap();
    while (this.reader.idMap !== ids) ids = await this.reader.ensureIdMap();
    const doc = ids.get(id);
    if (doc === undefined) return undefined;
    const r = (await this.reader.records([doc], this.reader.view()))[0]!;
    const out: StoredDocument = { id: r.id, text: r.text, fields: r.fields };
    if (r.indices && r.values)
      out.vector = {
        indices: r.indices,
        values: r.values,
        ...(r.spans && r.literal ? { spans: r.spans, literal: r.literal } : {}),
      };
    return out;
  }

  /** Ids of the live documents (in document order), those passing `filter` when one is given. Reads no document records. */
  async ids(filter?: Filter): Promise<string[]> {
    this.checkOpen();
    if (this.reader.stale) await this.reader.reload();
    const predicate = filter === undefined ? undefined : filterPredicate(checkFilter(filter));
    const out: string[] = [];
    for (const s of this.reader.segments) {
      const meta = await this.reader.meta(s);
      meta.ids.forEach((id, k) => {
        if (!isRemoved(this.reader.tomb, s.base + k) && (!predicate || predicate(meta.fields[k] ?? {}, id)))
          out.push(id);
      });
    }
    return out;
  }

  /** The committed generation this instance reads (grows with every commit, in any tab). */
  get generation(): number {
    return this.reader.manifest.generation;
  }

  /**
   * Sizes of the committed generation (`postingBytes` counts posting chunks and dictionaries;
   * `numberedDocuments` the document numbers in use, live or removed), the bytes of posting lists
   * held in memory (`cachedBytes`, bounded by `cacheBytes`) and of search scratch memory.
   */
  get stats(): {
    documents: number;
    numberedDocuments: number;
    postings: number;
    postingBytes: number;
    segments: number;
    generation: number;
    cachedBytes: number;
    scratchBytes: number;
  } {
    const postingBytes = this.reader.manifest.segments.reduce((n, s) => n + s.bytes, 0);
    const m = this.reader.manifest;
    return {
      documents: m.liveDocs,
      numberedDocuments: m.docs,
      postings: m.postings,
      postingBytes,
      segments: this.reader.segments.length,
      generation: m.generation,
      cachedBytes: this.reader.cache.size,
      scratchBytes: this.reader.scratch.bytes,
    };
  }

  /**
   * The index's vocabulary: every term id with postings in the committed generation, with the number
   * of documents holding it (a removed document still counts until its segment is rewritten). Reads
   * the dictionaries only (a paged one whole), no posting: for completing and checking query words.
   */
  async terms(): Promise<Map<number, number>> {
    this.checkOpen();
    if (this.reader.stale) await this.reader.reload();
    const documents = new Map<number, number>();
    for (const s of this.reader.segments) {
      const d = await this.reader.dictionaryOf(s);
      d.terms.forEach((term, k) => documents.set(term, (documents.get(term) ?? 0) + d.count[k]!));
    }
    return documents;
  }

  /** Adds new documents: all of them or, on any error, none. An id already in the index (or twice in `docs`) fails the call. */
  add(docs: readonly IndexDocument[], options: { signal?: AbortSignal } = {}): Promise<void> {
    return this.write(docs, 'add', options.signal);
  }

  /** Adds documents, replacing those with the same id (within `docs`, the last one wins). All or nothing. */
  upsert(docs: readonly IndexDocument[], options: { signal?: AbortSignal } = {}): Promise<void> {
    return this.write(docs, 'upsert', options.signal);
  }

  /** Removes documents by id; returns how many existed. Durable once resolved. */
  remove(ids: readonly string[]): Promise<number> {
    this.checkOpen();
    if (!Array.isArray(ids))
      throw new SpladeError('invalid-input', `remove() takes an array of string ids, got ${describe(ids)}`);
    ids.forEach((id, k) => {
      if (typeof id !== 'string')
        throw new SpladeError('invalid-input', `remove(): id ${k} is ${describe(id)}; ids are strings`);
    });
    return this.lock.run(() => this.writer.commit([], ids, 'upsert'));
  }

  /** Removes every document (a new, empty generation). Also the way out of a deleted or incompatible database. */
  clear(): Promise<void> {
    this.checkOpen();
    return this.lock.run(() => this.writer.clear());
  }

  /**
   * Stops listening to other tabs, closes the database connection and drops cached postings; later
   * calls fail with 'disposed'. A commit already under way still completes or fails as a whole.
   */
  async dispose(): Promise<void> {
    this.release();
  }

  /** @deprecated Use `dispose()`, the name every object of splade-web that holds resources uses. */
  close(): void {
    this.release();
  }

  private release(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.channel.close();
    this.store.close();
    this.reader.cache.clear();
  }

  async search(query: SparseVector | string, options: SearchOptions = {}): Promise<Hit[]> {
    this.checkOpen();
    const limit = checkSearchOptions(options);
    const vector = await this.queryVector(query);
    return searchCommitted(this.reader, this.store, this.explainContext, vector, limit, options);
  }

  /** Checks every stored value the committed generation needs, and lists keys nothing references. */
  async verify(): Promise<VerifyReport> {
    this.checkOpen();
    if (this.reader.stale) await this.reader.reload();
    return verifyIndex(this.reader, this.store);
  }

  /** Rebuilds every posting from the stored documents (see `SparseIndex.repair`); returns the ids it had to drop. */
  rebuild(): Promise<string[]> {
    this.checkOpen();
    return this.lock.run(() => this.writer.rebuildFromRecords());
  }

  /** The whole index as a portable snapshot (documents with their exact vectors). */
  async export(): Promise<IndexSnapshot> {
    this.checkOpen();
    if (this.reader.stale) await this.reader.reload();
    return snapshotOf((await this.reader.liveRecords()).map((r) => r.record));
  }

  /** Replaces the index's contents with a snapshot from export(). Checks all of it first; a bad snapshot changes nothing. */
  async import(snapshot: IndexSnapshot): Promise<void> {
    this.checkOpen();
    const docs = snapshotDocuments(snapshot);
    const prepared = prepareDocuments(docs, 'add', Boolean(this.options.encoder));
    await this.lock.run(() => this.writer.commit(prepared as ReadyDocument[], [], 'add', true));
  }

  // ---------------------------------------------------------------- reading
  private async queryVector(query: SparseVector | string): Promise<SparseVector> {
    if (typeof query === 'string') {
      if (!this.options.encoder)
        throw new SpladeError(
          'invalid-input',
          'searching with text needs an encoder (SparseIndex.open(name, { encoder })); otherwise pass a sparse vector',
        );
      return this.options.encoder.encodeQuery(query);
    }
    return checkVector(query, 'the query');
  }

  /** Checks and encodes documents, then commits them (all or nothing) under the write lock. */
  private async write(docs: readonly IndexDocument[], mode: 'add' | 'upsert', signal?: AbortSignal): Promise<void> {
    this.checkOpen();
    const ready = await this.ingest.ready(prepareDocuments(docs, mode, Boolean(this.options.encoder)), signal);
    await this.lock.run(() => this.writer.commit(ready, [], mode));
  }

  private checkOpen(): void {
    if (this.disposed) throw new SpladeError('disposed', `index "${this.name}" was disposed`);
  }
}
