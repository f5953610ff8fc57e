/**
 * The stored form of every value of an index, as bytes: the one format that every store (IndexedDB,
 * files written by Node, a static host read over HTTP) holds unchanged. Pure code, no I/O.
 *
 * Each value is sealed: a little-endian u32 CRC-32 of the payload, then the payload. A reader that
 * unseals a value has either the bytes that were written or an `index-corrupt` error naming the key.
 */
import { SpladeError } from '../../errors.ts';
import { crc32 } from './checksum.ts';
import type { SegmentDictionary } from './segment.ts';

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

/** The payload with its checksum in front. */
export function seal(payload: Uint8Array, crc = crc32(payload)): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(4 + payload.byteLength);
  new DataView(out.buffer).setUint32(0, crc, true);
  out.set(payload, 4);
  return out;
}

/** How a damaged or missing value is reported, everywhere the same. */
export function corrupt(key: string, what: string): SpladeError {
  return new SpladeError(
    'index-corrupt',
    `the stored index is damaged: ${key} ${what}. Results would be wrong, so none are returned; SparseIndex.repair(name) rebuilds what the stored documents allow`,
    { file: key },
  );
}

/** The payload of a sealed value, checked; a view into `stored` (no copy). */
export function unseal(stored: unknown, key: string): Uint8Array {
  if (!(stored instanceof Uint8Array) || stored.byteLength < 4)
    throw corrupt(key, stored === undefined ? 'is missing' : 'is not a stored value of this format');
  const payload = stored.subarray(4);
  const crc = new DataView(stored.buffer, stored.byteOffset, 4).getUint32(0, true);
  if (crc32(payload) !== crc) throw corrupt(key, 'fails its checksum');
  return payload;
}

export function sealJson(value: unknown): Uint8Array<ArrayBuffer> {
  return seal(encoder.encode(JSON.stringify(value)));
}

export function unsealJson<T>(stored: unknown, key: string): T {
  const payload = unseal(stored, key);
  try {
    return JSON.parse(decoder.decode(payload)) as T;
  } catch {
    throw corrupt(key, 'is not valid JSON');
  }
}

/** Typed-array views over `bytes` at `at` when aligned, copies otherwise. */
function u32At(bytes: Uint8Array, at: number, n: number): Uint32Array {
  const offset = bytes.byteOffset + at;
  return offset % 4 === 0
    ? new Uint32Array(bytes.buffer, offset, n)
    : new Uint32Array(bytes.slice(at, at + 4 * n).buffer);
}
function f32At(bytes: Uint8Array, at: number, n: number): Float32Array {
  const offset = bytes.byteOffset + at;
  return offset % 4 === 0
    ? new Float32Array(bytes.buffer, offset, n)
    : new Float32Array(bytes.slice(at, at + 4 * n).buffer);
}
function bytesOf(a: Uint32Array | Float32Array | Uint8Array): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}

/** A dictionary: u32 n, then terms, chunk, offset, count (u32 each) and maxWeight (f32), n of each. */
export function encodeDictionary(d: SegmentDictionary): Uint8Array<ArrayBuffer> {
  const n = d.terms.length;
  const payload = new Uint8Array(4 + 20 * n);
  new DataView(payload.buffer).setUint32(0, n, true);
  [d.terms, d.chunk, d.offset, d.count, d.maxWeight].forEach((a, k) => payload.set(bytesOf(a), 4 + 4 * n * k));
  return seal(payload);
}

export function decodeDictionary(stored: unknown, key: string): SegmentDictionary {
  const p = unseal(stored, key);
  const n = p.byteLength >= 4 ? new DataView(p.buffer, p.byteOffset, 4).getUint32(0, true) : -1;
  if (n < 0 || p.byteLength !== 4 + 20 * n) throw corrupt(key, 'has the wrong length for a dictionary');
  return {
    terms: u32At(p, 4, n),
    chunk: u32At(p, 4 + 4 * n, n),
    offset: u32At(p, 4 + 8 * n, n),
    count: u32At(p, 4 + 12 * n, n),
    maxWeight: f32At(p, 4 + 16 * n, n),
  };
}

/** A stored document: its id, text, fields and, when kept, its exact vector and explanation data. */
export interface DocRecord {
  id: string;
  text: string;
  fields: Record<string, unknown>;
  /** The exact vector (absent when the index keeps no vectors). */
  indices?: Uint32Array;
  values?: Float32Array;
  /**
   * Per vector entry, the [start, end) of the text span whose token produced its weight (vector.ts NO_SPAN
   * when none did, e.g. a special token), and whether the entry's term occurs in the text itself.
   */
  spans?: Uint32Array;
  literal?: Uint8Array;
}

/**
 * A document record: u32 length of a JSON header ({id, text, fields, nnz, vector, spans}), the
 * header, padding to 4 bytes, then indices (u32), values (f32), spans (2 u32) and literal flags (u8).
 */
export function encodeDocRecord(r: DocRecord): Uint8Array<ArrayBuffer> {
  const hasVector = r.indices !== undefined && r.values !== undefined;
  const hasSpans = r.spans !== undefined && r.literal !== undefined;
  const n = hasVector ? r.indices!.length : hasSpans ? r.literal!.length : 0;
  if (hasVector && r.values!.length !== n)
    throw new SpladeError('invalid-input', `document "${r.id}": a vector needs as many values as indices`);
  if (hasSpans && (r.spans!.length !== 2 * n || r.literal!.length !== n))
    throw new SpladeError(
      'invalid-input',
      `document "${r.id}": spans need two offsets and one literal flag per vector entry`,
    );
  const header = encoder.encode(
    JSON.stringify({ id: r.id, text: r.text, fields: r.fields, nnz: n, vector: hasVector, spans: hasSpans }),
  );
  const aligned = (4 + header.byteLength + 3) & ~3;
  const payload = new Uint8Array(aligned + (hasVector ? 8 * n : 0) + (hasSpans ? 9 * n : 0));
  new DataView(payload.buffer).setUint32(0, header.byteLength, true);
  payload.set(header, 4);
  let at = aligned;
  if (hasVector) {
    payload.set(bytesOf(r.indices!), at);
    payload.set(bytesOf(r.values!), at + 4 * n);
    at += 8 * n;
  }
  if (hasSpans) {
    payload.set(bytesOf(r.spans!), at);
    payload.set(r.literal!, at + 8 * n);
  }
  return seal(payload);
}

export function decodeDocRecord(stored: unknown, key: string): DocRecord {
  const p = unseal(stored, key);
  const view = new DataView(p.buffer, p.byteOffset, p.byteLength);
  const headerLength = p.byteLength >= 4 ? view.getUint32(0, true) : Infinity;
  if (4 + headerLength > p.byteLength) throw corrupt(key, 'is too short for a document record');
  let header: {
    id: string;
    text: string;
    fields: Record<string, unknown>;
    nnz: number;
    vector: boolean;
    spans: boolean;
  };
  try {
    header = JSON.parse(decoder.decode(p.subarray(4, 4 + headerLength)));
  } catch {
    throw corrupt(key, 'has an unreadable header');
  }
  const n = header.nnz;
  let at = (4 + headerLength + 3) & ~3;
  if (at + (header.vector ? 8 * n : 0) + (header.spans ? 9 * n : 0) !== p.byteLength)
    throw corrupt(key, 'has the wrong length for its vector');
  const record: DocRecord = { id: header.id, text: header.text, fields: header.fields };
  if (header.vector) {
    record.indices = u32At(p, at, n);
    record.values = f32At(p, at + 4 * n, n);
    at += 8 * n;
  }
  if (header.spans) {
    record.spans = u32At(p, at, 2 * n);
    record.literal = p.subarray(at + 8 * n, at + 9 * n);
  }
  return record;
}

/** A tombstone bitmap, stored as it is (sealed). */
export function encodeBits(bits: Uint8Array): Uint8Array<ArrayBuffer> {
  return seal(bits);
}

export function decodeBits(stored: unknown, key: string): Uint8Array {
  return unseal(stored, key);
}
