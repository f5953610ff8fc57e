/**
 * What an index's stored document records say when nothing else is trusted (SparseIndex.repair and
 * rebuild): the live documents, ready to commit again, found through the segments' metadata where
 * it is readable, and when it (or the manifest) is not, from every stored record, the latest per
 * id. Anything that fails its checksum is passed over; reading changes nothing.
 */
import {
  checkManifest,
  docKey,
  MANIFEST_KEY,
  metadataKeys,
  type Manifest,
  type SegmentMeta,
} from '../format/manifest.ts';
import { joinMetadata } from '../format/pages.ts';
import { decodeBits, decodeDocRecord, unsealJson } from '../format/records.ts';
import { isRemoved } from '../format/tombstones.ts';
import type { WritableStore } from '../store/types.ts';
import { present } from './reader.ts';
import type { ReadyDocument } from './writer.ts';

/** Records read per transaction. */
const READ_SLICE = 1000;

export interface RecoveredDocuments {
  /** The live documents, each id once (its latest record), in record order. */
  documents: ReadyDocument[];
  /** Documents that cannot be rebuilt (a damaged record, or no stored vector): their ids, or keys when even the id is unreadable. */
  dropped: string[];
  /** The highest generation in use (the manifest's, or any stored key's). */
  generation: number;
  /** Past every record number in use. */
  nextRecord: number;
}

export async function recoverDocuments(store: WritableStore, name: string): Promise<RecoveredDocuments> {
  let manifest: Manifest | undefined;
  try {
    const stored = await store.get(MANIFEST_KEY);
    if (stored) manifest = checkManifest(unsealJson(stored, MANIFEST_KEY), `index "${name}"`);
  } catch {
    manifest = undefined;
  }
  const allKeys = await store.keys();
  const garbage = new Set(manifest?.garbage ?? []);
  const recordKeys =
    (manifest && (await liveRecordKeys(store, manifest))) ??
    allKeys
      .filter((k) => k.startsWith('doc/') && !garbage.has(k))
      .sort((a, b) => Number(a.slice(4)) - Number(b.slice(4)));
  const dropped: string[] = [];
  const latest = new Map<string, ReadyDocument>();
  for (let k = 0; k < recordKeys.length; k += READ_SLICE) {
    const slice = recordKeys.slice(k, k + READ_SLICE);
    const values = await store.getMany(slice);
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
        latest.set(r.id, { id: r.id, text: r.text, fields: r.fields, vector });
      } catch {
        dropped.push(slice[j]!);
      }
    });
  }
  return {
    documents: [...latest.values()],
    dropped,
    generation: Math.max(
      manifest?.generation ?? 0,
      ...allKeys.map((k) => Number(/^(?:tomb\/|seg\/g)(\d+)/.exec(k)?.[1] ?? 0)),
    ),
    nextRecord: Math.max(
      manifest?.nextRecord ?? 0,
      ...allKeys.map((k) => (k.startsWith('doc/') ? Number(k.slice(4)) + 1 : 0)),
    ),
  };
}

/** Keys of the manifest's live records, by its segments' metadata; undefined when any of it is unreadable. */
async function liveRecordKeys(store: WritableStore, manifest: Manifest): Promise<string[] | undefined> {
  let tomb: Uint8Array = new Uint8Array(0);
  try {
    if (manifest.tomb) tomb = decodeBits(await store.get(manifest.tomb), manifest.tomb);
  } catch {
    tomb = new Uint8Array(0);
  }
  const keys: string[] = [];
  for (const s of manifest.segments) {
    try {
      const metaKeys = metadataKeys(s);
      const values = await store.getMany(metaKeys);
      const meta = joinMetadata(values.map((v, k) => unsealJson<SegmentMeta>(present(v, metaKeys[k]!), metaKeys[k]!)));
      meta.records.forEach((r, k) => {
        if (!isRemoved(tomb, s.base + k)) keys.push(docKey(r));
      });
    } catch {
      return undefined;
    }
  }
  return keys;
}
