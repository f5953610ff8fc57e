/**
 * SparseIndex: a crash-safe inverted index of sparse vectors in IndexedDB, with exact top-k
 * search (MaxScore) and per-token explanations.
 *
 * Storage (one database per index, keys in one object store):
 *   manifest                  the committed state: generation, segments, tombstones, counts
 *   seg/<id>/dict             per-term chunk, offset, count and max weight
 *   seg/<id>/chunk/<k>        posting blocks of a term range, with a CRC-32
 *   seg/<id>/meta             external ids and fields of the segment's documents
 *   doc/<n>                   a document: id, text, fields, exact vector
 *   tomb/<generation>         bitmap of removed document numbers
 * A commit writes new keys first and the manifest last, in its own transaction: readers only ever
 * follow a committed manifest, and keys it no longer references are collected one commit later
 * (so a reader still on the previous generation can finish its query).
 */
import { SpladeError, throwIfAborted } from '../../errors.ts';
import { explainMatch } from '../../results/explain.ts';
import { isValidSparseVector, type SparseVector } from '../../vector.ts';
import { makeSnippet } from '../../results/snippet.ts';
import type { Fields, Filter, Hit } from '../../results/hits.ts';
import { prunedTopK } from '../query/maxscore.ts';
import { exhaustive } from '../query/exhaustive.ts';
import { TopK } from '../query/heap.ts';
import { weightOf, type TermList } from '../query/lists.ts';
import { crc32, LazyPostings } from '../format/codec.ts';
import { buildSegment, lookupTerm, mergeSegments, openTerm, type BuiltSegment, type Chunk, type SegmentDictionary } from '../format/segment.ts';
import { deleteDatabase, openKeyValueStore, type KeyValueStore } from '../store/idb.ts';

export const INDEX_FORMAT = 'splade-web-index';
export const INDEX_SCHEMA = 1;
/** Documents per commit (and per new segment) when adding many at once. */
export const DEFAULT_COMMIT_SIZE = 20_000;
/** More segments than this and adjacent ones are merged. */
export const MAX_SEGMENTS = 8;
/** Default bound on decoded posting lists and chunks kept in memory. */
export const DEFAULT_CACHE_BYTES = 64 * 1024 * 1024;

export interface IndexDocument {
  id: string;
  text?: string;
  fields?: Fields;
  /** A precomputed sparse vector; without one, the index's encoder makes it from `text`. */
  vector?: SparseVector;
}

/** What the index needs from an encoder (SparseEncoder and WorkerSparseEncoder both fit). */
export interface IndexEncoder {
  encodeDocument(texts: readonly string[]): Promise<SparseVector[]>;
  encodeQuery(text: string): Promise<SparseVector>;
  token(id: number): string;
}

export interface IndexOptions {
  encoder?: IndexEncoder;
  /** Names vocabulary ids in explanations when there is no encoder. */
  tokenOf?: (id: number) => string;
  /**
   * Bytes of posting lists kept in memory, counted as each holds them: its encoded bytes plus the
   * blocks decoded so far (default 64 MiB). Least recently used lists go first.
   */
  cacheBytes?: number;
  /** Documents per commit (segment) when adding in bulk. */
  commitSize?: number;
  /**
   * Keep each document's exact vector (default true): export() and rebuild() need them. Without
   * them the index stores about half as much, and documents must be re-added to recover.
   */
  storeVectors?: boolean;
  /** A stored index of another schema version: 'error' (default) or 'reset' (start empty). */
  onIncompatible?: 'error' | 'reset';
}

export interface SearchOptions {
  limit?: number;
  /** Exact field values to match, or a predicate over a document's fields. */
  filter?: Filter;
  /** Only hits scoring strictly above this. */
  minScore?: number;
  /** Add per-token contributions and a snippet to each hit. */
  explain?: boolean;
  /** Score every posting instead of pruning (the reference; slower). */
  exhaustive?: boolean;
  signal?: AbortSignal;
}

interface SegmentInfo {
  id: string;
  base: number;
  end: number;
  chunks: number;
  postings: number;
  /** Stored bytes of the posting chunks and the dictionary. */
  bytes: number;
}

interface Manifest {
  format: typeof INDEX_FORMAT;
  schema: number;
  generation: number;
  nextDocNum: number;
  liveDocs: number;
  postings: number;
  segments: SegmentInfo[];
  tomb: string | null;
  /** Keys this generation no longer needs; deleted by the next commit. */
  garbage: string[];
}

interface DocRecord {
  id: string;
  text: string;
  fields: Fields;
  indices: Uint32Array;
  values: Float32Array;
  /** Set when the index was opened with storeVectors: false. */
  noVector?: boolean;
}

interface SegmentMeta {
  ids: (string | null)[];
  fields: (Fields | null)[];
}

interface LoadedSegment extends SegmentInfo {
  dictionary: SegmentDictionary;
}

export interface IndexSnapshot {
  format: typeof INDEX_FORMAT;
  schema: number;
  documents: { id: string; text: string; fields: Fields; vector: { indices: number[]; values: number[] } }[];
}

const emptyManifest = (): Manifest => ({ format: INDEX_FORMAT, schema: INDEX_SCHEMA, generation: 0, nextDocNum: 0, liveDocs: 0, postings: 0, segments: [], tomb: null, garbage: [] });
const EMPTY_DOCS = new Uint32Array(0);
const EMPTY_WEIGHTS = new Float32Array(0);

const segKeys = (s: SegmentInfo) => [`seg/${s.id}/dict`, `seg/${s.id}/meta`, ...Array.from({ length: s.chunks }, (_, k) => `seg/${s.id}/chunk/${k}`)];

/**
 * A byte-bounded least-recently-used cache with numeric keys. A hit only stamps the entry (queries
 * look up dozens of lists per segment). Over budget, the oldest entries are first shrunk (`shrink`
 * drops what can be rebuilt, e.g. decoded blocks) and only then evicted, down to 90% of the budget.
 * Pinned entries (in use by a search in flight) are neither shrunk nor evicted.
 */
class LruCache<V> {
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

export class SparseIndex {
  private manifest: Manifest = emptyManifest();
  private segments: LoadedSegment[] = [];
  private tomb: Uint8Array = new Uint8Array(0);
  private idMap?: Map<string, number>;
  private readonly metas = new Map<string, SegmentMeta>();
  /**
   * Posting lists, keyed by segment and term (see `slots`): each holds a copy of its encoded bytes
   * (not the whole chunk it was read from) and its decoded blocks, and is counted at what it holds.
   */
  private readonly cache: LruCache<LazyPostings>;
  /**
   * Cache keys are small integers (fast Map keys): a segment gets a range as long as its
   * dictionary, and a term's key is the range start plus the term's place in that dictionary.
   */
  private readonly slots = new Map<string, number>();
  private nextSlot = 0;
  private stale = false;
  private writeQueue: Promise<unknown> = Promise.resolve();
  private readonly channel?: BroadcastChannel;
  private closed = false;

  private constructor(
    readonly name: string,
    private readonly store: KeyValueStore,
    private readonly options: IndexOptions,
  ) {
    const bytes = options.cacheBytes ?? DEFAULT_CACHE_BYTES;
    this.cache = new LruCache<LazyPostings>(bytes, (list) => {
      list.release();
      return list.residentBytes;
    });
    if (typeof BroadcastChannel !== 'undefined') {
      this.channel = new BroadcastChannel(`splade-web-index:${name}`);
      this.channel.onmessage = (e: MessageEvent<{ generation: number }>) => {
        if (e.data.generation !== this.manifest.generation) this.stale = true;
      };
    }
  }

  /** Opens (or creates) the index stored under `name`. Reads the manifest and dictionaries only. */
  static async open(name: string, options: IndexOptions = {}): Promise<SparseIndex> {
    if (typeof name !== 'string' || name === '') throw new SpladeError('invalid-input', `an index name must be a non-empty string, got ${JSON.stringify(name)}`);
    const index = new SparseIndex(name, openKeyValueStore(`splade-web:${name}`), options);
    await index.reload();
    return index;
  }

  /** Deletes an index's database entirely. */
  static async delete(name: string): Promise<void> {
    await deleteDatabase(`splade-web:${name}`);
  }

  /** Live documents. */
  count(): number {
    return this.manifest.liveDocs;
  }

  /** The committed generation this instance reads (grows with every commit, in any tab). */
  get generation(): number {
    return this.manifest.generation;
  }

  /**
   * Sizes of the committed generation (`postingBytes` counts posting chunks and dictionaries) and
   * the bytes of posting lists held in memory (`cachedBytes`, bounded by `cacheBytes`).
   */
  get stats(): { documents: number; postings: number; postingBytes: number; segments: number; generation: number; cachedBytes: number } {
    const postingBytes = this.manifest.segments.reduce((n, s) => n + (s.bytes ?? 0), 0);
    return { documents: this.manifest.liveDocs, postings: this.manifest.postings, postingBytes, segments: this.segments.length, generation: this.manifest.generation, cachedBytes: this.cache.size };
  }

  /** Adds new documents; an id already in the index (or twice in `docs`) fails the whole call. */
  add(docs: readonly IndexDocument[], options: { signal?: AbortSignal } = {}): Promise<void> {
    return this.write(docs, [], 'add', options.signal);
  }

  /** Adds documents, replacing those with the same id. */
  upsert(docs: readonly IndexDocument[], options: { signal?: AbortSignal } = {}): Promise<void> {
    return this.write(docs, [], 'upsert', options.signal);
  }

  /** Removes documents by id; returns how many existed. Durable once resolved. */
  async remove(ids: readonly string[]): Promise<number> {
    if (!Array.isArray(ids) || ids.some((id) => typeof id !== 'string')) throw new SpladeError('invalid-input', 'remove() takes an array of string ids');
    let removed = 0;
    await this.write([], ids, 'upsert', undefined, (n) => (removed = n));
    return removed;
  }

  /** Removes every document (a new, empty generation). */
  clear(): Promise<void> {
    return this.locked(async () => {
      try {
        await this.reload();
      } catch (error) {
        // clear() is the way out of a deleted, evicted or incompatible database: start over.
        if (!(error instanceof SpladeError && ['index-missing', 'index-schema', 'index-corrupt'].includes(error.code))) throw error;
        this.store.acknowledgeDeleted();
      }
      const old = this.manifest;
      const next: Manifest = { ...emptyManifest(), generation: old.generation + 1, nextDocNum: old.nextDocNum, garbage: [] };
      await this.store.setMany([['manifest', next]]);
      this.install(next, [], new Uint8Array(0));
      this.idMap = new Map();
      this.announce();
      // Everything else is garbage now; collect it right away (best effort).
      const all = (await this.store.keys()).filter((k) => k !== 'manifest');
      await this.store.delMany(all).catch(() => {});
    });
  }

  /** Stops listening to other tabs and closes the database connection. */
  close(): void {
    this.closed = true;
    this.channel?.close();
    this.store.close();
    this.cache.clear();
  }

  async search(query: SparseVector | string, options: SearchOptions = {}): Promise<Hit[]> {
    this.checkOpen();
    const limit = options.limit ?? 10;
    if (!(Number.isInteger(limit) && limit >= 0)) throw new SpladeError('invalid-option', `limit must be a non-negative integer, got ${JSON.stringify(options.limit)}`);
    const vector = await this.queryVector(query);
    if (this.stale || this.store.deleted) await this.reload();
    try {
      return await this.searchOnce(vector, limit, options);
    } catch (error) {
      // A writer in another tab may have collected a segment we were about to read: catch up once.
      if (error instanceof SpladeError && error.code === 'index-corrupt' && /missing/.test(error.message)) {
        await this.reload();
        return this.searchOnce(vector, limit, options);
      }
      throw error;
    }
  }

  /** Checks every stored chunk against its checksum; returns the keys that fail. */
  async verify(): Promise<string[]> {
    const bad: string[] = [];
    for (const s of this.segments) {
      const ks = Array.from({ length: s.chunks }, (_, k) => `seg/${s.id}/chunk/${k}`);
      const chunks = await this.store.getMany<Chunk>(ks);
      chunks.forEach((c, k) => {
        if (!c || !(c.bytes instanceof Uint8Array) || crc32(c.bytes) !== c.crc) bad.push(ks[k]!);
      });
    }
    return bad;
  }

  /** Rebuilds every posting from the stored documents (the recovery path for a corrupt block). */
  rebuild(): Promise<void> {
    return this.locked(async () => {
      await this.reload();
      const docs = await this.liveDocuments();
      const old = this.manifest;
      this.cache.clear();
      const built = buildSegment(docs.map((d) => ({ num: d.num, vector: d.record })), 0, old.nextDocNum);
      const info: SegmentInfo = { id: `g${old.generation + 1}r`, base: 0, end: old.nextDocNum, chunks: built.chunks.length, postings: built.postings, bytes: segmentBytes(built) };
      const meta = await this.concatMeta(this.segments, 0, old.nextDocNum);
      await this.writeSegment(info, built, meta);
      const next: Manifest = { ...old, generation: old.generation + 1, segments: [info], postings: built.postings, garbage: this.segments.flatMap(segKeys) };
      await this.commitManifest(old, next, [{ ...info, dictionary: built.dictionary }], this.tomb);
    });
  }

  /** The whole index as a portable snapshot (documents with their exact vectors). */
  async export(): Promise<IndexSnapshot> {
    this.checkOpen();
    if (this.stale) await this.reload();
    const docs = await this.liveDocuments();
    return {
      format: INDEX_FORMAT,
      schema: INDEX_SCHEMA,
      documents: docs.map(({ record }) => ({ id: record.id, text: record.text, fields: record.fields, vector: { indices: Array.from(record.indices), values: Array.from(record.values) } })),
    };
  }

  /** Replaces the index's contents with a snapshot from export(). */
  async import(snapshot: IndexSnapshot): Promise<void> {
    if (snapshot?.format !== INDEX_FORMAT || !Array.isArray(snapshot.documents)) throw new SpladeError('invalid-input', `import() expects a snapshot made by export() (format "${INDEX_FORMAT}")`);
    if (snapshot.schema !== INDEX_SCHEMA) throw new SpladeError('index-schema', `the snapshot has schema ${snapshot.schema}; this version reads schema ${INDEX_SCHEMA}`);
    const docs = snapshot.documents.map((d) => ({ id: d.id, text: d.text, fields: d.fields, vector: { indices: Uint32Array.from(d.vector.indices), values: Float32Array.from(d.vector.values) } }));
    await this.clear();
    await this.add(docs);
  }

  // ---------------------------------------------------------------- reading

  private async queryVector(query: SparseVector | string): Promise<SparseVector> {
    if (typeof query === 'string') {
      if (!this.options.encoder) throw new SpladeError('invalid-input', 'searching with text needs an encoder (SparseIndex.open(name, { encoder })); otherwise pass a sparse vector');
      return this.options.encoder.encodeQuery(query);
    }
    if (!isValidSparseVector(query)) throw new SpladeError('invalid-input', 'a query must be text or a sparse vector { indices: Uint32Array (ascending), values: Float32Array (finite) }');
    return query;
  }

  private async searchOnce(query: SparseVector, limit: number, options: SearchOptions): Promise<Hit[]> {
    const heap = new TopK(limit);
    const accept = await this.acceptor(options.filter);
    const pinned: number[] = []; // the lists this search holds: kept whole until it is done
    try {
      return await this.scoreAndDescribe(query, options, heap, accept, pinned);
    } finally {
      for (const key of pinned) this.cache.unpin(key);
      this.cache.trim();
    }
  }

  private async scoreAndDescribe(query: SparseVector, options: SearchOptions, heap: TopK, accept: (doc: number) => boolean, pinned: number[]): Promise<Hit[]> {
    const perSegment: { segment: LoadedSegment; lists: TermList[] }[] = [];
    for (const segment of this.segments) {
      throwIfAborted(options.signal);
      const { lists, keys } = await this.termLists(segment, query, pinned);
      perSegment.push({ segment, lists });
      const scoring = { accept, ...(options.minScore !== undefined ? { minScore: options.minScore } : {}) };
      if (options.exhaustive) exhaustive(lists, heap, segment, scoring);
      else prunedTopK(lists, heap, segment, scoring);
      this.recount(lists, keys);
    }
    const top = heap.sorted();
    if (top.length === 0) return [];
    // Ids and fields come from the segments' cached metadata: a query reads no document record
    // unless it asks for explanations (which need the text).
    const metas = await Promise.all(top.map((h) => this.meta(this.segmentOf(h.doc))));
    const records = options.explain ? await this.store.getMany<DocRecord>(top.map((h) => `doc/${h.doc}`)) : [];
    return top.map((h, k) => {
      const segment = this.segmentOf(h.doc);
      const at = h.doc - segment.base;
      const hit: Hit = { id: metas[k]!.ids[at]!, score: h.score, fields: metas[k]!.fields[at] ?? {} };
      if (options.explain) {
        const record = records[k];
        if (!record) throw new SpladeError('index-corrupt', `document record doc/${h.doc} is missing; call rebuild() or import() a snapshot`);
        const { lists } = perSegment.find((p) => h.doc >= p.segment.base && h.doc < p.segment.end)!;
        const docVector = storedWeights(lists, h.doc);
        const explanation = explainMatch(query, docVector, (id) => this.tokenOf(id));
        hit.contributions = explanation.contributions;
        hit.text = record.text;
        hit.snippet = makeSnippet(record.text ?? '', explanation.contributions.map((c) => ({ token: c.token, weight: c.product })));
      }
      return hit;
    });
  }

  private segmentOf(doc: number): LoadedSegment {
    const s = this.segments.find((x) => doc >= x.base && doc < x.end);
    if (!s) throw new SpladeError('index-corrupt', `document number ${doc} belongs to no segment`);
    return s;
  }

  private tokenOf(id: number): string {
    return this.options.encoder?.token(id) ?? this.options.tokenOf?.(id) ?? `#${id}`;
  }

  private async acceptor(filter: Filter | undefined): Promise<(doc: number) => boolean> {
    const tomb = this.tomb;
    const alive = (doc: number) => !((tomb[doc >>> 3] ?? 0) & (1 << (doc & 7)));
    if (!filter) return alive;
    const predicate = typeof filter === 'function' ? filter : (fields: Fields) => Object.entries(filter).every(([k, v]) => fields[k] === v);
    const metas = await Promise.all(this.segments.map((s) => this.meta(s)));
    return (doc) => {
      if (!alive(doc)) return false;
      const k = this.segments.findIndex((s) => doc >= s.base && doc < s.end);
      const meta = metas[k]!;
      const at = doc - this.segments[k]!.base;
      return meta.ids[at] != null && predicate(meta.fields[at] ?? {}, meta.ids[at]!);
    };
  }

  private async meta(segment: SegmentInfo): Promise<SegmentMeta> {
    let meta = this.metas.get(segment.id);
    if (!meta) {
      meta = await this.store.get<SegmentMeta>(`seg/${segment.id}/meta`);
      if (!meta) throw new SpladeError('index-corrupt', `seg/${segment.id}/meta is missing`);
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
    const chunkKeys = numbers.map((c) => `seg/${segment.id}/chunk/${c}`);
    const chunks = await this.store.getMany<Chunk>(chunkKeys);
    chunks.forEach((chunk, k) => {
      if (!chunk) throw new SpladeError('index-corrupt', `block chunk ${chunkKeys[k]} is missing from the database`);
      if (!(chunk.bytes instanceof Uint8Array) || crc32(chunk.bytes) !== chunk.crc) {
        throw new SpladeError('index-corrupt', `block chunk ${chunkKeys[k]} failed its checksum: the stored index is damaged. Results would be wrong, so none are returned; call rebuild() to rebuild postings from the stored documents`);
      }
    });
    for (const { list: i, at } of unopened) {
      const postings = openTerm(dict, at, chunks[numbers.indexOf(dict.chunk[at]!)]!, segment.base);
      this.cache.set(keys[i]!, postings, postings.residentBytes, true);
      pinned.push(keys[i]!);
      lists[i] = { ...lists[i]!, docs: postings.docs, weights: postings.weights, lazy: postings };
    }
    return { lists, keys };
  }

  /** After a query: cached lists are counted again at what they hold now (blocks got decoded). */
  private recount(lists: readonly TermList[], keys: readonly number[]): void {
    lists.forEach((l, i) => {
      if (l.lazy instanceof LazyPostings) this.cache.resize(keys[i]!, l.lazy.residentBytes);
    });
  }

  private keyBase(segment: LoadedSegment): number {
    let slot = this.slots.get(segment.id);
    if (slot === undefined) {
      this.slots.set(segment.id, (slot = this.nextSlot));
      this.nextSlot += segment.dictionary.terms.length;
    }
    return slot;
  }

  /** Reads the committed manifest and the dictionaries of segments not yet loaded. */
  private async reload(): Promise<void> {
    this.checkOpen();
    this.stale = false;
    let manifest = await this.store.get<Manifest>('manifest');
    if (!manifest) {
      if (this.manifest.generation > 0) {
        throw new SpladeError('index-missing', `the database of index "${this.name}" was deleted or evicted by the browser; call clear() to start an empty index or import() a snapshot`);
      }
      manifest = emptyManifest();
    }
    if (manifest.format !== INDEX_FORMAT || manifest.schema !== INDEX_SCHEMA) {
      if (this.options.onIncompatible === 'reset') {
        const all = await this.store.keys();
        await this.store.delMany(all);
        manifest = emptyManifest();
      } else {
        throw new SpladeError('index-schema', `index "${this.name}" was stored with schema ${JSON.stringify(manifest.schema)} (format ${JSON.stringify(manifest.format)}); this version reads schema ${INDEX_SCHEMA}. Open it with { onIncompatible: 'reset' } to start over, or import() a snapshot`);
      }
    }
    if (manifest.generation === this.manifest.generation && this.segments.length === manifest.segments.length) return;
    const known = new Map(this.segments.map((s) => [s.id, s]));
    const toLoad = manifest.segments.filter((s) => !known.has(s.id));
    const dicts = await this.store.getMany<SegmentDictionary & { crc: number }>(toLoad.map((s) => `seg/${s.id}/dict`));
    dicts.forEach((d, k) => {
      if (!d || crc32(dictBytes(d)) !== d.crc) throw new SpladeError('index-corrupt', `the dictionary seg/${toLoad[k]!.id}/dict is missing or fails its checksum; call rebuild()`);
      known.set(toLoad[k]!.id, { ...toLoad[k]!, dictionary: d });
    });
    const tomb = manifest.tomb ? ((await this.store.get<Uint8Array>(manifest.tomb)) ?? new Uint8Array(0)) : new Uint8Array(0);
    this.install(manifest, manifest.segments.map((s) => known.get(s.id)!), tomb);
    this.idMap = undefined; // rebuilt on the next write
  }

  private install(manifest: Manifest, segments: LoadedSegment[], tomb: Uint8Array): void {
    const live = new Set(segments.map((s) => s.id));
    for (const id of this.metas.keys()) if (!live.has(id)) this.metas.delete(id);
    for (const id of this.slots.keys()) if (!live.has(id)) this.slots.delete(id);
    this.manifest = manifest;
    this.segments = segments;
    this.tomb = tomb;
  }

  // ---------------------------------------------------------------- writing

  private async write(docs: readonly IndexDocument[], removeIds: readonly string[], mode: 'add' | 'upsert', signal?: AbortSignal, onRemoved?: (n: number) => void): Promise<void> {
    this.checkOpen();
    if (!Array.isArray(docs)) throw new SpladeError('invalid-input', `${mode}() takes an array of documents`);
    // Validate and encode before taking the write lock: encoding can take a while.
    const seen = new Set<string>();
    for (const [k, d] of docs.entries()) {
      if (typeof d?.id !== 'string' || d.id === '') throw new SpladeError('invalid-input', `document ${k} needs a non-empty string id`);
      if (mode === 'add' && seen.has(d.id)) throw new SpladeError('duplicate-id', `the id "${d.id}" appears twice in one add(); ids must be unique (use upsert to replace)`);
      seen.add(d.id);
      if (d.text !== undefined && typeof d.text !== 'string') throw new SpladeError('invalid-input', `document "${d.id}": text must be a string`);
      if (d.vector !== undefined && !isValidSparseVector(d.vector)) throw new SpladeError('invalid-input', `document "${d.id}": vector must be { indices: Uint32Array (ascending), values: Float32Array (finite) }`);
      if (d.vector === undefined && !this.options.encoder) throw new SpladeError('invalid-input', `document "${d.id}" has no vector and the index has no encoder to make one`);
    }
    const commitSize = this.options.commitSize ?? DEFAULT_COMMIT_SIZE;
    let removedTotal = 0;
    // One commit per slice (a removal-only call is one empty slice); removals go with the first.
    for (let start = 0; start < Math.max(docs.length, 1); start += commitSize) {
      throwIfAborted(signal);
      const slice = docs.slice(start, start + commitSize);
      const needText = slice.filter((d) => !d.vector);
      const vectors = needText.length ? await this.options.encoder!.encodeDocument(needText.map((d) => d.text ?? '')) : [];
      const made = new Map(needText.map((d, k) => [d, vectors[k]!]));
      const ready = slice.map((d) => ({ ...d, vector: d.vector ?? made.get(d)! }));
      removedTotal += await this.locked(() => this.commit(ready, start === 0 ? removeIds : [], mode));
    }
    onRemoved?.(removedTotal);
  }

  /** One commit: new segment + tombstones + documents first, then the manifest. Returns removals. */
  private async commit(docs: readonly (IndexDocument & { vector: SparseVector })[], removeIds: readonly string[], mode: 'add' | 'upsert'): Promise<number> {
    await this.reload();
    const ids = await this.ensureIdMap();
    if (mode === 'add') {
      const clash = docs.find((d) => ids.has(d.id));
      if (clash) throw new SpladeError('duplicate-id', `the index already holds a document with id "${clash.id}"; use upsert() to replace it`);
    }
    const old = this.manifest;
    const nextDocNum = old.nextDocNum + docs.length;
    const tomb = new Uint8Array(Math.ceil(nextDocNum / 8));
    tomb.set(this.tomb.subarray(0, tomb.length));
    const removedNums: number[] = [];
    for (const id of [...removeIds, ...docs.map((d) => d.id)]) {
      const num = ids.get(id);
      if (num !== undefined && !((tomb[num >>> 3]! >> (num & 7)) & 1)) {
        tomb[num >>> 3]! |= 1 << (num & 7);
        removedNums.push(num);
      }
    }
    const removedExisting = removeIds.filter((id) => ids.has(id)).length;
    if (docs.length === 0 && removedNums.length === 0) return 0;
    const writes: [string, unknown][] = [];
    const newSegments = [...this.segments];
    let postings = old.postings;
    const generation = old.generation + 1;
    if (docs.length) {
      const base = old.nextDocNum;
      const numbered = docs.map((d, k) => ({ num: base + k, vector: d.vector }));
      const built = buildSegment(numbered, base, nextDocNum);
      const info: SegmentInfo = { id: `g${generation}`, base, end: nextDocNum, chunks: built.chunks.length, postings: built.postings, bytes: segmentBytes(built) };
      const meta: SegmentMeta = { ids: docs.map((d) => d.id), fields: docs.map((d) => d.fields ?? {}) };
      await this.writeSegment(info, built, meta);
      const keep = this.options.storeVectors !== false;
      const none = { indices: new Uint32Array(0), values: new Float32Array(0) };
      docs.forEach((d, k) => writes.push([`doc/${base + k}`, { id: d.id, text: d.text ?? '', fields: d.fields ?? {}, ...(keep ? { indices: d.vector.indices, values: d.vector.values } : { ...none, noVector: true }) }]));
      newSegments.push({ ...info, dictionary: built.dictionary });
      postings += built.postings;
    }
    const tombKey = removedNums.length || old.tomb ? `tomb/${generation}` : null;
    if (tombKey) writes.push([tombKey, tomb]);
    await this.setInSlices(writes);
    const next: Manifest = {
      ...old,
      generation,
      nextDocNum,
      liveDocs: old.liveDocs + docs.length - removedNums.length,
      postings,
      segments: newSegments.map(({ dictionary: _d, ...info }) => info),
      tomb: tombKey,
      garbage: [...(old.tomb && old.tomb !== tombKey ? [old.tomb] : []), ...removedNums.map((n) => `doc/${n}`)],
    };
    await this.commitManifest(old, next, newSegments, tomb);
    for (const d of docs) ids.set(d.id, old.nextDocNum + docs.indexOf(d));
    for (const id of removeIds) if (!docs.some((d) => d.id === id)) ids.delete(id);
    if (this.segments.length > MAX_SEGMENTS) await this.mergeSmallest();
    return removedExisting;
  }

  private async commitManifest(old: Manifest, next: Manifest, segments: LoadedSegment[], tomb: Uint8Array): Promise<void> {
    // The previous generation's garbage is safe to delete once this one is committed.
    await this.store.setMany([['manifest', next]]);
    this.install(next, segments, tomb);
    this.announce();
    if (old.garbage.length) await this.store.delMany(old.garbage).catch(() => {});
  }

  /** Merges the adjacent pair of segments with the fewest postings (dropping removed documents). */
  private async mergeSmallest(): Promise<void> {
    while (this.segments.length > MAX_SEGMENTS) {
      let best = 0;
      for (let i = 1; i + 1 < this.segments.length; i++) {
        if (this.segments[i]!.postings + this.segments[i + 1]!.postings < this.segments[best]!.postings + this.segments[best + 1]!.postings) best = i;
      }
      const pair = this.segments.slice(best, best + 2);
      const parts = await Promise.all(pair.map(async (s) => ({ base: s.base, end: s.end, dictionary: s.dictionary, chunks: await this.loadChunks(s) })));
      const tomb = this.tomb;
      const merged = mergeSegments(parts, (doc) => ((tomb[doc >>> 3] ?? 0) >> (doc & 7)) & 1 ? true : false);
      const old = this.manifest;
      const generation = old.generation + 1;
      const info: SegmentInfo = { id: `g${generation}m`, base: merged.base, end: merged.end, chunks: merged.chunks.length, postings: merged.postings, bytes: segmentBytes(merged) };
      await this.writeSegment(info, merged, await this.concatMeta(pair, merged.base, merged.end));
      const segments = [...this.segments.slice(0, best), { ...info, dictionary: merged.dictionary }, ...this.segments.slice(best + 2)];
      const postings = old.postings - pair[0]!.postings - pair[1]!.postings + merged.postings;
      const next: Manifest = { ...old, generation, postings, segments: segments.map(({ dictionary: _d, ...i }) => i), garbage: pair.flatMap(segKeys) };
      await this.commitManifest(old, next, segments, this.tomb);
    }
  }

  private async loadChunks(s: SegmentInfo): Promise<Chunk[]> {
    const keys = Array.from({ length: s.chunks }, (_, k) => `seg/${s.id}/chunk/${k}`);
    const chunks = await this.store.getMany<Chunk>(keys);
    return chunks.map((c, k) => {
      if (!c || crc32(c.bytes) !== c.crc) throw new SpladeError('index-corrupt', `block chunk ${keys[k]} failed its checksum; call rebuild()`);
      return c;
    });
  }

  private async concatMeta(parts: readonly SegmentInfo[], base: number, end: number): Promise<SegmentMeta> {
    const meta: SegmentMeta = { ids: new Array(end - base).fill(null), fields: new Array(end - base).fill(null) };
    for (const p of parts) {
      const m = await this.meta(p);
      for (let k = 0; k < m.ids.length; k++) {
        const doc = p.base + k;
        if (doc < base || doc >= end || (this.tomb[doc >>> 3] ?? 0) & (1 << (doc & 7))) continue;
        meta.ids[doc - base] = m.ids[k]!;
        meta.fields[doc - base] = m.fields[k]!;
      }
    }
    return meta;
  }

  private async writeSegment(info: SegmentInfo, built: BuiltSegment, meta: SegmentMeta): Promise<void> {
    const dict = { ...built.dictionary, crc: crc32(dictBytes(built.dictionary)) };
    const entries: [string, unknown][] = built.chunks.map((c, k) => [`seg/${info.id}/chunk/${k}`, c]);
    entries.push([`seg/${info.id}/dict`, dict], [`seg/${info.id}/meta`, meta]);
    await this.setInSlices(entries);
    this.metas.set(info.id, meta);
  }

  /** Large writes go in several transactions (none is visible before the manifest anyway). */
  private async setInSlices(entries: [string, unknown][]): Promise<void> {
    const SLICE = 2000;
    for (let k = 0; k < entries.length; k += SLICE) await this.store.setMany(entries.slice(k, k + SLICE));
  }

  private async ensureIdMap(): Promise<Map<string, number>> {
    if (this.idMap) return this.idMap;
    const map = new Map<string, number>();
    for (const s of this.segments) {
      const m = await this.meta(s);
      m.ids.forEach((id, k) => {
        const doc = s.base + k;
        if (id != null && !((this.tomb[doc >>> 3] ?? 0) & (1 << (doc & 7)))) map.set(id, doc);
      });
    }
    this.idMap = map;
    return map;
  }

  private async liveDocuments(): Promise<{ num: number; record: DocRecord }[]> {
    const nums: number[] = [];
    for (const s of this.segments) {
      const m = await this.meta(s);
      m.ids.forEach((id, k) => {
        const doc = s.base + k;
        if (id != null && !((this.tomb[doc >>> 3] ?? 0) & (1 << (doc & 7)))) nums.push(doc);
      });
    }
    const out: { num: number; record: DocRecord }[] = [];
    for (let k = 0; k < nums.length; k += 1000) {
      const slice = nums.slice(k, k + 1000);
      const records = await this.store.getMany<DocRecord>(slice.map((n) => `doc/${n}`));
      records.forEach((r, j) => {
        if (!r) throw new SpladeError('index-corrupt', `document record doc/${slice[j]} is missing`);
        if (r.noVector) throw new SpladeError('invalid-option', `document "${r.id}" was stored without its vector (storeVectors: false), so export() and rebuild() cannot use it; re-add the documents instead`);
        out.push({ num: slice[j]!, record: r });
      });
    }
    return out;
  }

  /** One writer at a time: across tabs with Web Locks, within this instance with a queue. */
  private locked<T>(fn: () => Promise<T>): Promise<T> {
    const run = () => {
      const locks = (globalThis.navigator as Navigator | undefined)?.locks;
      return locks ? locks.request(`splade-web-index:${this.name}`, { mode: 'exclusive' }, fn) : fn();
    };
    const result = this.writeQueue.then(run, run) as Promise<T>;
    this.writeQueue = result.catch(() => undefined);
    return result;
  }

  private announce(): void {
    this.channel?.postMessage({ generation: this.manifest.generation });
  }

  private checkOpen(): void {
    if (this.closed) throw new SpladeError('disposed', `index "${this.name}" was closed`);
  }
}

function segmentBytes(b: BuiltSegment): number {
  const d = b.dictionary;
  return b.chunks.reduce((n, c) => n + c.bytes.byteLength, 0) + d.terms.byteLength * 5;
}

function dictBytes(d: SegmentDictionary): Uint8Array<ArrayBuffer> {
  const parts = [d.terms, d.chunk, d.offset, d.count, d.maxWeight].map((a) => new Uint8Array(a.buffer as ArrayBuffer, a.byteOffset, a.byteLength));
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
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
