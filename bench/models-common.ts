/**
 * What `npm run bench:models` measures of one load and one encode, the same way in Node
 * (bench/models-node.ts, onnxruntime-node) and in the page (bench/models.ts, onnxruntime-web): the
 * encoder class is the entry's own, subclassed only to time the session creation of its runtime.
 * Memory is sampled by the callers (process figures in Node, the DevTools protocol in the page).
 */
import type { SparseEncoder } from '../src/encode/encoder.ts';
import type { EncoderOptions } from '../src/encode/types.ts';
import type { MlmRoute } from '../src/model/layout.ts';
import type { LoadProgress } from '../src/model/source.ts';
import type { Runtime } from '../src/runtime/types.ts';

/** Windows longer than this are not run: the GTE and ModernBERT repos say 8192 tokens. */
export const WINDOW_CAP = 512;

/** A runtime whose createBackend (the onnxruntime session, given the built graph) is timed. */
export function timedRuntime(runtime: Runtime): { runtime: Runtime; sessionMs: () => number } {
  let last = 0;
  return {
    runtime: {
      ...runtime,
      async createBackend(...args) {
        const started = performance.now();
        const backend = await runtime.createBackend(...args);
        last = performance.now() - started;
        return backend;
      },
    },
    sessionMs: () => last,
  };
}

export interface LoadFigures {
  /** fromPretrained, start to resolved: downloads, graph build and session. */
  loadMs: number;
  /**
   * The route's build time: opening and reading the weights (from the server or a cache), converting
   * them and writing the graph. 0 when no graph was built (an ONNX file, or a cached build).
   */
  buildMs: number;
  /** From the request of the weights file(s) to the loader's `done` for them. */
  weightsDownloadMs: number;
  /**
   * buildMs less weightsDownloadMs: the build alone, when the weights are downloaded whole before
   * the build starts (with ranged reads the two overlap and this says little).
   */
  graphBuildMs: number;
  /** onnxruntime session creation with the built graph and its external data. */
  sessionMs: number;
  /** Bytes the loader took from the network / from its cache (its progress events). */
  networkBytes: number;
  cacheBytes: number;
  files: number;
  architecture: string | undefined;
  weightBytes: number | undefined;
  /** max_seq_length as the repo says it, and the window the benchmark ran. */
  maxSeqLength: number;
  window: number;
  device: string | undefined;
  threads: number | undefined;
  adapter: string | undefined;
}

type EncoderClass = {
  fromPretrained(source: string, options?: EncoderOptions): Promise<SparseEncoder>;
};

/**
 * Loads `id` through the hub URL layout at `hubUrl`, as an application would, and caps the document
 * window at WINDOW_CAP (the encoder has no option for it: the loaded route's maxSeqLength is set).
 */
export async function loadMeasured(
  encoderClass: EncoderClass,
  sessionMs: () => number,
  id: string,
  options: EncoderOptions,
): Promise<{ encoder: SparseEncoder; figures: LoadFigures }> {
  const files = new Map<string, { initiated: number; done?: number; bytes: number; fromCache: boolean }>();
  const onProgress = (event: LoadProgress) => {
    if (event.status === 'initiate')
      files.set(event.file, { initiated: performance.now(), bytes: 0, fromCache: false });
    if (event.status === 'done') {
      const entry = files.get(event.file);
      if (entry) Object.assign(entry, { done: performance.now(), bytes: event.bytes, fromCache: event.fromCache });
    }
  };
  const started = performance.now();
  const encoder = await encoderClass.fromPretrained(id, { ...options, onProgress });
  const loadMs = performance.now() - started;
  const route = encoder.spec.document as MlmRoute;
  const weightsFile = new RegExp(`^${route.dir ? `${route.dir}/` : ''}model[^/]*\\.safetensors(\\.index\\.json)?$`);
  let firstWeights = Infinity;
  let lastWeights = -Infinity;
  let networkBytes = 0;
  let cacheBytes = 0;
  for (const [path, f] of files) {
    if (f.fromCache) cacheBytes += f.bytes;
    else networkBytes += f.bytes;
    if (weightsFile.test(path) && f.done !== undefined) {
      firstWeights = Math.min(firstWeights, f.initiated);
      lastWeights = Math.max(lastWeights, f.done);
    }
  }
  const weightsDownloadMs = lastWeights > firstWeights ? lastWeights - firstWeights : 0;
  const maxSeqLength = route.maxSeqLength;
  route.maxSeqLength = Math.min(maxSeqLength, WINDOW_CAP);
  const info = encoder.backendInfo;
  return {
    encoder,
    figures: {
      loadMs,
      buildMs: route.built?.buildMs ?? 0,
      weightsDownloadMs,
      graphBuildMs: route.built ? Math.max(0, route.built.buildMs - weightsDownloadMs) : 0,
      sessionMs: sessionMs(),
      networkBytes,
      cacheBytes,
      files: files.size,
      architecture: route.built?.architecture,
      weightBytes: route.built?.weightBytes,
      maxSeqLength,
      window: route.maxSeqLength,
      device: encoder.device,
      threads: info?.threads,
      adapter: info?.adapter ? `${info.adapter.vendor} ${info.adapter.architecture}`.trim() : undefined,
    },
  };
}

export interface EncodeFigures {
  documents: number;
  seconds: number;
  docsPerSec: number;
  /** Untimed warm-up documents encoded first (first-run allocations, shader compilation). */
  warmupDocuments: number;
  warmupSeconds: number;
  batches: number;
  windows: number;
  /** Mean tokens per window (special tokens included). */
  meanTokens: number;
  /** Mean non-zero entries per document vector. */
  meanActive: number;
  /** CPU time of the timed encode, all threads (where the caller can read it). */
  cpuSeconds?: number;
  /** The first document's ten heaviest entries [id, weight], to compare runtimes on the same text. */
  firstTop: [number, number][];
}

/**
 * Encodes `warmup` (untimed), then `texts` in one call, timed; the batches are the encoder's own.
 * `cpuSeconds` reads the process's CPU time, where there is one to read (Node).
 */
export async function encodeMeasured(
  encoder: SparseEncoder,
  texts: string[],
  warmup: string[],
  cpuSeconds?: () => number,
): Promise<EncodeFigures> {
  let started = performance.now();
  if (warmup.length) await encoder.encodeDocument(warmup);
  const warmupSeconds = (performance.now() - started) / 1000;
  const cpuBefore = cpuSeconds?.();
  started = performance.now();
  const vectors = await encoder.encodeDocument(texts);
  const seconds = (performance.now() - started) / 1000;
  const cpu = cpuBefore === undefined ? undefined : cpuSeconds!() - cpuBefore;
  let tokens = 0;
  let windows = 0;
  for (const t of texts)
    for (const w of await encoder.windows(t, 'document')) {
      tokens += w.length;
      windows++;
    }
  return {
    documents: texts.length,
    seconds,
    docsPerSec: texts.length / seconds,
    warmupDocuments: warmup.length,
    warmupSeconds,
    batches: encoder.lastStats.batches,
    windows: encoder.lastStats.windows,
    meanTokens: windows ? tokens / windows : 0,
    meanActive: vectors.reduce((n, v) => n + v.indices.length, 0) / Math.max(1, vectors.length),
    ...(cpu === undefined ? {} : { cpuSeconds: cpu }),
    firstTop: vectors[0] ? topEntries(vectors[0].indices, vectors[0].values, 10) : [],
  };
}

function topEntries(indices: ArrayLike<number>, values: ArrayLike<number>, k: number): [number, number][] {
  const entries: [number, number][] = Array.from({ length: indices.length }, (_, i) => [indices[i]!, values[i]!]);
  return entries.sort((a, b) => b[1] - a[1]).slice(0, k);
}
