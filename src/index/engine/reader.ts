/**
 * The read side of an index: the committed generation this instance follows (manifest, segments
 * with their dictionaries, tombstones), segment metadata, document records and posting lists
 * (through a byte-bounded cache). Readers never see a half commit: they only follow manifests.
 */
import { SpladeError } from '../../errors.ts';
import { filterPredicate, type Fields, type Filter } from '../../results/hits.ts';
import type { SparseVector } from '../../vector.ts';
import { LazyPostings } from '../format/codec.ts';
import {
  checkManifest,
  chunkKey,
  dictKey,
  dictPageKey,
  docKey,
  emptyManifest,
  MANIFEST_KEY,
  metadataKeys,
  metaPageKey,
  type Manifest,
  type SegmentInfo,
  type SegmentMeta,
} from '../format/manifest.ts';
import { joinDictionaries, joinMetadata } from '../format/pages.ts';
import {
  decodeBits,
  decodeDictionary,
  decodeDocRecord,
  unseal,
  unsealJson,
  type DocRecord,
} from '../format/records.ts';
import { lookupTerm, openTerm, type Chunk, type SegmentDictionary } from '../format/segment.ts';
import { isRemoved } from '../format/tombstones.ts';
import type { TermList } from '../query/lists.ts';
import { QueryScratch } from '../query/scratch.ts';
import type { WritableStore } from '../store/types.ts';
import { LruCache } from './cache.ts';
import { pageOf, withDictionary, withPages, type LoadedSegment } from './loaded-segment.ts';
import { DEFAULT_CACHE_BYTES, type IndexOptions } from './types.ts';

/** The segments and tombstones of one generation, as a search reads them. */
export interface GenerationView {
  segments: readonly LoadedSegment[];
  tomb: Uint8Array;
}

const EMPTY_DOCS = new Uint32Array(0);
const EMPTY_WEIGHTS = new Float32Array(0);

export class IndexReader {
  manifest: Manifest = emptyManifest();
  segments: LoadedSegment[] = [];
  tomb: Uint8Array = new Uint8Array(0);
  idMap?: Map<string, number> | undefined;
  readonly metas = new Map<string, SegmentMeta>();
  /** Metadata pages read alone (paged segments, for hits), by key. */
  private readonly metaPages = new Map<string, SegmentMeta>();
  /**
   * Posting lists, keyed by segment and term (see `keyBase`): each holds a copy of its encoded bytes
   * (not the whole chunk it was read from) and its decoded blocks, and is counted at what it holds.
   */
  readonly cache: LruCache<LazyPostings>;
  /** Cache key ranges by segment id and base (a renumbered segment's lists are new lists). */
  readonly slots = new Map<string, { start: number; length: number }>();
  nextSlot = 0;
  readonly scratch = new QueryScratch();
  stale = false;

  /** Reads the committed manifest and the dictionaries of segments not yet loaded. */
  async reload(): Promise<void> {
    this.stale = false;
    const stored = await this.store.get(MANIFEST_KEY);
    let manifest: Manifest;
    if (stored === undefined) {
      if (this.manifest.generation > 0) {
        throw new SpladeError(
          'index-missing',
          `the database of index "${this.name}" was deleted or evicted by the browser; call clear() to start an empty index or import() a snapshot`,
        );
      }
      manifest = emptyManifest();
    } else {
      try {
        // Schema 1 stored the manifest as a plain object: still recognised, as an older schema.
        const value = stored instanceof Uint8Array ? unsealJson(stored, MANIFEST_KEY) : (stored as unknown);
        manifest = checkManifest(value, `index "${this.name}"`);
      } catch (error) {
        if (!(error instanceof SpladeError && error.code === 'index-schema')) throw error;
        if (this.options.onIncompatible !== 'reset')
          throw new SpladeError(
            'index-schema',
            `${error.message}. Open it with { onIncompatible: 'reset' } to start over, or import() a snapshot`,
          );
        await this.store.delMany(await this.store.keys());
        manifest = emptyManifest();
      }
    }
    const model = this.options.model;
    if (model !== undefined && manifest.model && manifest.model !== model) {
      throw new SpladeError(
        'index-model',
        `index "${this.name}" holds vectors of the model "${manifest.model}", not of "${model}"; scores across two models mean nothing. Open another index for this model, or open it with { model: "${manifest.model}" } and clear() it to re-index`,
      );
    }
    if (manifest.generation === this.manifest.generation && this.segments.length === manifest.segments.length) return;
    // Dictionaries of one value are read now (a query needs them all); paged ones as queries need them.
    const known = new Map(this.segments.map((s) => [s.id, s]));
    const toLoad = manifest.segments.filter((s) => !known.has(s.id) && !s.dictPages);
    const dicts = await this.store.getMany(toLoad.map((s) => dictKey(s.id)));
    const loaded = new Map(toLoad.map((s, k) => [s.id, decodeDictionary(dicts[k], dictKey(s.id))]));
    const tomb = manifest.tomb ? decodeBits(await this.store.get(manifest.tomb), manifest.tomb) : new Uint8Array(0);
    const segments = manifest.segments.map((s) => {
      const had = known.get(s.id);
      if (had) return { ...had, base: s.base, end: s.end };
      return s.dictPages ? withPages(s) : withDictionary(s, loaded.get(s.id)!);
    });
    this.install(manifest, segments, tomb);
    this.idMap = undefined; // rebuilt on the next write
  }

  install(manifest: Manifest, segments: LoadedSegment[], tomb: Uint8Array): void {
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
    this.idMap = undefined; // numbers may have moved; the writer sets the map it knows to be current
  }

  /** What a search reads, fixed when it starts: a commit in this instance meanwhile (which may renumber) does not move it. */
  view(): GenerationView {
    return { segments: this.segments, tomb: this.tomb };
  }

  /** The segment holding document `doc` (numbered as in `view`), and its place there. */
  place(doc: number, view: GenerationView = this.view()): { segment: LoadedSegment; at: number } {
    const s = view.segments;
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
  async records(docs: readonly number[], view: GenerationView = this.view()): Promise<DocRecord[]> {
    if (docs.length === 0) return [];
    const keys = await Promise.all(
      docs.map(async (doc) => {
        const { segment, at } = this.place(doc, view);
        return docKey((await this.metaEntry(segment, at)).record);
      }),
    );
    const values = await this.store.getMany(keys);
    return values.map((v, k) => decodeDocRecord(present(v, keys[k]!), keys[k]!));
  }

  /** All of a segment's metadata (every page of it). */
  async meta(segment: SegmentInfo): Promise<SegmentMeta> {
    let meta = this.metas.get(segment.id);
    if (!meta) {
      const keys = metadataKeys(segment);
      const values = await this.store.getMany(keys);
      const whole = joinMetadata(values.map((v, k) => unsealJson<SegmentMeta>(present(v, keys[k]!), keys[k]!)));
      this.metas.set(segment.id, whole);
      return whole;
    }
    return meta;
  }

  /** One document's id, fields and record number, reading only its metadata page when paged. */
  async metaEntry(segment: SegmentInfo, at: number): Promise<{ id: string; fields: Fields; record: number }> {
    const whole = this.metas.get(segment.id);
    let page: SegmentMeta | undefined = whole;
    let offset = at;
    if (!page && segment.metaPageDocs) {
      const k = Math.floor(at / segment.metaPageDocs);
      const key = metaPageKey(segment.id, k);
      page = this.metaPages.get(key);
      if (!page) {
        page = unsealJson<SegmentMeta>(present(await this.store.get(key), key), key);
        this.metaPages.set(key, page);
      }
      offset = at - k * segment.metaPageDocs;
    }
    page ??= await this.meta(segment);
    return { id: page.ids[offset]!, fields: page.fields[offset] ?? {}, record: page.records[offset]! };
  }

  /** A segment's whole dictionary (all its pages), for merges and rebuilds. */
  async dictionaryOf(segment: LoadedSegment): Promise<SegmentDictionary> {
    await this.loadPages(
      segment,
      segment.pages.map((_, k) => k),
    );
    return joinDictionaries(segment.pages as SegmentDictionary[]);
  }

  /** Loads the dictionary pages `wanted` of `segment` that are not loaded yet, in one read. */
  private async loadPages(segment: LoadedSegment, wanted: readonly number[]): Promise<void> {
    const missing = [...new Set(wanted)].filter((k) => !segment.pages[k]);
    if (missing.length === 0) return;
    const keys = missing.map((k) => (segment.dictPages ? dictPageKey(segment.id, k) : dictKey(segment.id)));
    const values = await this.store.getMany(keys);
    missing.forEach((k, j) => (segment.pages[k] = decodeDictionary(present(values[j], keys[j]!), keys[j]!)));
  }

  /**
   * The posting lists of the query's terms in one segment (and their cache keys), loading only the
   * chunks they need; each list is pinned (its key added to `pinned`) as it is taken.
   */
  async termLists(
    segment: LoadedSegment,
    query: SparseVector,
    pinned: number[],
  ): Promise<{ lists: TermList[]; keys: number[] }> {
    const keyBase = this.keyBase(segment);
    const lists: TermList[] = [];
    const keys: number[] = [];
    const unopened: { list: number; dict: SegmentDictionary; at: number }[] = [];
    const pageOfTerm: number[] = [];
    for (let k = 0; k < query.indices.length; k++) pageOfTerm.push(pageOf(segment, query.indices[k]!));
    await this.loadPages(segment, pageOfTerm);
    for (let k = 0; k < query.indices.length; k++) {
      const term = query.indices[k]!;
      const page = pageOfTerm[k]!;
      const dict = segment.pages[page]!;
      const at = lookupTerm(dict, term);
      if (at < 0 || !(query.values[k]! > 0)) continue;
      const key = keyBase + segment.pageStart[page]! + at;
      const postings = this.cache.get(key, true);
      if (postings) {
        pinned.push(key);
        postings.materialize();
      }
      lists.push({
        term,
        queryWeight: query.values[k]!,
        docs: postings?.docs ?? EMPTY_DOCS,
        weights: postings?.weights ?? EMPTY_WEIGHTS,
        maxWeight: dict.maxWeight[at]!,
        lazy: postings,
      });
      keys.push(key);
      if (!postings) unopened.push({ list: lists.length - 1, dict, at });
    }
    if (unopened.length === 0) return { lists, keys };
    const numbers = [...new Set(unopened.map((u) => u.dict.chunk[u.at]!))];
    const chunks = await this.readChunks(segment, numbers);
    for (const { list: i, dict, at } of unopened) {
      const postings = openTerm(dict, at, chunks[numbers.indexOf(dict.chunk[at]!)]!, segment.base);
      this.cache.set(keys[i]!, postings, postings.residentBytes, true);
      pinned.push(keys[i]!);
      lists[i] = { ...lists[i]!, docs: postings.docs, weights: postings.weights, lazy: postings };
    }
    return { lists, keys };
  }

  async readChunks(segment: SegmentInfo, numbers: readonly number[]): Promise<Chunk[]> {
    const keys = numbers.map((c) => chunkKey(segment.id, c));
    const values = await this.store.getMany(keys);
    return values.map((v, k) => ({ bytes: unseal(present(v, keys[k]!), keys[k]!), crc: 0 }));
  }

  /** After a query: cached lists are counted again at what they hold now (blocks got decoded). */
  recount(lists: readonly TermList[], keys: readonly number[]): void {
    lists.forEach((l, i) => {
      if (l.lazy instanceof LazyPostings) this.cache.resize(keys[i]!, l.lazy.residentBytes);
    });
  }

  keyBase(segment: LoadedSegment): number {
    const name = `${segment.id}@${segment.base}`;
    let slot = this.slots.get(name);
    if (slot === undefined) {
      this.slots.set(name, (slot = { start: this.nextSlot, length: segment.pageStart[segment.pages.length]! }));
      this.nextSlot += slot.length;
    }
    return slot.start;
  }

  /** Which documents of `view` may be hits: live ones, passing `filter`. */
  async acceptor(filter: Filter | undefined, view: GenerationView = this.view()): Promise<(doc: number) => boolean> {
    const { tomb, segments } = view;
    if (!filter) return (doc) => !isRemoved(tomb, doc);
    const predicate = filterPredicate(filter);
    const metas = await Promise.all(segments.map((s) => this.meta(s)));
    return (doc) => {
      if (isRemoved(tomb, doc)) return false;
      const { segment, at } = this.place(doc, view);
      const meta = metas[segments.indexOf(segment)]!;
      return predicate(meta.fields[at] ?? {}, meta.ids[at]!);
    };
  }

  /** External id -> document number of the live documents, for the current generation. */
  async ensureIdMap(): Promise<Map<string, number>> {
    if (this.idMap) return this.idMap;
    const view = this.view();
    const map = new Map<string, number>();
    for (const s of view.segments) {
      const m = await this.meta(s);
      m.ids.forEach((id, k) => {
        if (!isRemoved(view.tomb, s.base + k)) map.set(id, s.base + k);
      });
    }
    // Kept only if no commit installed another generation while the metadata was read.
    if (this.segments === view.segments && this.tomb === view.tomb) this.idMap = map;
    return map;
  }

  /** Keys of the live documents' records. */
  async liveRecordKeys(): Promise<string[]> {
    const keys: string[] = [];
    for (const s of this.segments) {
      const meta = await this.meta(s);
      meta.records.forEach((r, k) => {
        if (!isRemoved(this.tomb, s.base + k)) keys.push(docKey(r));
      });
    }
    return keys;
  }

  async liveRecords(): Promise<{ num: number; record: DocRecord }[]> {
    const nums: number[] = [];
    for (const s of this.segments)
      for (let doc = s.base; doc < s.end; doc++) if (!isRemoved(this.tomb, doc)) nums.push(doc);
    const out: { num: number; record: DocRecord }[] = [];
    for (let k = 0; k < nums.length; k += 1000) {
      const slice = nums.slice(k, k + 1000);
      (await this.records(slice)).forEach((record, j) => out.push({ num: slice[j]!, record }));
    }
    return out;
  }

  constructor(
    readonly name: string,
    readonly store: WritableStore,
    private readonly options: Pick<IndexOptions, 'cacheBytes' | 'onIncompatible' | 'model'>,
  ) {
    this.cache = new LruCache<LazyPostings>(options.cacheBytes ?? DEFAULT_CACHE_BYTES, (list) => {
      list.release();
      return list.residentBytes;
    });
  }
}

/** A value the manifest references; absent means a newer generation collected it (retried once). */
export function present(value: Uint8Array | undefined, key: string): Uint8Array {
  if (value === undefined)
    throw new SpladeError('index-changed', `${key} was collected by a newer generation of the index`, { file: key });
  return value;
}
