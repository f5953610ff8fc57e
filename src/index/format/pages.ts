/**
 * Pages of a segment's dictionary and metadata. Like chunk size (rechunk.ts), paging is a store's
 * trade-off, not part of a segment's meaning: IndexedDB reads one dictionary per segment when an
 * index opens (cheap there), while a static host should send a cold query only the dictionary
 * entries of its terms and the metadata of the hits it shows. Pure code: values in, values out.
 */
import { dictionaryKeys, dictPageKey, metadataKeys, metaPageKey, type Manifest, type SegmentMeta } from './manifest.ts';
import { decodeDictionary, encodeDictionary, sealJson, unsealJson } from './records.ts';
import type { SegmentDictionary } from './segment.ts';

/** The terms [from, to) of a dictionary, as a dictionary. */
export function dictionarySlice(d: SegmentDictionary, from: number, to: number): SegmentDictionary {
  return {
    terms: d.terms.slice(from, to),
    chunk: d.chunk.slice(from, to),
    offset: d.offset.slice(from, to),
    count: d.count.slice(from, to),
    maxWeight: d.maxWeight.slice(from, to),
  };
}

/** Pages, in term order, joined into one dictionary. */
export function joinDictionaries(pages: readonly SegmentDictionary[]): SegmentDictionary {
  if (pages.length === 1) return pages[0]!;
  const n = pages.reduce((sum, p) => sum + p.terms.length, 0);
  const out: SegmentDictionary = {
    terms: new Uint32Array(n),
    chunk: new Uint32Array(n),
    offset: new Uint32Array(n),
    count: new Uint32Array(n),
    maxWeight: new Float32Array(n),
  };
  let at = 0;
  for (const p of pages) {
    out.terms.set(p.terms, at);
    out.chunk.set(p.chunk, at);
    out.offset.set(p.offset, at);
    out.count.set(p.count, at);
    out.maxWeight.set(p.maxWeight, at);
    at += p.terms.length;
  }
  return out;
}

/** Metadata pages, in document order, joined. */
export function joinMetadata(pages: readonly SegmentMeta[]): SegmentMeta {
  if (pages.length === 1) return pages[0]!;
  return {
    ids: pages.flatMap((p) => p.ids),
    fields: pages.flatMap((p) => p.fields),
    records: pages.flatMap((p) => p.records),
  };
}

/**
 * `manifest`'s segments with dictionaries in pages of `dictionaryTerms` terms and metadata in pages
 * of `metadataDocs` documents (0: one value). Returns the new manifest, the values to write, and
 * the keys that no longer exist.
 */
export function paginateSegments(
  manifest: Manifest,
  read: (key: string) => Uint8Array | undefined,
  options: { dictionaryTerms: number; metadataDocs: number },
): { manifest: Manifest; values: Map<string, Uint8Array>; removed: string[] } {
  const values = new Map<string, Uint8Array>();
  const removed: string[] = [];
  const segments = manifest.segments.map((s) => {
    const oldDict = dictionaryKeys(s);
    const oldMeta = metadataKeys(s);
    const dict = joinDictionaries(oldDict.map((k) => decodeDictionary(read(k), k)));
    const meta = joinMetadata(oldMeta.map((k) => unsealJson<SegmentMeta>(read(k), k)));
    const next = { ...s };
    delete next.dictPages;
    delete next.metaPageDocs;
    const n = dict.terms.length;
    if (options.dictionaryTerms > 0 && n > options.dictionaryTerms) {
      next.dictPages = [];
      for (let from = 0, k = 0; from < n; from += options.dictionaryTerms, k++) {
        const page = dictionarySlice(dict, from, Math.min(n, from + options.dictionaryTerms));
        next.dictPages.push({ first: page.terms[0]!, terms: page.terms.length });
        values.set(dictPageKey(s.id, k), encodeDictionary(page));
      }
    } else values.set(dictionaryKeys(next)[0]!, encodeDictionary(dict));
    const docs = s.end - s.base;
    if (options.metadataDocs > 0 && docs > options.metadataDocs) {
      next.metaPageDocs = options.metadataDocs;
      for (let from = 0, k = 0; from < docs; from += options.metadataDocs, k++) {
        const to = Math.min(docs, from + options.metadataDocs);
        values.set(
          metaPageKey(s.id, k),
          sealJson({
            ids: meta.ids.slice(from, to),
            fields: meta.fields.slice(from, to),
            records: meta.records.slice(from, to),
          }),
        );
      }
    } else values.set(metadataKeys(next)[0]!, sealJson(meta));
    const kept = new Set([...dictionaryKeys(next), ...metadataKeys(next)]);
    for (const k of [...oldDict, ...oldMeta]) if (!kept.has(k)) removed.push(k);
    return next;
  });
  return { manifest: { ...manifest, segments }, values, removed };
}
