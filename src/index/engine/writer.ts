/**
 * The write side of an index: commits (segments and records first, the manifest last), rewrites
 * that the merge policy asks for (dropping removed documents and renumbering), garbage collection
 * with retries and sweeps, and rebuilding from stored records (what they hold is read by
 * recovery.ts). One writer at a time: callers hold the WriterLock.
 */
import { SpladeError } from '../../errors.ts';
import type { Fields } from '../../results/hits.ts';
import {
  chunkKey,
  dictKey,
  docKey,
  emptyManifest,
  MANIFEST_KEY,
  metaKey,
  referencedKeys,
  segmentKeys,
  tombKey,
  type Manifest,
  type SegmentInfo,
  type SegmentMeta,
} from '../format/manifest.ts';
import { encodeBits, encodeDictionary, encodeDocRecord, seal, sealJson, type DocRecord } from '../format/records.ts';
import { buildSegment, mergeSegments, type BuiltSegment } from '../format/segment.ts';
import { countRemoved, isRemoved, markRemoved, renumbered, resized } from '../format/tombstones.ts';
import type { WritableStore } from '../store/types.ts';
import type { GenerationChannel } from './coordination.ts';
import { infoOf, withDictionary, type LoadedSegment } from './loaded-segment.ts';
import { nextRewrite } from './merge-policy.ts';
import type { IndexReader } from './reader.ts';
import { recoverDocuments } from './recovery.ts';
import type { IndexDocument } from './types.ts';

/** Keys per transaction when a commit writes many. */
const WRITE_SLICE = 2000;

/** A generation's manifest but its segments and tombstones (commitManifest stores and adds those). */
type NextManifest = Omit<Manifest, 'segments' | 'tomb'>;

/** A document checked and encoded, ready to be stored. */
export interface ReadyDocument {
  id: string;
  text: string;
  fields: Fields;
  vector: NonNullable<IndexDocument['vector']>;
}

export class IndexWriter {
  /** Whether this instance has swept unreferenced keys since it opened or a write failed. */
  swept = false;
  /** Garbage whose deletion failed: listed again in the next manifest, so it is retried. */
  pendingGarbage: string[] = [];

  /**
   * One commit, all or nothing: new segments (one per commitSize documents), their records and the
   * tombstones first, then the manifest. With `replaceAll`, the new documents replace everything.
   * Returns how many of `removeIds` existed.
   */
  async commit(
    docs: readonly ReadyDocument[],
    removeIds: readonly string[],
    mode: 'add' | 'upsert',
    replaceAll = false,
  ): Promise<number> {
    try {
      await this.reader.reload();
      const ids = replaceAll ? new Map<string, number>() : await this.reader.ensureIdMap();
      if (mode === 'add') {
        const clash = docs.find((d) => ids.has(d.id));
        if (clash)
          throw new SpladeError(
            'duplicate-id',
            `the index already holds a document with id "${clash.id}"; use upsert() to replace it`,
          );
      }
      const old = this.reader.manifest;
      const generation = old.generation + 1;
      const base = replaceAll ? 0 : old.docs;
      const end = base + docs.length;
      const tomb = replaceAll ? new Uint8Array(Math.ceil(end / 8)) : resized(this.reader.tomb, end);
      const garbage: string[] = [...this.pendingGarbage];
      let removedExisting = 0;
      for (const id of removeIds) if (ids.has(id)) removedExisting++;
      let removedNow = 0;
      for (const id of [...removeIds, ...docs.map((d) => d.id)]) {
        const num = ids.get(id);
        if (num === undefined || !markRemoved(tomb, num)) continue;
        removedNow++;
        const { segment, at } = this.reader.place(num);
        garbage.push(docKey((await this.reader.meta(segment)).records[at]!));
      }
      if (docs.length === 0 && removedNow === 0 && !replaceAll) return 0;
      if (replaceAll) {
        garbage.push(
          ...(old.tomb ? [old.tomb] : []),
          ...old.segments.flatMap(segmentKeys),
          ...(await this.reader.liveRecordKeys()),
        );
      } else if (old.tomb) garbage.push(old.tomb);

      const segments: LoadedSegment[] = replaceAll ? [] : [...this.reader.segments];
      let postings = replaceAll ? 0 : old.postings;
      let record = old.nextRecord;
      for (let start = 0, part = 0; start < docs.length; start += this.commitSize, part++) {
        const slice = docs.slice(start, start + this.commitSize);
        const sliceBase = base + start;
        const built = buildSegment(
          slice.map((d, k) => ({ num: sliceBase + k, vector: d.vector })),
          sliceBase,
          sliceBase + slice.length,
        );
        const records = slice.map(() => record++);
        const meta: SegmentMeta = { ids: slice.map((d) => d.id), fields: slice.map((d) => d.fields), records };
        const stored = slice.map((d, k): [string, Uint8Array] => [
          docKey(records[k]!),
          encodeDocRecord(this.recordOf(d)),
        ]);
        segments.push(await this.storeSegment(`g${generation}p${part}`, built, meta, stored));
        postings += built.postings;
      }
      const next: NextManifest = {
        ...old,
        model: docs.length ? (this.options.model ?? old.model ?? null) : replaceAll ? null : (old.model ?? null),
        generation,
        docs: end,
        nextRecord: record,
        liveDocs: (replaceAll ? 0 : old.liveDocs) + docs.length - removedNow,
        postings,
        garbage,
      };
      await this.commitManifest(old, next, segments, tomb);
      const map = replaceAll ? new Map<string, number>() : ids;
      for (const id of removeIds) map.delete(id);
      docs.forEach((d, k) => map.set(d.id, base + k));
      this.reader.idMap = map;
      await this.reorganize();
      if (!this.swept) await this.sweep();
      return removedExisting;
    } catch (error) {
      this.swept = false; // what the failure left behind is swept by the next commit
      throw error;
    }
  }

  recordOf(d: ReadyDocument): DocRecord {
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

  /**
   * Commits generation `next`: its tombstones (when a document of it is removed), then its manifest,
   * which lists `segments`; then collects the garbage of the generation before, `old`.
   */
  async commitManifest(old: Manifest, next: NextManifest, segments: LoadedSegment[], tomb: Uint8Array): Promise<void> {
    const tombName = countRemoved(tomb, 0, next.docs) > 0 ? tombKey(next.generation) : null;
    if (tombName) await this.store.setMany([[tombName, encodeBits(tomb)]]);
    const manifest: Manifest = { ...next, segments: segments.map(infoOf), tomb: tombName };
    await this.store.setMany([[MANIFEST_KEY, sealJson(manifest)]]);
    this.pendingGarbage = [];
    this.reader.install(manifest, segments, tomb);
    this.channel.announce(manifest.generation);
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
  async reorganize(): Promise<void> {
    for (;;) {
      const tomb = this.reader.tomb;
      const step = nextRewrite(this.reader.manifest.segments, (s) => countRemoved(tomb, s.base, s.end));
      if (!step) return;
      await this.rewrite(step.start, step.count);
    }
  }

  async rewrite(start: number, count: number): Promise<void> {
    const old = this.reader.manifest;
    const generation = old.generation + 1;
    const tomb = this.reader.tomb;
    const parts = this.reader.segments.slice(start, start + count);
    const live = parts.reduce((n, p) => n + (p.end - p.base) - countRemoved(tomb, p.base, p.end), 0);
    // Segments whose documents are all removed are dropped without reading their postings.
    const merged =
      live === 0
        ? undefined
        : mergeSegments(
            await Promise.all(
              parts.map(async (s) => ({
                base: s.base,
                end: s.end,
                dictionary: await this.reader.dictionaryOf(s),
                chunks: await this.reader.readChunks(
                  s,
                  Array.from({ length: s.chunks }, (_, k) => k),
                ),
              })),
            ),
            (doc) => isRemoved(tomb, doc),
            parts[0]!.base,
          );
    const metas = await Promise.all(parts.map((p) => this.reader.meta(p)));
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
    const segments: LoadedSegment[] = this.reader.segments.slice(0, start);
    if (merged) segments.push(await this.storeSegment(`g${generation}m`, merged, meta));
    const after = this.reader.segments.slice(start + count);
    for (const s of after) segments.push({ ...s, base: s.base - shift, end: s.end - shift });
    const docs = old.docs - shift;
    const moves = [
      { from: 0, to: 0, length: parts[0]!.base },
      ...after.map((s) => ({ from: s.base, to: s.base - shift, length: s.end - s.base })),
    ];
    const nextTomb = renumbered(tomb, docs, moves);
    const postings = old.postings - parts.reduce((n, p) => n + p.postings, 0) + (merged?.postings ?? 0);
    const garbage = [...parts.flatMap(segmentKeys), ...(old.tomb ? [old.tomb] : []), ...this.pendingGarbage];
    const next: NextManifest = { ...old, generation, docs, postings, garbage };
    await this.commitManifest(old, next, segments, nextTomb);
    this.reader.idMap = undefined; // document numbers moved
  }

  /** Deletes every key that neither the manifest nor its pending garbage references. */
  async sweep(): Promise<void> {
    const all = await this.store.keys();
    await this.reader.ensureIdMap(); // loads every segment's metadata
    const keep = referencedKeys(this.reader.manifest, this.reader.metas, (doc) => isRemoved(this.reader.tomb, doc));
    const orphans = all.filter((k) => !keep.has(k));
    for (let k = 0; k < orphans.length; k += WRITE_SLICE) await this.store.delMany(orphans.slice(k, k + WRITE_SLICE));
    this.swept = true;
  }

  /**
   * Rebuilds postings and metadata from the stored document records, trusting nothing else that
   * fails its checksum (recovery.ts reads them). Returns what could not be rebuilt.
   */
  async rebuildFromRecords(): Promise<string[]> {
    const { documents, dropped, generation, nextRecord } = await recoverDocuments(this.store, this.name);
    // Start from a manifest that owns nothing, past every generation and record number in use.
    this.reader.install({ ...emptyManifest(generation), nextRecord }, [], new Uint8Array(0));
    this.reader.metas.clear();
    this.reader.cache.clear();
    this.reader.idMap = new Map();
    this.swept = false;
    this.pendingGarbage = [];
    this.store.acknowledgeDeleted();
    // commit() reloads; the stored manifest (if any) would replace ours, so write ours first.
    await this.store.setMany([[MANIFEST_KEY, sealJson(this.reader.manifest)]]);
    await this.commit(documents, [], 'add', true);
    return dropped;
  }

  /**
   * Stores a built segment under `id` (its chunks, dictionary and metadata, with `records` in the
   * same transactions) and returns it as the reader holds it.
   */
  private async storeSegment(
    id: string,
    built: BuiltSegment,
    meta: SegmentMeta,
    records: [string, Uint8Array][] = [],
  ): Promise<LoadedSegment> {
    const info: SegmentInfo = {
      id,
      base: built.base,
      end: built.end,
      chunks: built.chunks.length,
      postings: built.postings,
      bytes: segmentBytes(built),
    };
    await this.setInSlices([...segmentEntries(info, built, meta), ...records]);
    this.reader.metas.set(id, meta);
    return withDictionary(info, built.dictionary);
  }

  /** Large writes go in several transactions (none is visible before the manifest anyway). */
  async setInSlices(entries: [string, Uint8Array][]): Promise<void> {
    for (let k = 0; k < entries.length; k += WRITE_SLICE) await this.store.setMany(entries.slice(k, k + WRITE_SLICE));
  }

  /** A new, empty generation; everything else is collected right away (what fails, by the next commit's sweep). */
  async clear(): Promise<void> {
    const reader = this.reader;
    try {
      await reader.reload();
    } catch (error) {
      // clear() is the way out of a deleted, evicted, damaged or incompatible database: start over.
      if (!(error instanceof SpladeError && ['index-missing', 'index-schema', 'index-corrupt'].includes(error.code)))
        throw error;
      this.store.acknowledgeDeleted();
    }
    const old = reader.manifest;
    const next: Manifest = { ...emptyManifest(old.generation + 1), nextRecord: old.nextRecord };
    await this.store.setMany([[MANIFEST_KEY, sealJson(next)]]);
    reader.install(next, [], new Uint8Array(0));
    reader.idMap = new Map();
    this.pendingGarbage = [];
    this.channel.announce(next.generation);
    try {
      await this.store.delMany((await this.store.keys()).filter((k) => k !== MANIFEST_KEY));
      this.swept = true;
    } catch {
      this.swept = false;
    }
  }

  constructor(
    private readonly reader: IndexReader,
    private readonly store: WritableStore,
    private readonly channel: GenerationChannel,
    private readonly options: { name: string; commitSize: number; storeVectors: boolean; model?: string | undefined },
  ) {}

  private get name(): string {
    return this.options.name;
  }

  private get commitSize(): number {
    return this.options.commitSize;
  }

  private get storeVectors(): boolean {
    return this.options.storeVectors;
  }
}

function segmentEntries(info: SegmentInfo, built: BuiltSegment, meta: SegmentMeta): [string, Uint8Array][] {
  const entries: [string, Uint8Array][] = built.chunks.map((c, k) => [chunkKey(info.id, k), seal(c.bytes, c.crc)]);
  entries.push([dictKey(info.id), encodeDictionary(built.dictionary)], [metaKey(info.id), sealJson(meta)]);
  return entries;
}

function segmentBytes(b: BuiltSegment): number {
  return b.chunks.reduce((n, c) => n + c.bytes.byteLength, 0) + b.dictionary.terms.byteLength * 5;
}
