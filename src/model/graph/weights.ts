/**
 * The weights of a transformer folder by Hugging Face tensor name, from `model.safetensors` or from
 * `model.safetensors.index.json` and its shards, as the graph builder's WeightSource.
 *
 * - Headers are read when the source opens (names, dtypes, shapes, byte ranges), so the builder
 *   checks every tensor it asks for before any data is converted; data is converted to float32
 *   one tensor at a time in `read()` (F32 little-endian stays a view of the bytes read when
 *   aligned: no second copy; F16 and BF16 are converted exactly, F64 rounded).
 * - Where the source reads by range (HTTP Range requests, a local file handle: ModelFiles.open),
 *   only the 8-byte header length and the header are read at open, then each tensor's bytes when
 *   it is asked for (tensor-reader.ts groups neighbours into a few requests), so no copy of the
 *   whole file is ever held beside the converted weights. Other sources are read whole.
 * - Legacy names: a missing `x.weight` / `x.bias` is looked up as `x.gamma` / `x.beta` (old
 *   TensorFlow-converted LayerNorms). Buffers such as `position_ids` (I64) are listed but never read.
 * - A truncated file (a tensor's byte range past the end) fails at open, naming the file, the tensor
 *   and the byte range; a shard named by the index but missing names the shard.
 */
import { SpladeError } from '../../errors.ts';
import { memoryFile, type RangedFile } from '../ranged.ts';
import type { ModelFiles } from '../source.ts';
import type { WeightOptions, WeightSource } from './core.ts';
import { TensorReader } from './tensor-reader.ts';

/** Bytes per element of each safetensors dtype (only F32, F16, BF16 and F64 can be read as weights). */
const DTYPE_BYTES: Readonly<Record<string, number>> = {
  F64: 8,
  F32: 4,
  F16: 2,
  BF16: 2,
  I64: 8,
  I32: 4,
  I16: 2,
  I8: 1,
  U8: 1,
  BOOL: 1,
};
const FLOAT_DTYPES = ['F32', 'F16', 'BF16', 'F64'];
const MAX_HEADER_BYTES = 100 * 1024 * 1024;

export interface TensorEntry {
  dtype: string;
  shape: number[];
  /** Path of the file inside the repository. */
  file: string;
  /** Absolute byte range [begin, end) inside the file. */
  begin: number;
  end: number;
}

/** Parses a safetensors header and checks every tensor's byte range against the file's length. */
export function parseSafetensorsHeader(bytes: Uint8Array, file: string): Map<string, TensorEntry> {
  const headerLength = safetensorsHeaderLength(bytes.subarray(0, 8), bytes.byteLength, file);
  return parseHeaderJson(bytes.subarray(8, 8 + headerLength), bytes.byteLength, file);
}

function invalid(file: string, what: string): never {
  throw new SpladeError('model-file-invalid', `${file} is not a valid safetensors file: ${what}`, { file });
}

/** The header's length from a file's first 8 bytes, checked against the file's `size`. */
export function safetensorsHeaderLength(first: Uint8Array, size: number, file: string): number {
  if (size < 8 || first.byteLength < 8) invalid(file, `it has ${size} bytes, fewer than the 8-byte header length`);
  const headerLength = Number(new DataView(first.buffer, first.byteOffset, 8).getBigUint64(0, true));
  if (headerLength > MAX_HEADER_BYTES || 8 + headerLength > size) {
    invalid(file, `the header claims bytes 8..${8 + headerLength} but the file has ${size} bytes (truncated?)`);
  }
  return headerLength;
}

/** The tensors a header (the JSON after the length) lists, their byte ranges checked against `size`. */
export function parseHeaderJson(json: Uint8Array, size: number, file: string): Map<string, TensorEntry> {
  const fail = (what: string): never => invalid(file, what);
  const headerLength = json.byteLength;
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(json));
  } catch (cause) {
    return fail(`the header is not UTF-8 JSON (${(cause as Error).message})`);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header))
    return fail('the header is not an object');
  const dataStart = 8 + headerLength;
  const entries = new Map<string, TensorEntry>();
  for (const [name, raw] of Object.entries(header as Record<string, unknown>)) {
    if (name === '__metadata__') continue;
    const { dtype, shape, data_offsets: offsets } = (raw ?? {}) as Record<string, unknown>;
    if (typeof dtype !== 'string' || !(dtype in DTYPE_BYTES))
      fail(`tensor "${name}" has dtype ${JSON.stringify(dtype)}; known: ${Object.keys(DTYPE_BYTES).join(', ')}`);
    if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 0))
      fail(`tensor "${name}" has an invalid shape ${JSON.stringify(shape)}`);
    if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((o) => Number.isInteger(o) && o >= 0))
      fail(`tensor "${name}" has invalid data_offsets ${JSON.stringify(offsets)}`);
    const [from, to] = offsets as [number, number];
    const dims = shape as number[];
    const needed = dims.reduce((a, b) => a * b, 1) * DTYPE_BYTES[dtype as string]!;
    if (to - from !== needed)
      fail(`tensor "${name}" [${dims.join(', ')}] ${dtype} needs ${needed} bytes but data_offsets span ${to - from}`);
    const begin = dataStart + from;
    const end = dataStart + to;
    if (end > size) {
      throw new SpladeError(
        'model-file-invalid',
        `${file} is truncated: tensor "${name}" needs bytes ${begin}..${end} but the file has ${size} bytes`,
        { file },
      );
    }
    entries.set(name, { dtype: dtype as string, shape: dims, file, begin, end });
  }
  return entries;
}

let halfTable: Uint32Array | undefined;

/** float32 bit patterns of all 65536 float16 values (exact: every f16 is representable in f32). */
function halfToFloatTable(): Uint32Array {
  if (halfTable) return halfTable;
  halfTable = new Uint32Array(65536);
  for (let h = 0; h < 65536; h++) {
    const sign = (h & 0x8000) << 16;
    const exponent = (h >> 10) & 0x1f;
    let mantissa = h & 0x3ff;
    let bits: number;
    if (exponent === 0x1f)
      bits = sign | 0x7f800000 | (mantissa << 13); // inf / NaN, payload kept
    else if (exponent !== 0) bits = sign | ((exponent + 112) << 23) | (mantissa << 13);
    else if (mantissa === 0)
      bits = sign; // ±0
    else {
      // Subnormal: shift the mantissa up until its leading 1 is the implicit bit.
      let e = 113;
      while ((mantissa & 0x400) === 0) {
        mantissa <<= 1;
        e--;
      }
      bits = sign | (e << 23) | ((mantissa & 0x3ff) << 13);
    }
    halfTable[h] = bits >>> 0;
  }
  return halfTable;
}

/** Little-endian F32 / F16 / BF16 / F64 element bytes as float32. */
export function toFloat32(raw: Uint8Array, dtype: string): Float32Array {
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  if (dtype === 'F32') {
    if (raw.byteOffset % 4 === 0) return new Float32Array(raw.buffer, raw.byteOffset, raw.byteLength / 4);
    return new Float32Array(raw.slice().buffer);
  }
  if (dtype === 'F16' || dtype === 'BF16') {
    const count = raw.byteLength / 2;
    const out = new Uint32Array(count);
    if (dtype === 'F16') {
      const table = halfToFloatTable();
      for (let k = 0; k < count; k++) out[k] = table[view.getUint16(2 * k, true)]!;
    } else for (let k = 0; k < count; k++) out[k] = view.getUint16(2 * k, true) << 16;
    return new Float32Array(out.buffer);
  }
  if (dtype === 'F64') return Float32Array.from({ length: raw.byteLength / 8 }, (_, k) => view.getFloat64(8 * k, true));
  throw new Error(`toFloat32: dtype ${dtype} is not a float type`);
}

/** A weights file as read: its reads by range (`reader`: a TensorReader over HTTP or a file handle). */
interface OpenedFile {
  file: RangedFile;
  reader: TensorReader | RangedFile;
  /** Copy tensors out of what `reader` returns (a view would keep a whole file in memory alive). */
  copyOut: boolean;
}

export class SafetensorsWeights implements WeightSource {
  private constructor(
    readonly description: string,
    /** The file the weights were found by: `model.safetensors` or the shard index. */
    readonly sourceFile: string,
    private readonly entries: Map<string, TensorEntry>,
    /** Each file's bytes, by range. */
    private readonly files: Map<string, OpenedFile>,
  ) {}

  /**
   * Weights from already-read files (path -> bytes); each file's header is checked. `sourceFile`
   * (default: the first file) is the file they were found by.
   */
  static fromFiles(
    description: string,
    files: ReadonlyMap<string, Uint8Array>,
    sourceFile?: string,
  ): SafetensorsWeights {
    const entries = new Map<string, TensorEntry>();
    const opened = new Map<string, OpenedFile>();
    for (const [file, bytes] of files) {
      for (const [name, e] of parseSafetensorsHeader(bytes, file)) entries.set(name, e);
      const whole = memoryFile(file, bytes);
      opened.set(file, { file: whole, reader: whole, copyOut: false }); // the caller holds the bytes anyway
    }
    return new SafetensorsWeights(description, sourceFile ?? [...files.keys()][0] ?? '', entries, opened);
  }

  /**
   * The weights of folder `dir` (`''` for the repository root): `model.safetensors.index.json` and
   * its shards, else `model.safetensors`; undefined when the folder has neither.
   */
  static async open(files: ModelFiles, dir: string): Promise<SafetensorsWeights | undefined> {
    const { sourceFile, paths, sharded } = await weightFilesOf(files, dir);
    const description = `${files.description}${dir ? `/${dir}` : ''}`;
    if (!files.open) {
      const read = new Map<string, Uint8Array>();
      for (const path of paths) {
        const bytes = await files.read(path);
        if (!bytes) return sharded ? missingShard(files, sourceFile, path) : undefined;
        read.set(path, bytes);
      }
      return SafetensorsWeights.fromFiles(description, read, sourceFile);
    }
    // By range: each file's length and header now, its tensors when the builder asks for them.
    const entries = new Map<string, TensorEntry>();
    const opened = new Map<string, OpenedFile>();
    try {
      for (const path of paths) {
        const file = await files.open(path);
        if (!file) return sharded ? missingShard(files, sourceFile, path) : undefined;
        // A whole file in memory (a host without Range support): tensors are copied out of it, since
        // a view would keep all of it alive beside the converted weights.
        opened.set(path, { file, reader: file, copyOut: file.inMemory === true });
        const headerLength = safetensorsHeaderLength(await file.read(0, Math.min(8, file.size)), file.size, path);
        const found = parseHeaderJson(await file.read(8, 8 + headerLength), file.size, path);
        for (const [name, e] of found) entries.set(name, e);
        const floats = [...found.values()].filter((e) => FLOAT_DTYPES.includes(e.dtype));
        if (!file.inMemory) opened.set(path, { file, reader: new TensorReader(file, floats), copyOut: false });
      }
    } catch (error) {
      await Promise.all([...opened.values()].map(({ file }) => file.close().catch(() => {})));
      throw error;
    }
    return new SafetensorsWeights(description, sourceFile, entries, opened);
  }

  /** Each weights file with its version (ETag, content hash); undefined when a file has none. */
  async versions(): Promise<{ path: string; version: string }[] | undefined> {
    const versions: { path: string; version: string }[] = [];
    for (const [path, { file }] of this.files) {
      const version = await file.version();
      if (version === undefined) return undefined;
      versions.push({ path, version });
    }
    return versions;
  }

  /** Ends the reads (file handles closed, downloads reported done). */
  async close(): Promise<void> {
    await Promise.all([...this.files.values()].map(({ file }) => file.close()));
  }

  /** The stored name `name` resolves to (legacy gamma/beta), or undefined. */
  private resolve(name: string): string | undefined {
    if (this.entries.has(name)) return name;
    const legacy = name.replace(/\.weight$/, '.gamma').replace(/\.bias$/, '.beta');
    return legacy !== name && this.entries.has(legacy) ? legacy : undefined;
  }

  /** Every stored tensor name (for messages and tests). */
  names(): string[] {
    return [...this.entries.keys()];
  }

  shape(name: string): readonly number[] | undefined {
    const stored = this.resolve(name);
    return stored === undefined ? undefined : this.entries.get(stored)!.shape;
  }

  fileOf(name: string): string | undefined {
    const stored = this.resolve(name);
    return stored === undefined ? undefined : this.entries.get(stored)!.file;
  }

  /** The stored dtype of `name` (F32, F16, BF16 …). */
  dtype(name: string): string | undefined {
    const stored = this.resolve(name);
    return stored === undefined ? undefined : this.entries.get(stored)!.dtype;
  }

  async read(name: string): Promise<Float32Array> {
    const stored = this.resolve(name);
    const entry = stored === undefined ? undefined : this.entries.get(stored);
    if (!entry) {
      throw new SpladeError(
        'model-file-invalid',
        `tensor "${name}" is missing from the weights of ${this.description}`,
      );
    }
    if (!FLOAT_DTYPES.includes(entry.dtype)) {
      throw new SpladeError(
        'model-file-invalid',
        `tensor "${stored}" in ${entry.file} is ${entry.dtype}; weights must be one of ${FLOAT_DTYPES.join(', ')}`,
        { file: entry.file },
      );
    }
    const { reader, copyOut } = this.files.get(entry.file)!;
    const data = toFloat32(await reader.read(entry.begin, entry.end), entry.dtype);
    return copyOut && data.buffer.byteLength > data.byteLength ? data.slice() : data;
  }
}

/**
 * The weights files of folder `dir`: the shards `model.safetensors.index.json` names (`sharded`),
 * else `model.safetensors` (which may not exist: opening it tells).
 */
export async function weightFilesOf(
  files: ModelFiles,
  dir: string,
): Promise<{ sourceFile: string; paths: string[]; sharded: boolean }> {
  const indexFile = join(dir, 'model.safetensors.index.json');
  const index = await files.read(indexFile);
  if (!index)
    return { sourceFile: join(dir, 'model.safetensors'), paths: [join(dir, 'model.safetensors')], sharded: false };
  return { sourceFile: indexFile, paths: shardsOf(index, indexFile).map((shard) => join(dir, shard)), sharded: true };
}

function missingShard(files: ModelFiles, indexFile: string, path: string): never {
  const dir = indexFile.slice(0, indexFile.lastIndexOf('/') + 1);
  throw new SpladeError(
    'model-not-found',
    `${indexFile} names the shard ${path.slice(dir.length)}, but ${path} is missing from ${files.description}`,
    { file: path },
  );
}

/** The distinct shard files of a `model.safetensors.index.json`, in first-use order. */
function shardsOf(bytes: Uint8Array, file: string): string[] {
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder().decode(bytes));
  } catch (cause) {
    throw new SpladeError('model-file-invalid', `${file} is not valid JSON (${(cause as Error).message})`, {
      file,
      cause,
    });
  }
  const map = (json as { weight_map?: unknown } | null)?.weight_map;
  const shards = typeof map === 'object' && map !== null ? Object.values(map) : [];
  if (shards.length === 0 || !shards.every((s) => typeof s === 'string' && s !== '' && !s.includes('..'))) {
    throw new SpladeError(
      'model-file-invalid',
      `${file} must have a "weight_map" object from tensor names to shard files in the same folder`,
      { file },
    );
  }
  return [...new Set(shards as string[])];
}

function join(dir: string, file: string): string {
  return dir === '' ? file : `${dir.replace(/\/+$/, '')}/${file}`;
}

/** Applies `rows` then `transpose` to a weight read from the file. */
export function shapeWeight(data: Float32Array, stored: readonly number[], options: WeightOptions): Float32Array {
  const cols = stored.slice(1).reduce((a, b) => a * b, 1);
  let rows = stored[0] ?? 1;
  let out = data;
  if (options.rows) {
    out = out.subarray(options.rows[0] * cols, options.rows[1] * cols);
    rows = options.rows[1] - options.rows[0];
  }
  if (options.transpose) {
    const t = new Float32Array(out.length);
    for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) t[c * rows + r] = out[r * cols + c]!;
    out = t;
  }
  return out;
}
