/** CRC-32 (IEEE): every stored value carries one, verified whenever it is read. */

/**
 * Four tables for slicing-by-4: table k maps a byte to its CRC contribution k bytes further on,
 * so the loop folds four bytes per step instead of one (every value written and read is checked,
 * so this is on the path of every commit and every cold query).
 */
const TABLES = (() => {
  const t = new Uint32Array(4 * 256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  for (let n = 0; n < 256; n++) {
    for (let k = 1; k < 4; k++) t[256 * k + n] = (t[256 * (k - 1) + n]! >>> 8) ^ t[t[256 * (k - 1) + n]! & 0xff]!;
  }
  return t;
})();

/** CRC-32 (IEEE) of `bytes`. */
export function crc32(bytes: Uint8Array): number {
  const t = TABLES;
  let c = 0xffffffff;
  let k = 0;
  const n = bytes.length;
  for (const end4 = n - (n % 4); k < end4; k += 4) {
    c ^= bytes[k]! | (bytes[k + 1]! << 8) | (bytes[k + 2]! << 16) | (bytes[k + 3]! << 24);
    c = t[768 + (c & 0xff)]! ^ t[512 + ((c >>> 8) & 0xff)]! ^ t[256 + ((c >>> 16) & 0xff)]! ^ t[c >>> 24]!;
  }
  for (; k < n; k++) c = t[(c ^ bytes[k]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
