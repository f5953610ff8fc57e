/**
 * Re-cuts a stored segment's posting chunks to another target size, at term boundaries. Chunk size
 * is a store's trade-off, not part of a segment's meaning: IndexedDB wants few large values (it
 * costs per transaction), a static host wants small files (a cold query downloads every chunk its
 * terms touch). Terms keep their order and their bytes; only the dictionary's chunk and offset of
 * each term change. Pure code: values in, values out, every one sealed as the format wants.
 */
import { chunkKey, dictKey, type Manifest } from './manifest.ts';
import { decodeDictionary, encodeDictionary, seal, unseal } from './records.ts';
import type { SegmentDictionary } from './segment.ts';

/**
 * The stored values of `manifest`'s segments with chunks of about `targetBytes` (a term's postings
 * are never split, so a long list makes a chunk of its own). Returns the new manifest and the
 * values to write; keys of the old chunks that no longer exist are listed in `removed`.
 */
export function rechunkSegments(
  manifest: Manifest,
  read: (key: string) => Uint8Array | undefined,
  targetBytes: number,
): { manifest: Manifest; values: Map<string, Uint8Array>; removed: string[] } {
  const values = new Map<string, Uint8Array>();
  const removed: string[] = [];
  const segments = manifest.segments.map((s) => {
    const dict = decodeDictionary(read(dictKey(s.id)), dictKey(s.id));
    const chunks = Array.from({ length: s.chunks }, (_, k) => unseal(read(chunkKey(s.id, k)), chunkKey(s.id, k)));
    const n = dict.terms.length;
    const out: SegmentDictionary = {
      terms: dict.terms.slice(),
      chunk: new Uint32Array(n),
      offset: new Uint32Array(n),
      count: dict.count.slice(),
      maxWeight: dict.maxWeight.slice(),
    };
    const made: Uint8Array[] = [];
    let parts: Uint8Array[] = [];
    let length = 0;
    const flush = () => {
      const bytes = new Uint8Array(length);
      let at = 0;
      for (const p of parts) {
        bytes.set(p, at);
        at += p.length;
      }
      made.push(bytes);
      parts = [];
      length = 0;
    };
    for (let t = 0; t < n; t++) {
      const chunk = chunks[dict.chunk[t]!]!;
      const end = t + 1 < n && dict.chunk[t + 1] === dict.chunk[t] ? dict.offset[t + 1]! : chunk.length;
      const bytes = chunk.subarray(dict.offset[t]!, end);
      if (length > 0 && length + bytes.length > targetBytes) flush();
      out.chunk[t] = made.length;
      out.offset[t] = length;
      parts.push(bytes);
      length += bytes.length;
    }
    if (length > 0 || made.length === 0) flush();
    made.forEach((bytes, k) => values.set(chunkKey(s.id, k), seal(bytes)));
    for (let k = made.length; k < s.chunks; k++) removed.push(chunkKey(s.id, k));
    values.set(dictKey(s.id), encodeDictionary(out));
    return { ...s, chunks: made.length };
  });
  return { manifest: { ...manifest, segments }, values, removed };
}
