/**
 * The cache of graphs built from safetensors (src/model/graph/): a second load of the same weights
 * at the same dtype downloads and converts nothing. An entry is keyed by where the weights live
 * (the weights file's URL or path), the dtype and the graph's tail (graph/tail.ts): its "slot"; it holds a manifest naming each
 * source file's version (ETag over HTTP, SHA-256 for a local file), so an entry whose source changed
 * is rebuilt, and a source that cannot be asked (offline) keeps the entry in use.
 *
 * Stores (the runtime gives one): a folder in Node (src/runtime/node-build-cache.ts: model.onnx and
 * its external data files, which onnxruntime-node loads by path), OPFS or the Cache API in a page
 * (src/runtime/web-build-cache.ts). Each writes an entry so that a reader never sees half of it (the
 * manifest, written last, is the commit) and checks sizes and the graph's checksum when reading: an
 * entry that fails is removed and rebuilt.
 */
import type { ExternalDataFile } from '../runtime/types.ts';
import { GRAPH_TAILS, HEAD_FILE, type GraphTail } from './graph/tail.ts';

/**
 * The manifest's format, and so what a build holds: 2 added the graph's tail (graph/tail.ts) to the
 * slot and the manifest. (The 'hidden' tail came later without a new format: its builds have slots
 * of their own, which no earlier version reads, and a 'hidden' manifest must list the decoder file.) An entry of another format is unreadable: removed and rebuilt, never served,
 * so a graph an earlier version built (which ended in logits) never reaches a session expecting
 * pooled outputs.
 */
export const BUILD_FORMAT = 2;
/** The OPFS folder a page keeps built graphs in (one subfolder per slot). */
export const OPFS_BUILDS_DIR = 'splade-web-builds';

export interface SourceVersion {
  /** Path inside the repository. */
  path: string;
  version: string;
}

export interface BuildManifest {
  format: typeof BUILD_FORMAT;
  /** Names the files of this build (a new build never overwrites the files a manifest names). */
  buildId: string;
  dtype: string;
  /** What the graph ends in: the logits, or SPLADE pooling over them. */
  tail: GraphTail;
  /** The weights files the graph was built from, with their versions then. */
  sources: SourceVersion[];
  architecture: string;
  /** The weights file (or shard index) inside the repository, for messages. */
  weightsFile: string;
  weightBytes: number;
  onnx: { bytes: number; checksum: string };
  /** External data files in the order the store keeps them, named as the graph names them. */
  data: { path: string; bytes: number }[];
}

export interface StoredBuild {
  manifest: BuildManifest;
  onnx: Uint8Array;
  /** The external data in memory (a page: views of one buffer). */
  externalData?: ExternalDataFile[];
  /** The model file, its external data files beside it, for onnxruntime to load by path (Node). */
  modelPath?: string;
}

/** Where built graphs are kept; every method fails soft (undefined), since a cache must never stop a load. */
export interface BuildStore {
  /** 'fs', 'opfs' or 'cache-api'. */
  readonly kind: string;
  /** The manifest kept in `slot`, or undefined (none, or unreadable: then the entry is removed). */
  manifest(slot: string): Promise<BuildManifest | undefined>;
  /** The build `manifest` names, its files checked (sizes, the graph's checksum); a broken entry is removed. */
  load(slot: string, manifest: BuildManifest): Promise<StoredBuild | undefined>;
  /** Keeps a build in `slot` in place of what was there; undefined when it could not be written (quota). */
  save(
    slot: string,
    manifest: BuildManifest,
    onnx: Uint8Array,
    externalData: readonly ExternalDataFile[],
  ): Promise<StoredBuild | undefined>;
}

/** What the build cache needs from a model source (src/model/source.ts provides it). */
export interface BuildCacheAccess {
  readonly builds?: BuildStore | undefined;
  /** Where `path` lives (its URL or file path): with the dtype, it names the cache slot. */
  locate?(path: string): string;
  /** Whether `path` still has `version`; undefined when that cannot be told (offline). */
  isCurrent?(path: string, version: string): Promise<boolean | undefined>;
}

/** A 64-bit FNV-1a hash in hex: names slots and checks the graph's bytes (integrity, not security). */
export function checksum(data: Uint8Array | string): string {
  const bytes = typeof data === 'string' ? new TextEncoder().encode(data) : data;
  let h1 = 0x811c9dc5;
  let h2 = 0x050c5d1f;
  for (let k = 0; k < bytes.length; k++) {
    const b = bytes[k]!;
    h1 = Math.imul(h1 ^ b, 0x01000193);
    h2 = Math.imul(h2 ^ b, 0x01000193) ^ (h1 >>> 15);
  }
  return (h1 >>> 0).toString(16).padStart(8, '0') + (h2 >>> 0).toString(16).padStart(8, '0');
}

export function newBuildId(): string {
  const bytes = new Uint8Array(8);
  globalThis.crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

/** A manifest read back from storage, checked field by field; undefined when it is not one. */
export function parseManifest(text: string): BuildManifest | undefined {
  let m: BuildManifest;
  try {
    m = JSON.parse(text) as BuildManifest;
  } catch {
    return undefined;
  }
  const count = (n: unknown) => Number.isSafeInteger(n) && (n as number) >= 0;
  const name = (s: unknown) => typeof s === 'string' && /^[A-Za-z0-9_.-]+$/.test(s) && !s.startsWith('.');
  const ok =
    typeof m === 'object' &&
    m !== null &&
    m.format === BUILD_FORMAT &&
    name(m.buildId) &&
    typeof m.dtype === 'string' &&
    GRAPH_TAILS.includes(m.tail) &&
    Array.isArray(m.sources) &&
    m.sources.every((s) => typeof s?.path === 'string' && typeof s.version === 'string') &&
    typeof m.architecture === 'string' &&
    typeof m.weightsFile === 'string' &&
    count(m.weightBytes) &&
    count(m.onnx?.bytes) &&
    typeof m.onnx.checksum === 'string' &&
    Array.isArray(m.data) &&
    m.data.every((d) => name(d?.path) && count(d.bytes)) &&
    hasHead(m);
  return ok ? m : undefined;
}

/** A graph that ends at the hidden state is nothing without its decoder (graph/tail.ts 'hidden'). */
function hasHead(m: Pick<BuildManifest, 'tail' | 'data'>): boolean {
  return m.tail !== 'hidden' || m.data.some((d) => d.path === HEAD_FILE);
}

export interface CacheLookup {
  store: BuildStore;
  slot: string;
  /** The entry found for these sources and dtype, files checked. */
  hit?: StoredBuild;
}

/**
 * The cached build of the weights in `paths` (found by `weightsFile`) at `dtype` ending in `tail`,
 * when one is kept and every source file is still the version it was built from (or cannot be asked:
 * offline). Undefined when `files` has no build cache.
 */
export async function findBuild(
  files: BuildCacheAccess,
  weightsFile: string,
  paths: readonly string[],
  dtype: string,
  tail: GraphTail = 'logits',
): Promise<CacheLookup | undefined> {
  const store = files.builds;
  if (!store || !files.locate || !files.isCurrent) return undefined;
  const where = files.locate(weightsFile);
  const slot = checksum(`${where}\u0000${dtype}\u0000${tail}`);
  const manifest = await store.manifest(slot);
  if (!manifest) {
    // Format 1 kept a build per location and dtype: reading that slot's manifest (unreadable now)
    // removes it, so an old build does not stay on disk for ever. Only on a miss: once per build.
    await store.manifest(checksum(`${where}\u0000${dtype}`));
    return { store, slot };
  }
  if (manifest.dtype !== dtype || manifest.tail !== tail) return { store, slot };
  const same = manifest.sources.length === paths.length && manifest.sources.every((s, k) => s.path === paths[k]);
  if (!same) return { store, slot };
  for (const source of manifest.sources) {
    if ((await files.isCurrent(source.path, source.version)) === false) return { store, slot };
  }
  const hit = await store.load(slot, manifest);
  return hit ? { store, slot, hit } : { store, slot };
}

/** Keeps a fresh build in the slot `findBuild` named; undefined when the store could not write it. */
export async function keepBuild(
  lookup: CacheLookup,
  built: {
    onnx: Uint8Array;
    externalData: readonly ExternalDataFile[];
    sources: SourceVersion[];
    dtype: string;
    tail: GraphTail;
    architecture: string;
    weightsFile: string;
    weightBytes: number;
  },
): Promise<StoredBuild | undefined> {
  const manifest: BuildManifest = {
    format: BUILD_FORMAT,
    buildId: newBuildId(),
    dtype: built.dtype,
    tail: built.tail,
    sources: built.sources,
    architecture: built.architecture,
    weightsFile: built.weightsFile,
    weightBytes: built.weightBytes,
    onnx: { bytes: built.onnx.byteLength, checksum: checksum(built.onnx) },
    data: built.externalData.map((f) => ({ path: f.path, bytes: f.data.byteLength })),
  };
  if (!manifest.data.every((d) => /^[A-Za-z0-9_.-]+$/.test(d.path) && !d.path.startsWith('.'))) return undefined;
  if (!hasHead(manifest)) return undefined;
  return lookup.store.save(lookup.slot, manifest, built.onnx, built.externalData);
}
