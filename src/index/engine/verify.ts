/**
 * verify(): reads every stored value the committed generation needs and decodes it (each kind by
 * its own decoder), and lists keys nothing references. Reads only; repairing is the writer's
 * (SparseIndex.repair, rebuild).
 */
import { SpladeError } from '../../errors.ts';
import { chunkKey, dictionaryKeys, metadataKeys, referencedKeys, type SegmentMeta } from '../format/manifest.ts';
import { decodeBits, decodeDictionary, decodeDocRecord, unseal, unsealJson } from '../format/records.ts';
import { isRemoved } from '../format/tombstones.ts';
import type { WritableStore } from '../store/types.ts';
import type { IndexReader } from './reader.ts';
import type { VerifyReport } from './types.ts';

/** Keys read per transaction when a whole index is checked. */
const VERIFY_SLICE = 2000;

/** Checks the generation `reader` follows (reload it first when stale) in `store`. */
export async function verifyIndex(
  reader: IndexReader,
  store: Pick<WritableStore, 'getMany' | 'keys'>,
): Promise<VerifyReport> {
  const damaged: string[] = [];
  const check = async (keys: string[], decode: (value: Uint8Array | undefined, key: string) => unknown) => {
    for (let k = 0; k < keys.length; k += VERIFY_SLICE) {
      const slice = keys.slice(k, k + VERIFY_SLICE);
      const values = await store.getMany(slice);
      values.forEach((v, j) => {
        try {
          decode(v, slice[j]!);
        } catch {
          damaged.push(slice[j]!);
        }
      });
    }
  };
  const m = reader.manifest;
  await check(
    m.segments.flatMap((s) => Array.from({ length: s.chunks }, (_, k) => chunkKey(s.id, k))),
    unseal,
  );
  await check(m.segments.flatMap(dictionaryKeys), decodeDictionary);
  await check(m.segments.flatMap(metadataKeys), unsealJson);
  if (m.tomb) await check([m.tomb], decodeBits);
  const metas = new Map<string, SegmentMeta>();
  for (const s of m.segments) {
    try {
      metas.set(s.id, await reader.meta(s));
    } catch {
      // reported above
    }
  }
  const keep = referencedKeys(m, metas, (doc) => isRemoved(reader.tomb, doc));
  const live = [...keep].filter((k) => k.startsWith('doc/'));
  await check(live, decodeDocRecord);
  // A read-only store cannot list its keys: nothing is reported unreferenced then.
  const stored = await store.keys().catch((error: unknown) => {
    if (error instanceof SpladeError && error.code === 'read-only') return [...keep];
    throw error;
  });
  const unreferenced = stored.filter((k) => !keep.has(k));
  return { damaged, unreferenced };
}
