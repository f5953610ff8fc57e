/**
 * SparseIndex: a crash-safe inverted index of sparse vectors in IndexedDB, with exact top-k search
 * (MaxScore) and per-token explanations. This file orchestrates; the pieces live beside it:
 *   ../format/   what is stored, as bytes (segments, records, manifest, tombstones)
 *   ../store/    where the bytes live (IndexedDB here)
 *   ./           cache, cross-tab coordination, merge policy, input checks
 *   ../query/    scoring: pruned top-k, the exhaustive reference, exact rescoring bounds
 *   ../../results/  hits, filters, explanations, snippets
 * A commit writes new keys first and the manifest last, in its own transaction: readers only ever
 * follow a committed manifest, and keys it no longer references are collected one commit later
 * (so a reader still on the previous generation can finish its query).
 */
import { SpladeError, throwIfAborted } from '../../errors.ts';
import { describeMatch, type StoredSources } from '../../results/describe.ts';
import { filterPredicate, type Fields, type Filter, type Hit } from '../../results/hits.ts';
import type { TokenSpans } from '../../results/snippet.ts';
import { dot, type SparseVector } from '../../vector.ts';
import { LazyPostings } from '../format/codec.ts';
import { checkManifest, chunkKey, dictKey, docKey, emptyManifest, INDEX_FORMAT, INDEX_SCHEMA, MANIFEST_KEY, metaKey, referencedKeys, segmentKeys, tombKey, type Manifest, type SegmentInfo, type SegmentMeta } from '../format/manifest.ts';
import { decodeBits, decodeDictionary, decodeDocRecord, encodeBits, encodeDictionary, encodeDocRecord, seal, sealJson, unseal, unsealJson, type DocRecord } from '../format/records.ts';
import { buildSegment, lookupTerm, mergeSegments, openTerm, type BuiltSegment, type Chunk, type SegmentDictionary } from '../format/segment.ts';
import { countRemoved, isRemoved, markRemoved, renumbered, resized } from '../format/tombstones.ts';
import { scoreErrorBound } from '../query/exact.ts';
import { exhaustive } from '../query/exhaustive.ts';
import { TopK, type Scored } from '../query/heap.ts';
import { weightOf, type TermList } from '../query/lists.ts';
import { prunedTopK } from '../query/maxscore.ts';
import { QueryScratch } from '../query/scratch.ts';
import { deleteDatabase, openIdbStore } from '../store/idb.ts';
import type { ReadableStore, WritableStore } from '../store/types.ts';
import { LruCache } from './cache.ts';
import { GenerationChannel, WriterLock } from './coordination.ts';
import { nextRewrite } from './merge-policy.ts';
import { checkFields, checkInteger, checkNumber, checkOneOf, checkVector, describe } from './validate.ts';

export { INDEX_FORMAT, INDEX_SCHEMA };

/** Documents per new segment when adding many at once. */
export const DEFAULT_COMMIT_SIZE = 20_000;
/** Default bound on decoded posting lists kept in memory. */
export const DEFAULT_CACHE_BYTES = 64 * 1024 * 1024;
/** Keys per IndexedDB transaction when a commit writes many. */
const WRITE_SLICE = 2000;

export interface IndexDocument {
  id: string;
  text?: string;
  fields?: Fields;
  /**
   * A precomputed sparse vector; without one, the index's encoder makes it from `text`. It may
   * carry `spans` and `literal` (as the encoder returns them with `spans: true`) for explanations.
   */
  vector?: SparseVector & { spans?: Uint32Array; literal?: Uint8Array };
}

/** What the index needs from an encoder (SparseEncoder and WorkerSparseEncoder both fit). */
export interface IndexEncoder {
  encodeDocument(texts: readonly string[], options?: { spans?: boolean; signal?: AbortSignal }): Promise<(SparseVector & { spans?: Uint32Array; literal?: Uint8Array })[]>;
  encodeQuery(text: string): Promise<SparseVector>;
  token(id: number): string;
  /** A text's own tokens with their offsets (no model call): highlights every occurrence of a matched term. */
  tokens?(text: string): TokenSpans | Promise<TokenSpans>;
}

export interface IndexOptions {
  encoder?: IndexEncoder;
  /** Names vocabulary ids in explanations when there is no encoder. */
  tokenOf?: (id: number) => string;
  /**
   * Bytes of posting lists kept in memory, counted as each holds them: its encoded bytes plus the
   * blocks decoded so far (default 64 MiB, at least 0). Least recently used lists go first.
   */
  cacheBytes?: number;
  /** Documents per segment when adding in bulk (default 20 000, at least 1). */
  commitSize?: number;
  /**
   * Keep each document's exact vector and the spans that explain it (default true): export(),
   * rebuild(), `rescore` and highlights need them. Without them the index stores about half as much.
   */
  storeVectors?: boolean;
  /** A stored index of another schema version: 'error' (default) or 'reset' (start empty). */
  onIncompatible?: 'error' | 'reset';
  /**
   * A name of the model whose vectors go in (e.g. its hub id or path). The index records it with
   * its first document; opening it later with another model fails with `index-model`, so vectors
   * of two models never mix (scores between them mean nothing). clear() forgets it.
   */
  model?: string;
}

/** A stored document, as `get()` returns it. */
export interface StoredDocument {
  id: string;
  text: string;
  fields: Fields;
  /** Its exact vector with the spans that explain it (absent with storeVectors: false). */
  vector?: SparseVector & { spans?: Uint32Array; literal?: Uint8Array };
}

export interface SearchOptions {
  /** Hits to return (default 10, an integer from 0). */
  limit?: number;
  /** Exact field values to match, or a predicate over a document's fields and id. */
  filter?: Filter;
  /** Only hits scoring strictly above this. */
  minScore?: number;
  /** Add per-token contributions, their source spans and a snippet to each hit. */
  explain?: boolean;
  /** Score every posting instead of pruning (the reference; slower). */
  exhaustive?: boolean;
  /**
   * Return exactly the top hits by the float dot product of the stored vectors (ties aside), not by
   * the 8-bit stored weights: the candidates the quantization error bound leaves open are rescored.
   * Needs storeVectors (the default).
   */
  rescore?: boolean;
  signal?: AbortSignal;
}

export interface IndexSnapshot {
  format: typeof INDEX_FORMAT;
  schema: number;
  documents: { id: string; text: string; fields: Fields; vector: { indices: number[]; values: number[] } }[];
}

/** What verify() found. */
export interface VerifyReport {
  /** Keys the committed generation needs that are missing or fail their checksums. */
  damaged: string[];
  /** Keys no manifest references (left by a failed commit or collection; the next commit sweeps). */
  unreferenced: string[];
}

interface LoadedSegment extends SegmentInfo {
  dictionary: SegmentDictionary;
}

interface PreparedDocument {
  id: string;
  text: string;
  fields: Fields;
  vector?: IndexDocument['vector'];
}

type ReadyDocument = PreparedDocument & { vector: NonNullable<IndexDocument['vector']> };

const EMPTY_DOCS = new Uint32Array(0);
const EMPTY_WEIGHTS = new Float32Array(0);

export class SparseIndex {
  private manifest: Manifest = emptyManifest();
  private segments: LoadedSegment[] = [];
  private tomb: Uint8Array = new Uint8Array(0);
  private idMap?: Map<string, number>;
  private readonly metas = new Map<string, SegmentMeta>();
  /**
   * Posting lists, keyed by segment and term (see `keyBase`): each holds a copy of its encoded bytes
   * (not the whole chunk it was read from) and its decoded blocks, and is counted at what it holds.
   */
  private readonly cache: LruCache<LazyPostings>;
  /** Cache key ranges by segment id and base (a renumbered segment's lists are new lists). */
  private readonly slots = new Map<string, { start: number; length: number }>();
  private nextSlot = 0;
  private readonly scratch = new QueryScratch();
  private readonly lock: WriterLock;
  private readonly channel: GenerationChannel;
  private stale = false;
  /** Whether this instance has swept unreferenced keys since it opened or a write failed. */
  private swept = false;
  /** Garbage whose deletion failed: listed again in the next manifest, so it is retried. */
  private pendingGarbage: string[] = [];
  private closed = false;
  /** False once the encoder said it cannot report spans (see `encode`). */
  private spansSupported = true;
  private readonly storeVectors: boolean;
  private readonly commitSize: number;

  private constructor(
    readonly name: string,
    private readonly store: WritableStore,
    private readonly options: IndexOptions,
  ) {
    this.cache = new LruCache<LazyPostings>(options.cacheBytes ?? DEFAULT_CACHE_BYTES, (list) => {
      list.release();
      return list.residentBytes;
    });
    this.storeVectors = options.storeVectors ?? true;
    this.commitSize = options.commitSize ?? DEFAULT_COMMIT_SIZE;
    this.lock = new WriterLock(`splade-web-index:${name}`);
    this.channel = new GenerationChannel(`splade-web-index:${name}`, (generation) => {
      if (generation !== this.manifest.generation) this.stale = true;
    });
  }

  /** Opens (or creates) the index stored under `name`. Reads the manifest and dictionaries only. */
  static async open(name: string, options: IndexOptions = {}): Promise<SparseIndex> {
    const index = SparseIndex.create(name, options);
    try {
      await index.reload();
    } catch (error) {
      index.close();
      throw error;
    }
    return index;
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
      const dropped = await index.lock.run(() => index.rebuildFromRecords());
      return { index, dropped };
    } catch (error) {
      index.close();
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
  static async openStore(store: ReadableStore | WritableStore, options: IndexOptions & { name?: string } = {}): Promise<SparseIndex> {
    const { name = 'index', ...rest } = options;
    checkName(name);
    checkIndexOptions(rest);
    if (typeof store?.get !== 'function' || typeof store?.getMany !== 'function') throw new SpladeError('invalid-option', 'openStore() takes a store with get(key) and getMany(keys) (see ReadableStore)');
    const index = new SparseIndex(name, 'setMany' in store ? store : readOnly(store, name), rest);
    try {
      await index.reload();
    } catch (error) {
      index.close();
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
    return this.manifest.liveDocs;
  }

  /** The model whose vectors the index holds (see IndexOptions.model), or null before the first document. */
  get model(): string | null {
    return this.manifest.model ?? null;
  }

  /** A live document by id, with its stored vector and spans; undefined when there is none. */
  async get(id: string): Promise<StoredDocument | undefined> {
    this.checkOpen();
    if (typeof id !== 'string') throw new SpladeError('invalid-input', `get() takes a string id, got ${describe(id)}`);
    if (this.stale) await this.reload();
    const doc = (await this.ensureIdMap()).get(id);
    if (doc === undefined) return undefined;
    const r = (await this.records([doc]))[0]!;
    const out: StoredDocument = { id: r.id, text: r.text, fields: r.fields };
    if (r.indices && r.values) out.vector = { indices: r.indices, values: r.values, ...(r.spans && r.literal ? { spans: r.spans, literal: r.literal } : {}) };
    return out;
  }

  /** Ids of the live documents (in document order), those passing `filter` when one is given. Reads no document records. */
  async ids(filter?: Filter): Promise<string[]> {
    this.checkOpen();
    if (this.stale) await this.reload();
    const predicate = filter === undefined ? undefined : filterPredicate(checkFilter(filter));
    const out: string[] = [];
    for (const s of this.segments) {
      const meta = await this.meta(s);
      meta.ids.forEach((id, k) => {
        if (!isRemoved(this.tomb, s.base + k) && (!predicate || predicate(meta.fields[k] ?? {}, id))) out.push(id);
      });
    }
    return out;
  }

  /** The committed generation this instance reads (grows with every commit, in any tab). */
  get generation(): number {
    return this.manifest.generation;
  }

  /**
   * Sizes of the committed generation (`postingBytes` counts posting chunks and dictionaries;
   * `numberedDocuments` the document numbers in use, live or removed), the bytes of posting lists
   * held in memory (`cachedBytes`, bounded by `cacheBytes`) and of search scratch memory.
   */
  get stats(): { documents: number; numberedDocuments: number; postings: number; postingBytes: number; segments: number; generation: number; cachedBytes: number; scratchBytes: number } {
    const postingBytes = this.manifest.segments.reduce((n, s) => n + s.bytes, 0);
    const m = this.manifest;
    return { documents: m.liveDocs, numberedDocuments: m.docs, postings: m.postings, postingBytes, segments: this.segments.length, generation: m.generation, cachedBytes: this.cache.size, scratchBytes: this.scratch.bytes };
  }

  /** Adds new documents: all of them or, on any error, none. An id already in the index (or twice in `docs`) fails the call. */
  add(docs: readonly IndexDocument[], options: { signal?: AbortSignal } = {}): Promise<void> {
    return this.write(docs, [], 'add', options.signal).then(() => undefined);
  }

  /** Adds documents, replacing those with the same id (within `docs`, the last one wins). All or nothing. */
  upsert(docs: readonly IndexDocument[], options: { signal?: AbortSignal } = {}): Promise<void> {
    return this.write(docs, [], 'upsert', options.signal).then(() => undefined);
  }

  /** Removes documents by id; returns how many existed. Durable once resolved. */
  remove(ids: readonly string[]): Promise<number> {
    this.checkOpen();
    if (!Array.isArray(ids)) throw new SpladeError('invalid-input', `remove() takes an array of string ids, got ${describe(ids)}`);
    ids.forEach((id, k) => {
      if (typeof id !== 'string') throw new SpladeError('invalid-input', `remove(): id ${k} is ${describe(id)}; ids are strings`);
    });
    return this.lock.run(() => this.commit([], ids, 'upsert'));
  }

  /** Removes every document (a new, empty generation). Also the way out of a deleted or incompatible database. */
  clear(): Promise<void> {
    this.checkOpen();
    return this.lock.run(async () => {
      try {
        await this.reload();
      } catch (error) {
        if (!(error instanceof SpladeError && ['index-missing', 'index-schema', 'index-corrupt'].includes(error.code))) throw error;
        this.store.acknowledgeDeleted();
      }
      const old = this.manifest;
      const next: Manifest = { ...emptyManifest(old.generation + 1), nextRecord: old.nextRecord };
      await this.store.setMany([[MANIFEST_KEY, sealJson(next)]]);
      this.install(next, [], new Uint8Array(0));
      this.idMap = new Map();
      this.pendingGarbage = [];
      this.channel.announce(next.generation);
      // Everything else is garbage now; collect it right away (what fails is swept by the next commit).
      try {
        await this.store.delMany((await this.store.keys()).filter((k) => k !== MANIFEST_KEY));
        this.swept = true;
      } catch {
        this.swept = false;
      }
    });
  }

  /** Stops listening to other tabs and closes the database connection. */
  close(): void {
    this.closed = true;
    this.channel.close();
    this.store.close();
    this.cache.clear();
  }

  async search(query: SparseVector | string, options: SearchOptions = {}): Promise<Hit[]> {
    this.checkOpen();
    const limit = options.limit === undefined ? 10 : checkInteger(options.limit, 'limit', 0);
    if (options.minScore !== undefined) checkNumber(options.minScore, 'minScore');
    if (options.filter !== undefined) checkFilter(options.filter);
    const vector = await this.queryVector(query);
    throwIfAborted(options.signal);
    for (let attempt = 0; ; attempt++) {
      if (this.stale || this.store.deleted) await this.reload();
      try {
        return await this.searchOnce(vector, limit, options);
      } catch (error) {
        // A writer in another tab collected a key of the generation we read: catch up, once.
        if (!(error instanceof SpladeError && error.code === 'index-changed')) throw error;
        if (attempt > 0) throw new SpladeError('index-corrupt', `the stored index is damaged: ${error.file} is missing. SparseIndex.repair(name) rebuilds what the stored documents allow`, { file: error.file ?? '' });
        this.stale = true;
      }
    }
  }

  /** Checks every stored value the committed generation needs, and lists keys nothing references. */
  async verify(): Promise<VerifyReport> {
    this.checkOpen();
    if (this.stale) await this.reload();
    const damaged: string[] = [];
    const check = async (keys: string[], decode: (value: Uint8Array | undefined, key: string) => unknown) => {
      for (let k = 0; k < keys.length; k += WRITE_SLICE) {
        const slice = keys.slice(k, k + WRITE_SLICE);
        const values = await this.store.getMany(slice);
        values.forEach((v, j) => {
          try {
            decode(v, slice[j]!);
          } catch {
            damaged.push(slice[j]!);
          }
        });
      }
    };
    const m = this.manifest;
    await check(m.segments.flatMap((s) => Array.from({ length: s.chunks }, (_, k) => chunkKey(s.id, k))), unseal);
    await check(m.segments.map((s) => dictKey(s.id)), decodeDictionary);
    await check(m.segments.map((s) => metaKey(s.id)), unsealJson);
    if (m.tomb) await check([m.tomb], decodeBits);
    const metas = new Map<string, SegmentMeta>();
    for (const s of m.segments) {
      try {
        metas.set(s.id, await this.meta(s));
      } catch {
        // reported above
      }
    }
    const live = [...referencedKeys(m, metas, (doc) => isRemoved(this.tomb, doc))].filter((k) => k.startsWith('doc/'));
    await check(live, decodeDocRecord);
    const keep = referencedKeys(m, metas, (doc) => isRemoved(this.tomb, doc));
    const stored = await this.store.keys().catch((error: unknown) => {
      if (error instanceof SpladeError && error.code === 'read-only') return [...keep];
      throw error;
    });
    const unreferenced = stored.filter((k) => !keep.has(k));
    return { damaged, unreferenced };
  }

  /** Rebuilds every posting from the stored documents (see `SparseIndex.repair`); returns the ids it had to drop. */
  rebuild(): Promise<string[]> {
    this.checkOpen();
    return this.lock.run(() => this.rebuildFromRecords());
  }

  /** The whole index as a portable snapshot (documents with their exact vectors). */
  async export(): Promise<IndexSnapshot> {
    this.checkOpen();
    if (this.stale) await this.reload();
    const documents: IndexSnapshot['documents'] = [];
    for (const { record } of await this.liveRecords()) {
      if (!record.indices || !record.values) throw new SpladeError('invalid-option', `document "${record.id}" was stored without its vector (storeVectors: false), so export() cannot include it; re-add the documents instead`);
      documents.push({ id: record.id, text: record.text, fields: record.fields, vector: { indices: Array.from(record.indices), values: Array.from(record.values) } });
    }
    return { format: INDEX_FORMAT, schema: INDEX_SCHEMA, documents };
  }

  /** Replaces the index's contents with a snapshot from export(). Checks all of it first; a bad snapshot changes nothing. */
  async import(snapshot: IndexSnapshot): Promise<void> {
    this.checkOpen();
    if (snapshot?.format !== INDEX_FORMAT || !Array.isArray(snapshot.documents)) throw new SpladeError('invalid-input', `import() expects a snapshot made by export() (format "${INDEX_FORMAT}")`);
    if (snapshot.schema !== INDEX_SCHEMA && snapshot.schema !== 1) throw new SpladeError('index-schema', `the snapshot has schema ${describe(snapshot.schema)}; this version reads snapshots of schema 1 and ${INDEX_SCHEMA}`);
    const docs: IndexDocument[] = snapshot.documents.map((d, k) => {
      const what = `snapshot document ${k}${typeof d?.id === 'string' ? ` ("${d.id}")` : ''}`;
      if (!d || typeof d !== 'object' || !d.vector || !Array.isArray(d.vector.indices) || !Array.isArray(d.vector.values)) throw new SpladeError('invalid-input', `${what} has no vector { indices: number[], values: number[] }`);
      const fits = d.vector.indices.every((i) => Number.isInteger(i) && i >= 0 && i <= 0xffffffff);
      if (!fits) throw new SpladeError('invalid-input', `${what}: vector indices must be integers from 0 to 2^32-1`);
      return { id: d.id, text: d.text, fields: d.fields, vector: { indices: Uint32Array.from(d.vector.indices), values: Float32Array.from(d.vector.values) } };
    });
    const prepared = this.prepare(docs, 'add');
    await this.lock.run(() => this.commit(prepared as ReadyDocument[], [], 'add', true));
  }

  // ---------------------------------------------------------------- reading

  private async queryVector(query: SparseVector | string): Promise<SparseVector> {
    if (typeof query === 'string') {
      if (!this.options.encoder) throw new SpladeError('invalid-input', 'searching with text needs an encoder (SparseIndex.open(name, { encoder })); otherwise pass a sparse vector');
      return this.options.encoder.encodeQuery(query);
    }
    return checkVector(query, 'the query');
  }

  private async searchOnce(query: SparseVector, limit: number, options: SearchOptions): Promise<Hit[]> {
    const heap = new TopK(limit);
    const accept = await this.acceptor(options.filter);
    const pinned: number[] = []; // the lists this search holds: kept whole until it is done
    try {
      const perSegment: { segment: LoadedSegment; lists: TermList[] }[] = [];
      const scoring = { accept, scratch: this.scratch, ...(options.minScore !== undefined ? { minScore: options.minScore } : {}) };
      for (const segment of this.segments) {
        throwIfAborted(options.signal);
        const { lists, keys } = await this.termLists(segment, query, pinned);
        perSegment.push({ segment, lists });
        if (options.exhaustive) exhaustive(lists, heap, segment, scoring);
        else prunedTopK(lists, heap, segment, scoring);
        this.recount(lists, keys);
      }
      let top = heap.sorted();
      let exact: Map<number, DocRecord> | undefined;
      if (options.rescore) ({ top, records: exact } = await this.rescore(query, limit, options, perSegment, top, accept));
      return await this.describeHits(top, query, options, perSegment, exact);
    } finally {
      for (const key of pinned) this.cache.unpin(key);
      this.cache.trim();
      this.scratch.fit();
    }
  }

  /**
   * The float top-k: the stored top-k are scored exactly, which gives θ, a lower bound of the k-th
   * exact score; any other document that could beat θ has a stored score above θ minus the error
   * bound, so those are found (pruned search with that floor) and scored exactly too.
   */
  private async rescore(query: SparseVector, limit: number, options: SearchOptions, perSegment: { segment: LoadedSegment; lists: TermList[] }[], top: Scored[], accept: (doc: number) => boolean): Promise<{ top: Scored[]; records: Map<number, DocRecord> }> {
    const records = new Map<number, DocRecord>();
    const exact = new Map<number, number>();
    const score = async (docs: number[]) => {
      const fresh = docs.filter((d) => !exact.has(d));
      const got = await this.records(fresh);
      fresh.forEach((doc, k) => {
        const r = got[k]!;
        if (!r.indices || !r.values) throw new SpladeError('invalid-option', `rescore needs the documents' vectors, and document "${r.id}" was stored without one (storeVectors: false)`);
        records.set(doc, r);
        exact.set(doc, dot(query, { indices: r.indices, values: r.values }));
      });
    };
    if (limit === 0) return { top: [], records };
    await score(top.map((h) => h.doc));
    const firstExact = new TopK(limit);
    for (const [doc, s] of exact) firstExact.push(doc, s);
    const theta = Math.max(firstExact.full ? firstExact.threshold : -Infinity, options.minScore ?? -Infinity);
    const bound = Math.max(0, ...perSegment.map((p) => scoreErrorBound(p.lists)));
    const floor = theta - bound;
    const open: number[] = [];
    for (const { segment, lists } of perSegment) {
      throwIfAborted(options.signal);
      if (floor > 0) {
        const above = new TopK(Number.MAX_SAFE_INTEGER);
        prunedTopK(lists, above, segment, { accept, minScore: floor, scratch: this.scratch });
        for (const h of above.sorted()) open.push(h.doc);
      } else {
        // Any matching document may be in the top-k (even one whose stored weights round to 0).
        const seen = new Set<number>();
        for (const l of lists) {
          l.lazy?.loadAll();
          for (const d of l.docs) if (!seen.has(d) && accept(d)) seen.add(d);
        }
        open.push(...seen);
      }
    }
    await score(open);
    const final = new TopK(limit);
    const minScore = options.minScore ?? -Infinity;
    for (const [doc, s] of exact) if (s > 0 && s > minScore) final.push(doc, s);
    return { top: final.sorted(), records };
  }

  private async describeHits(top: Scored[], query: SparseVector, options: SearchOptions, perSegment: { segment: LoadedSegment; lists: TermList[] }[], exact?: Map<number, DocRecord>): Promise<Hit[]> {
    if (top.length === 0) return [];
    // Ids and fields come from the segments' cached metadata: a query reads no document record
    // unless it asks for explanations (which need the text).
    const places = top.map((h) => this.place(h.doc));
    const metas = await Promise.all(places.map((p) => this.meta(p.segment)));
    const records = options.explain ? await this.records(top.map((h) => h.doc).filter((d) => !exact?.has(d))) : [];
    const explained = options.explain ? top.map((h) => exact?.get(h.doc)) : [];
    let next = 0;
    for (let k = 0; k < explained.length; k++) explained[k] ??= records[next++]!;
    // The documents' own tokens (tokenizer only, no model call) to mark every occurrence of a match.
    const tokenize = this.options.encoder?.tokens?.bind(this.options.encoder);
    const tokens = tokenize ? await Promise.all(explained.map((r) => (r!.text ? Promise.resolve(tokenize(r!.text)).catch(() => undefined) : undefined))) : [];
    return top.map((h, k) => {
      const meta = metas[k]!;
      const at = places[k]!.at;
      const hit: Hit = { id: meta.ids[at]!, score: h.score, fields: meta.fields[at] ?? {} };
      if (!options.explain) return hit;
      const record = explained[k]!;
      // Contributions sum to the score: from the exact vector when rescored, else the stored weights.
      const weights = options.rescore && record.indices && record.values ? { indices: record.indices, values: record.values } : storedWeights(perSegment.find((p) => p.segment === places[k]!.segment)!.lists, h.doc);
      const sources: StoredSources | undefined = record.indices && record.spans && record.literal ? { indices: record.indices, spans: record.spans, literal: record.literal } : undefined;
      const described = describeMatch(query, weights, (id) => this.tokenOf(id), record.text, sources, tokens[k]);
      hit.text = record.text;
      hit.contributions = described.contributions;
      hit.snippet = described.snippet;
      return hit;
    });
  }

  /** The segment holding document `doc`, and its place there. */
  private place(doc: number): { segment: LoadedSegment; at: number } {
    const s = this.segments;
    let lo = 0;
    let hi = s.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (doc < s[mid]!.base) hi = mid - 1;
      else if (doc >= s[mid]!.end) lo = mid + 1;
      else return { segment: s[mid]!, at: doc - s[mid]!.base };
    }
    throw new SpladeError('index-corrupt', `the stored index is damaged: document number ${doc} belongs to no segment`);
  }

  /** The records of documents (by number), read in one transaction. */
  private async records(docs: readonly number[]): Promise<DocRecord[]> {
    if (docs.length === 0) return [];
    const keys = await Promise.all(docs.map(async (doc) => {
      const { segment, at } = this.place(doc);
      return docKey((await this.meta(segment)).records[at]!);
    }));
    const values = await this.store.getMany(keys);
    return values.map((v, k) => decodeDocRecord(present(v, keys[k]!), keys[k]!));
  }

  private tokenOf(id: number): string {
    return this.options.encoder?.token(id) ?? this.options.tokenOf?.(id) ?? `#${id}`;
  }

  private async acceptor(filter: Filter | undefined): Promise<(doc: number) => boolean> {
    const tomb = this.tomb;
    if (!filter) return (doc) => !isRemoved(tomb, doc);
    const predicate = filterPredicate(filter);
    const segments = this.segments;
    const metas = await Promise.all(segments.map((s) => this.meta(s)));
    return (doc) => {
      if (isRemoved(tomb, doc)) return false;
      const { segment, at } = this.place(doc);
      const meta = metas[segments.indexOf(segment)]!;
      return predicate(meta.fields[at] ?? {}, meta.ids[at]!);
    };
  }

  private async meta(segment: SegmentInfo): Promise<SegmentMeta> {
    let meta = this.metas.get(segment.id);
    if (!meta) {
      const key = metaKey(segment.id);
      meta = unsealJson<SegmentMeta>(present(await this.store.get(key), key), key);
      this.metas.set(segment.id, meta);
    }
    return meta;
  }

  /**
   * The posting lists of the query's terms in one segment (and their cache keys), loading only the
   * chunks they need; each list is pinned (its key added to `pinned`) as it is taken.
   */
  private async termLists(segment: LoadedSegment, query: SparseVector, pinned: number[]): Promise<{ lists: TermList[]; keys: number[] }> {
    const dict = segment.dictionary;
    const keyBase = this.keyBase(segment);
    const lists: TermList[] = [];
    const keys: number[] = [];
    const unopened: { list: number; at: number }[] = [];
    for (let k = 0; k < query.indices.length; k++) {
      const term = query.indices[k]!;
      const at = lookupTerm(dict, term);
      if (at < 0 || !(query.values[k]! > 0)) continue;
      const postings = this.cache.get(keyBase + at, true);
      if (postings) {
        pinned.push(keyBase + at);
        postings.materialize();
      }
      lists.push({ term, queryWeight: query.values[k]!, docs: postings?.docs ?? EMPTY_DOCS, weights: postings?.weights ?? EMPTY_WEIGHTS, maxWeight: dict.maxWeight[at]!, lazy: postings });
      keys.push(keyBase + at);
      if (!postings) unopened.push({ list: lists.length - 1, at });
    }
    if (unopened.length === 0) return { lists, keys };
    const numbers = [...new Set(unopened.map((u) => dict.chunk[u.at]!))];
    const chunks = await this.readChunks(segment, numbers);
    for (const { list: i, at } of unopened) {
      const postings = openTerm(dict, at, chunks[numbers.indexOf(dict.chunk[at]!)]!, segment.base);
      this.cache.set(keys[i]!, postings, postings.residentBytes, true);
      pinned.push(keys[i]!);
      lists[i] = { ...lists[i]!, docs: postings.docs, weights: postings.weights, lazy: postings };
    }
    return { lists, keys };
  }

  private async readChunks(segment: SegmentInfo, numbers: readonly number[]): Promise<Chunk[]> {
    const keys = numbers.map((c) => chunkKey(segment.id, c));
    const values = await this.store.getMany(keys);
    return values.map((v, k) => ({ bytes: unseal(present(v, keys[k]!), keys[k]!), crc: 0 }));
  }

  /** After a query: cached lists are counted again at what they hold now (blocks got decoded). */
  private recount(lists: readonly TermList[], keys: readonly number[]): void {
    lists.forEach((l, i) => {
      if (l.lazy instanceof LazyPostings) this.cache.resize(keys[i]!, l.lazy.residentBytes);
    });
  }

  private keyBase(segment: LoadedSegment): number {
    const name = `${segment.id}@${segment.base}`;
    let slot = this.slots.get(name);
    if (slot === undefined) {
      this.slots.set(name, (slot = { start: this.nextSlot, length: segment.dictionary.terms.length }));
      this.nextSlot += slot.length;
    }
    return slot.start;
  }

  /** Reads the committed manifest and the dictionaries of segments not yet loaded. */
  private async reload(): Promise<void> {
    this.checkOpen();
    this.stale = false;
    const stored = await this.store.get(MANIFEST_KEY);
    let manifest: Manifest;
    if (stored === undefined) {
      if (this.manifest.generation > 0) {
        throw new SpladeError('index-missing', `the database of index "${this.name}" was deleted or evicted by the browser; call clear() to start an empty index or import() a snapshot`);
      }
      manifest = emptyManifest();
    } else {
      try {
        // Schema 1 stored the manifest as a plain object: still recognised, as an older schema.
        const value = stored instanceof Uint8Array ? unsealJson(stored, MANIFEST_KEY) : (stored as unknown);
        manifest = checkManifest(value, `index "${this.name}"`);
      } catch (error) {
        if (!(error instanceof SpladeError && error.code === 'index-schema')) throw error;
        if (this.options.onIncompatible !== 'reset') throw new SpladeError('index-schema', `${error.message.replace(/^splade-web: /, '')}. Open it with { onIncompatible: 'reset' } to start over, or import() a snapshot`);
        await this.store.delMany(await this.store.keys());
        manifest = emptyManifest();
      }
    }
    const model = this.options.model;
    if (model !== undefined && manifest.model && manifest.model !== model) {
      throw new SpladeError('index-model', `index "${this.name}" holds vectors of the model "${manifest.model}", not of "${model}"; scores across two models mean nothing. Open another index for this model, or open it with { model: "${manifest.model}" } and clear() it to re-index`);
    }
    if (manifest.generation === this.manifest.generation && this.segments.length === manifest.segments.length) return;
    const known = new Map(this.segments.map((s) => [s.id, s.dictionary]));
    const toLoad = manifest.segments.filter((s) => !known.has(s.id));
    const dicts = await this.store.getMany(toLoad.map((s) => dictKey(s.id)));
    dicts.forEach((d, k) => known.set(toLoad[k]!.id, decodeDictionary(d, dictKey(toLoad[k]!.id))));
    const tomb = manifest.tomb ? decodeBits(await this.store.get(manifest.tomb), manifest.tomb) : new Uint8Array(0);
    this.install(manifest, manifest.segments.map((s) => ({ ...s, dictionary: known.get(s.id)! })), tomb);
    this.idMap = undefined; // rebuilt on the next write
  }

  private install(manifest: Manifest, segments: LoadedSegment[], tomb: Uint8Array): void {
    const live = new Set(segments.map((s) => s.id));
    for (const id of this.metas.keys()) if (!live.has(id)) this.metas.delete(id);
    const slotNames = new Set(segments.map((s) => `${s.id}@${s.base}`));
    for (const [name, slot] of this.slots) {
      if (slotNames.has(name)) continue;
      this.slots.delete(name);
      this.cache.deleteRange(slot.start, slot.start + slot.length);
    }
    this.manifest = manifest;
    this.segments = segments;
    this.tomb = tomb;
  }

  // ---------------------------------------------------------------- writing

  /** Validates documents; for upsert keeps the last of each id. */
  private prepare(docs: readonly IndexDocument[], mode: 'add' | 'upsert'): PreparedDocument[] {
    if (!Array.isArray(docs)) throw new SpladeError('invalid-input', `${mode}() takes an array of documents, got ${describe(docs)}`);
    const byId = new Map<string, PreparedDocument>();
    docs.forEach((d, k) => {
      if (typeof d !== 'object' || d === null) throw new SpladeError('invalid-input', `document ${k} is ${describe(d)}; documents are objects { id, text?, fields?, vector? }`);
      if (typeof d.id !== 'string' || d.id === '') throw new SpladeError('invalid-input', `document ${k} needs a non-empty string id, got ${describe(d.id)}`);
      const what = `document "${d.id}"`;
      if (mode === 'add' && byId.has(d.id)) throw new SpladeError('duplicate-id', `the id "${d.id}" appears twice in one add(); ids must be unique (use upsert to replace)`);
      if (d.text !== undefined && typeof d.text !== 'string') throw new SpladeError('invalid-input', `${what}: text must be a string, got ${describe(d.text)}`);
      const fields = checkFields(d.fields, what);
      if (d.vector !== undefined) {
        checkVector(d.vector, `${what}'s vector`);
        const { spans, literal } = d.vector;
        if ((spans !== undefined || literal !== undefined) && !(spans instanceof Uint32Array && literal instanceof Uint8Array && spans.length === 2 * d.vector.indices.length && literal.length === d.vector.indices.length)) {
          throw new SpladeError('invalid-input', `${what}: vector spans must be a Uint32Array of two offsets per entry with a Uint8Array literal flag per entry`);
        }
      } else if (!this.options.encoder) throw new SpladeError('invalid-input', `${what} has no vector and the index has no encoder to make one`);
      byId.delete(d.id); // an upsert's later document replaces the earlier one, in the later place
      byId.set(d.id, { id: d.id, text: d.text ?? '', fields, ...(d.vector ? { vector: d.vector } : {}) });
    });
    return [...byId.values()];
  }

  private async write(docs: readonly IndexDocument[], removeIds: readonly string[], mode: 'add' | 'upsert', signal?: AbortSignal): Promise<number> {
    this.checkOpen();
    const prepared = this.prepare(docs, mode);
    // Encode before taking the write lock (encoding takes a while), a commit's worth at a time.
    const ready: ReadyDocument[] = [];
    for (let start = 0; start < prepared.length; start += this.commitSize) {
      throwIfAborted(signal);
      const slice = prepared.slice(start, start + this.commitSize);
      const needText = slice.filter((d) => !d.vector);
      const vectors = needText.length ? await this.encode(needText.map((d) => d.text), signal) : [];
      const made = new Map(needText.map((d, k) => [d, vectors[k]!]));
      for (const d of slice) ready.push({ ...d, vector: d.vector ?? made.get(d)! });
    }
    throwIfAborted(signal);
    return this.lock.run(() => this.commit(ready, removeIds, mode));
  }

  /**
   * Document vectors with the spans that explain them where the model can report them (max
   * pooling); a model that cannot (sum pooling) says so once with `invalid-option`, and is then
   * asked for vectors alone.
   */
  private async encode(texts: string[], signal?: AbortSignal): Promise<NonNullable<IndexDocument['vector']>[]> {
    const encoder = this.options.encoder!;
    const base = signal ? { signal } : {};
    if (this.storeVectors && this.spansSupported) {
      try {
        return await encoder.encodeDocument(texts, { ...base, spans: true });
      } catch (error) {
        if (!(error instanceof SpladeError && error.code === 'invalid-option')) throw error;
        this.spansSupported = false;
      }
    }
    return encoder.encodeDocument(texts, base);
  }

  /**
   * One commit, all or nothing: new segments (one per commitSize documents), their records and the
   * tombstones first, then the manifest. With `replaceAll`, the new documents replace everything.
   * Returns how many of `removeIds` existed.
   */
  private async commit(docs: readonly ReadyDocument[], removeIds: readonly string[], mode: 'add' | 'upsert', replaceAll = false): Promise<number> {
    try {
      await this.reload();
      const ids = replaceAll ? new Map<string, number>() : await this.ensureIdMap();
      if (mode === 'add') {
        const clash = docs.find((d) => ids.has(d.id));
        if (clash) throw new SpladeError('duplicate-id', `the index already holds a document with id "${clash.id}"; use upsert() to replace it`);
      }
      const old = this.manifest;
      const generation = old.generation + 1;
      const base = replaceAll ? 0 : old.docs;
      const end = base + docs.length;
      const tomb = replaceAll ? new Uint8Array(Math.ceil(end / 8)) : resized(this.tomb, end);
      const garbage: string[] = [...this.pendingGarbage];
      let removedExisting = 0;
      for (const id of removeIds) if (ids.has(id)) removedExisting++;
      let removedNow = 0;
      for (const id of [...removeIds, ...docs.map((d) => d.id)]) {
        const num = ids.get(id);
        if (num === undefined || !markRemoved(tomb, num)) continue;
        removedNow++;
        const { segment, at } = this.place(num);
        garbage.push(docKey((await this.meta(segment)).records[at]!));
      }
      if (docs.length === 0 && removedNow === 0 && !replaceAll) return 0;
      if (replaceAll) {
        garbage.push(...(old.tomb ? [old.tomb] : []), ...old.segments.flatMap(segmentKeys), ...(await this.liveRecordKeys()));
      } else if (old.tomb) garbage.push(old.tomb);

      const segments: LoadedSegment[] = replaceAll ? [] : [...this.segments];
      let postings = replaceAll ? 0 : old.postings;
      let record = old.nextRecord;
      for (let start = 0, part = 0; start < docs.length; start += this.commitSize, part++) {
        const slice = docs.slice(start, start + this.commitSize);
        const sliceBase = base + start;
        const built = buildSegment(slice.map((d, k) => ({ num: sliceBase + k, vector: d.vector })), sliceBase, sliceBase + slice.length);
        const info: SegmentInfo = { id: `g${generation}p${part}`, base: sliceBase, end: sliceBase + slice.length, chunks: built.chunks.length, postings: built.postings, bytes: segmentBytes(built) };
        const records = slice.map(() => record++);
        const meta: SegmentMeta = { ids: slice.map((d) => d.id), fields: slice.map((d) => d.fields), records };
        const entries = segmentEntries(info, built, meta);
        slice.forEach((d, k) => entries.push([docKey(records[k]!), encodeDocRecord(this.recordOf(d))]));
        await this.setInSlices(entries);
        this.metas.set(info.id, meta);
        segments.push({ ...info, dictionary: built.dictionary });
        postings += built.postings;
      }
      const anyRemoved = countRemoved(tomb, 0, end) > 0;
      const tombName = anyRemoved ? tombKey(generation) : null;
      if (tombName) await this.store.setMany([[tombName, encodeBits(tomb)]]);
      const next: Manifest = {
        ...old,
        model: docs.length ? (this.options.model ?? old.model ?? null) : (replaceAll ? null : (old.model ?? null)),
        generation,
        docs: end,
        nextRecord: record,
        liveDocs: (replaceAll ? 0 : old.liveDocs) + docs.length - removedNow,
        postings,
        segments: segments.map(infoOf),
        tomb: tombName,
        garbage,
      };
      await this.commitManifest(old, next, segments, tomb);
      const map = replaceAll ? new Map<string, number>() : ids;
      for (const id of removeIds) map.delete(id);
      docs.forEach((d, k) => map.set(d.id, base + k));
      this.idMap = map;
      await this.reorganize();
      if (!this.swept) await this.sweep();
      return removedExisting;
    } catch (error) {
      this.swept = false; // what the failure left behind is swept by the next commit
      throw error;
    }
  }

  private recordOf(d: ReadyDocument): DocRecord {
    const r: DocRecord = { id: d.id, text: d.text, fields: d.fields };
    if (this.storeVectors) {
      r.indices = d.vector.indices;
      r.values = d.vector.values;
      if (d.vector.spans && d.vector.literal && d.vector.spans.length === 2 * d.vector.indices.length) {
        r.spans = d.vector.spans;
        r.literal = d.vector.literal;
      }
    }
    return r;
  }

  private async commitManifest(old: Manifest, next: Manifest, segments: LoadedSegment[], tomb: Uint8Array): Promise<void> {
    await this.store.setMany([[MANIFEST_KEY, sealJson(next)]]);
    this.pendingGarbage = [];
    this.install(next, segments, tomb);
    this.channel.announce(next.generation);
    // The previous generation's garbage is safe to delete once this one is committed; what fails
    // to go is listed again by the next commit.
    if (old.garbage.length) {
      try {
        await this.store.delMany(old.garbage);
      } catch {
        this.pendingGarbage = [...old.garbage];
      }
    }
  }

  /** Rewrites segments while the merge policy asks: removed documents go, numbers close up. */
  private async reorganize(): Promise<void> {
    for (;;) {
      const tomb = this.tomb;
      const step = nextRewrite(this.manifest.segments, (s) => countRemoved(tomb, s.base, s.end));
      if (!step) return;
      await this.rewrite(step.start, step.count);
    }
  }

  private async rewrite(start: number, count: number): Promise<void> {
    const old = this.manifest;
    const generation = old.generation + 1;
    const tomb = this.tomb;
    const parts = this.segments.slice(start, start + count);
    const live = parts.reduce((n, p) => n + (p.end - p.base) - countRemoved(tomb, p.base, p.end), 0);
    // Segments whose documents are all removed are dropped without reading their postings.
    const merged = live === 0 ? undefined : mergeSegments(await Promise.all(parts.map(async (s) => ({ base: s.base, end: s.end, dictionary: s.dictionary, chunks: await this.readChunks(s, Array.from({ length: s.chunks }, (_, k) => k)) }))), (doc) => isRemoved(tomb, doc), parts[0]!.base);
    const metas = await Promise.all(parts.map((p) => this.meta(p)));
    const meta: SegmentMeta = { ids: [], fields: [], records: [] };
    parts.forEach((p, k) => {
      for (let j = 0; j < p.end - p.base; j++) {
        if (isRemoved(tomb, p.base + j)) continue;
        meta.ids.push(metas[k]!.ids[j]!);
        meta.fields.push(metas[k]!.fields[j]!);
        meta.records.push(metas[k]!.records[j]!);
      }
    });
    const shift = parts[count - 1]!.end - parts[0]!.base - live;
    const segments: LoadedSegment[] = this.segments.slice(0, start);
    if (merged) {
      const info: SegmentInfo = { id: `g${generation}m`, base: merged.base, end: merged.end, chunks: merged.chunks.length, postings: merged.postings, bytes: segmentBytes(merged) };
      await this.setInSlices(segmentEntries(info, merged, meta));
      this.metas.set(info.id, meta);
      segments.push({ ...info, dictionary: merged.dictionary });
    }
    const after = this.segments.slice(start + count);
    for (const s of after) segments.push({ ...s, base: s.base - shift, end: s.end - shift });
    const docs = old.docs - shift;
    const moves = [{ from: 0, to: 0, length: parts[0]!.base }, ...after.map((s) => ({ from: s.base, to: s.base - shift, length: s.end - s.base }))];
    const nextTomb = renumbered(tomb, docs, moves);
    const tombName = countRemoved(nextTomb, 0, docs) > 0 ? tombKey(generation) : null;
    if (tombName) await this.store.setMany([[tombName, encodeBits(nextTomb)]]);
    const postings = old.postings - parts.reduce((n, p) => n + p.postings, 0) + (merged?.postings ?? 0);
    const garbage = [...parts.flatMap(segmentKeys), ...(old.tomb ? [old.tomb] : []), ...this.pendingGarbage];
    const next: Manifest = { ...old, generation, docs, postings, segments: segments.map(infoOf), tomb: tombName, garbage };
    await this.commitManifest(old, next, segments, nextTomb);
    this.idMap = undefined; // document numbers moved
  }

  /** Deletes every key that neither the manifest nor its pending garbage references. */
  private async sweep(): Promise<void> {
    const all = await this.store.keys();
    await this.ensureIdMap(); // loads every segment's metadata
    const keep = referencedKeys(this.manifest, this.metas, (doc) => isRemoved(this.tomb, doc));
    const orphans = all.filter((k) => !keep.has(k));
    for (let k = 0; k < orphans.length; k += WRITE_SLICE) await this.store.delMany(orphans.slice(k, k + WRITE_SLICE));
    this.swept = true;
  }

  /**
   * Rebuilds postings and metadata from the stored document records, trusting nothing else that
   * fails its checksum. Live records come from the segments' metadata where it is readable; when
   * it (or the manifest) is not, from every stored record, the latest per id.
   */
  private async rebuildFromRecords(): Promise<string[]> {
    let manifest: Manifest | undefined;
    try {
      const stored = await this.store.get(MANIFEST_KEY);
      if (stored) manifest = checkManifest(unsealJson(stored, MANIFEST_KEY), `index "${this.name}"`);
    } catch {
      manifest = undefined;
    }
    const allKeys = await this.store.keys();
    let recordKeys: string[] | undefined;
    if (manifest) {
      let tomb: Uint8Array = new Uint8Array(0);
      try {
        if (manifest.tomb) tomb = decodeBits(await this.store.get(manifest.tomb), manifest.tomb);
      } catch {
        tomb = new Uint8Array(0);
      }
      recordKeys = [];
      for (const s of manifest.segments) {
        try {
          const meta = unsealJson<SegmentMeta>(present(await this.store.get(metaKey(s.id)), metaKey(s.id)), metaKey(s.id));
          meta.records.forEach((r, k) => {
            if (!isRemoved(tomb, s.base + k)) recordKeys!.push(docKey(r));
          });
        } catch {
          recordKeys = undefined;
          break;
        }
      }
    }
    const garbage = new Set(manifest?.garbage ?? []);
    recordKeys ??= allKeys.filter((k) => k.startsWith('doc/') && !garbage.has(k)).sort((a, b) => Number(a.slice(4)) - Number(b.slice(4)));
    const dropped: string[] = [];
    const latest = new Map<string, ReadyDocument & { record: number }>();
    for (let k = 0; k < recordKeys.length; k += 1000) {
      const slice = recordKeys.slice(k, k + 1000);
      const values = await this.store.getMany(slice);
      values.forEach((v, j) => {
        try {
          const r = decodeDocRecord(present(v, slice[j]!), slice[j]!);
          if (!r.indices || !r.values) {
            dropped.push(r.id);
            return;
          }
          const vector: ReadyDocument['vector'] = { indices: r.indices.slice(), values: r.values.slice() };
          if (r.spans && r.literal) Object.assign(vector, { spans: r.spans.slice(), literal: r.literal.slice() });
          latest.delete(r.id);
          latest.set(r.id, { id: r.id, text: r.text, fields: r.fields, vector, record: Number(slice[j]!.slice(4)) });
        } catch {
          dropped.push(slice[j]!);
        }
      });
    }
    const maxGeneration = Math.max(manifest?.generation ?? 0, ...allKeys.map((k) => Number(/^(?:tomb\/|seg\/g)(\d+)/.exec(k)?.[1] ?? 0)));
    const maxRecord = Math.max(manifest?.nextRecord ?? 0, ...allKeys.map((k) => (k.startsWith('doc/') ? Number(k.slice(4)) + 1 : 0)));
    // Start from a manifest that owns nothing, past every generation and record number in use.
    this.install({ ...emptyManifest(maxGeneration), nextRecord: maxRecord }, [], new Uint8Array(0));
    this.metas.clear();
    this.cache.clear();
    this.idMap = new Map();
    this.swept = false;
    this.pendingGarbage = [];
    this.store.acknowledgeDeleted();
    // commit() reloads; the stored manifest (if any) would replace ours, so write ours first.
    await this.store.setMany([[MANIFEST_KEY, sealJson(this.manifest)]]);
    await this.commit([...latest.values()], [], 'add', true);
    return dropped;
  }

  /** Keys of the live documents' records. */
  private async liveRecordKeys(): Promise<string[]> {
    const keys: string[] = [];
    for (const s of this.segments) {
      const meta = await this.meta(s);
      meta.records.forEach((r, k) => {
        if (!isRemoved(this.tomb, s.base + k)) keys.push(docKey(r));
      });
    }
    return keys;
  }

  private async liveRecords(): Promise<{ num: number; record: DocRecord }[]> {
    const nums: number[] = [];
    for (const s of this.segments) for (let doc = s.base; doc < s.end; doc++) if (!isRemoved(this.tomb, doc)) nums.push(doc);
    const out: { num: number; record: DocRecord }[] = [];
    for (let k = 0; k < nums.length; k += 1000) {
      const slice = nums.slice(k, k + 1000);
      (await this.records(slice)).forEach((record, j) => out.push({ num: slice[j]!, record }));
    }
    return out;
  }

  /** Large writes go in several transactions (none is visible before the manifest anyway). */
  private async setInSlices(entries: [string, Uint8Array][]): Promise<void> {
    for (let k = 0; k < entries.length; k += WRITE_SLICE) await this.store.setMany(entries.slice(k, k + WRITE_SLICE));
  }

  private async ensureIdMap(): Promise<Map<string, number>> {
    if (this.idMap) return this.idMap;
    const map = new Map<string, number>();
    for (const s of this.segments) {
      const m = await this.meta(s);
      m.ids.forEach((id, k) => {
        if (!isRemoved(this.tomb, s.base + k)) map.set(id, s.base + k);
      });
    }
    this.idMap = map;
    return map;
  }

  private checkOpen(): void {
    if (this.closed) throw new SpladeError('disposed', `index "${this.name}" was closed`);
  }
}

/** A read-only store as the engine sees stores: reads pass through, writes fail clearly. */
function readOnly(store: ReadableStore, name: string): WritableStore {
  const refuse = () => Promise.reject(new SpladeError('read-only', `index "${name}" was opened from a read-only store (e.g. a static host); it can be searched, not changed`));
  return { get: (k) => store.get(k), getMany: (k) => store.getMany(k), close: () => store.close(), setMany: refuse, delMany: refuse, keys: refuse, deleted: false, acknowledgeDeleted() {} };
}

function checkFilter(filter: unknown): Filter {
  if (typeof filter !== 'function' && (typeof filter !== 'object' || filter === null || Array.isArray(filter))) {
    throw new SpladeError('invalid-option', `filter must be an object of exact field values or a function (fields, id) => boolean, got ${describe(filter)}`);
  }
  return filter as Filter;
}

function checkName(name: unknown): string {
  if (typeof name !== 'string' || name === '') throw new SpladeError('invalid-input', `an index name must be a non-empty string, got ${describe(name)}`);
  return name;
}

function checkIndexOptions(o: IndexOptions): void {
  if (typeof o !== 'object' || o === null) throw new SpladeError('invalid-option', `index options must be an object, got ${describe(o)}`);
  if (o.cacheBytes !== undefined) checkNumber(o.cacheBytes, 'cacheBytes', 0);
  if (o.commitSize !== undefined) checkInteger(o.commitSize, 'commitSize', 1);
  if (o.storeVectors !== undefined) checkOneOf(o.storeVectors, 'storeVectors', [true, false]);
  if (o.onIncompatible !== undefined) checkOneOf(o.onIncompatible, 'onIncompatible', ['error', 'reset']);
  if (o.model !== undefined && (typeof o.model !== 'string' || o.model === '')) throw new SpladeError('invalid-option', `model must be a non-empty string naming the model, got ${describe(o.model)}`);
  if (o.tokenOf !== undefined && typeof o.tokenOf !== 'function') throw new SpladeError('invalid-option', `tokenOf must be a function (id) => string, got ${describe(o.tokenOf)}`);
  if (o.encoder !== undefined && (typeof o.encoder?.encodeDocument !== 'function' || typeof o.encoder?.encodeQuery !== 'function')) {
    throw new SpladeError('invalid-option', 'encoder must have encodeDocument() and encodeQuery() (a SparseEncoder or WorkerSparseEncoder)');
  }
}

/** A value the manifest references; absent means a newer generation collected it (retried once). */
function present(value: Uint8Array | undefined, key: string): Uint8Array {
  if (value === undefined) throw new SpladeError('index-changed', `${key} was collected by a newer generation of the index`, { file: key });
  return value;
}

function infoOf(s: LoadedSegment): SegmentInfo {
  return { id: s.id, base: s.base, end: s.end, chunks: s.chunks, postings: s.postings, bytes: s.bytes };
}

function segmentEntries(info: SegmentInfo, built: BuiltSegment, meta: SegmentMeta): [string, Uint8Array][] {
  const entries: [string, Uint8Array][] = built.chunks.map((c, k) => [chunkKey(info.id, k), seal(c.bytes, c.crc)]);
  entries.push([dictKey(info.id), encodeDictionary(built.dictionary)], [metaKey(info.id), sealJson(meta)]);
  return entries;
}

function segmentBytes(b: BuiltSegment): number {
  return b.chunks.reduce((n, c) => n + c.bytes.byteLength, 0) + b.dictionary.terms.byteLength * 5;
}

/** The stored (dequantized) weights of one document for the query's terms, as a sparse vector. */
function storedWeights(lists: readonly TermList[], doc: number): SparseVector {
  const pairs: [number, number][] = [];
  for (const l of lists) {
    const w = weightOf(l, doc);
    if (w > 0) pairs.push([l.term, w]);
  }
  pairs.sort((a, b) => a[0] - b[0]);
  return { indices: Uint32Array.from(pairs, (p) => p[0]), values: Float32Array.from(pairs, (p) => p[1]) };
}
