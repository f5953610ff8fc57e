/**
 * Tombstones: a bitmap over document numbers, bit set = removed. Documents are numbered densely
 * across segments (segment by segment), so the bitmap is as long as the index has documents.
 */

export function isRemoved(bits: Uint8Array, doc: number): boolean {
  return ((bits[doc >>> 3] ?? 0) & (1 << (doc & 7))) !== 0;
}

/** Sets the bit of `doc`; returns false when it was already set. */
export function markRemoved(bits: Uint8Array, doc: number): boolean {
  if (isRemoved(bits, doc)) return false;
  bits[doc >>> 3]! |= 1 << (doc & 7);
  return true;
}

/** A copy of `bits` covering `docs` documents (new ones live). */
export function resized(bits: Uint8Array, docs: number): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(Math.ceil(docs / 8));
  out.set(bits.subarray(0, out.length));
  // Bits past the end of a shrunk bitmap's last byte belong to no document.
  if (docs % 8 && out.length) out[out.length - 1]! &= (1 << (docs % 8)) - 1;
  return out;
}

/** Removed documents in [start, end). */
export function countRemoved(bits: Uint8Array, start: number, end: number): number {
  let n = 0;
  for (let doc = start; doc < end; doc++) n += +isRemoved(bits, doc);
  return n;
}

/**
 * The bitmap after documents were renumbered: `moves` lists, in order, ranges of old numbers and
 * where they start now; documents in no range are gone (their numbers were reclaimed).
 */
export function renumbered(
  bits: Uint8Array,
  docs: number,
  moves: readonly { from: number; to: number; length: number }[],
): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(Math.ceil(docs / 8));
  for (const { from, to, length } of moves) {
    for (let k = 0; k < length; k++) if (isRemoved(bits, from + k)) markRemoved(out, to + k);
  }
  return out;
}
