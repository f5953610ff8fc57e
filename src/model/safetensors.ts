/**
 * A strict reader for the safetensors format: 8-byte little-endian header length, a JSON header
 * mapping tensor names to {dtype, shape, data_offsets}, then the raw little-endian data.
 * Every size claim in the header is checked against the bytes we actually have, because a header
 * that lies would otherwise make us read garbage or out of bounds.
 */
import { SpladeError } from '../errors.ts';

export interface Tensor {
  dtype: string;
  shape: number[];
  data: Float32Array;
}

const DTYPE_BYTES: Record<string, number> = { F32: 4, F16: 2, BF16: 2, F64: 8 };
const MAX_HEADER_BYTES = 100 * 1024 * 1024;

export function readSafetensors(bytes: Uint8Array, file: string): Map<string, Tensor> {
  const fail = (what: string): never => {
    throw new SpladeError('model-file-invalid', `${file} is not a valid safetensors file: ${what}`, { file });
  };
  if (bytes.byteLength < 8) fail(`it has ${bytes.byteLength} bytes, fewer than the 8-byte header length`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = Number(view.getBigUint64(0, true));
  if (headerLength > MAX_HEADER_BYTES || 8 + headerLength > bytes.byteLength) {
    fail(`the header claims ${headerLength} bytes but the file has ${bytes.byteLength - 8} after the length field`);
  }
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + headerLength)));
  } catch (cause) {
    return fail(`the header is not UTF-8 JSON (${(cause as Error).message})`);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) fail('the header is not a JSON object');
  const dataStart = 8 + headerLength;
  const dataLength = bytes.byteLength - dataStart;
  const tensors = new Map<string, Tensor>();
  for (const [name, entry] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    const {
      dtype,
      shape,
      data_offsets: offsets,
    } = (entry ?? {}) as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    if (typeof dtype !== 'string' || !(dtype in DTYPE_BYTES))
      fail(`tensor "${name}" has dtype ${JSON.stringify(dtype)}; accepted: ${Object.keys(DTYPE_BYTES).join(', ')}`);
    if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 0))
      fail(`tensor "${name}" has an invalid shape ${JSON.stringify(shape)}`);
    if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((o) => Number.isInteger(o) && o >= 0))
      fail(`tensor "${name}" has invalid data_offsets ${JSON.stringify(offsets)}`);
    const [begin, end] = offsets as [number, number];
    const count = (shape as number[]).reduce((a, b) => a * b, 1);
    const expected = count * DTYPE_BYTES[dtype as string]!;
    if (end < begin || end > dataLength)
      fail(`tensor "${name}" claims bytes ${begin}..${end} but only ${dataLength} data bytes exist`);
    if (end - begin !== expected)
      fail(
        `tensor "${name}" of shape [${(shape as number[]).join(', ')}] ${dtype} needs ${expected} bytes but data_offsets span ${end - begin}`,
      );
    tensors.set(name, {
      dtype: dtype as string,
      shape: shape as number[],
      data: toFloat32(bytes.subarray(dataStart + begin, dataStart + end), dtype as string, count),
    });
  }
  return tensors;
}

function toFloat32(raw: Uint8Array, dtype: string, count: number): Float32Array {
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const out = new Float32Array(count);
  for (let k = 0; k < count; k++) {
    if (dtype === 'F32') out[k] = view.getFloat32(4 * k, true);
    else if (dtype === 'F64') out[k] = view.getFloat64(8 * k, true);
    else if (dtype === 'BF16') out[k] = bf16ToFloat(view.getUint16(2 * k, true));
    else out[k] = f16ToFloat(view.getUint16(2 * k, true));
  }
  return out;
}

const scratch = new DataView(new ArrayBuffer(4));
function bf16ToFloat(bits: number): number {
  scratch.setUint32(0, bits << 16);
  return scratch.getFloat32(0);
}

export function f16ToFloat(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exp = (bits >> 10) & 0x1f;
  const frac = bits & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 31) return frac ? NaN : sign * Infinity;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

/** Writes a safetensors file (used by tests to build good and deliberately broken files). */
export function writeSafetensors(tensors: Record<string, { shape: number[]; data: Float32Array }>): Uint8Array {
  const header: Record<string, unknown> = {};
  let offset = 0;
  for (const [name, t] of Object.entries(tensors)) {
    header[name] = { dtype: 'F32', shape: t.shape, data_offsets: [offset, offset + t.data.byteLength] };
    offset += t.data.byteLength;
  }
  const json = new TextEncoder().encode(JSON.stringify(header));
  const out = new Uint8Array(8 + json.byteLength + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.byteLength), true);
  out.set(json, 8);
  let at = 8 + json.byteLength;
  for (const t of Object.values(tensors)) {
    out.set(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength), at);
    at += t.data.byteLength;
  }
  return out;
}
