/**
 * The build's encoding stage: every section's vector, from the vector cache where an earlier build
 * with the same model encoded the same text, else by the model (onnxruntime-node), in units of
 * `batchSize` texts with progress. Each distinct text is encoded once, however many sections repeat
 * it. With `jobs` > 1 the units are encoded on worker threads (encode-pool.ts), one encoder each;
 * a unit is the same encoder call wherever it runs (encode-units.ts), so the vectors are the
 * single-thread path's, bit for bit.
 */
import { availableParallelism } from 'node:os';
import { SpladeError, throwIfAborted } from '../errors.ts';
import type { SparseEncoder } from '../node.ts';
import { encodeOnWorkers, type WorkerModel } from './encode-pool.ts';
import { ENCODE_CALL, unitsOf } from './encode-units.ts';
import { modelKeyOf } from './model-key.ts';
import { VectorCache } from './vector-cache.ts';

export interface EncodeOptions {
  /** The vector cache's folder. */
  cacheDir: string;
  /** Texts per encoder call, between progress reports (default 64). */
  batchSize?: number;
  /**
   * Encoders at work at once (default 1: `encoder`, in this thread). More are worker threads that
   * load `model` themselves, each with onnxruntime on `threads` intra-op threads; `encoder`'s session
   * is released first (its model then lives once per worker; its spec stays readable). No more
   * workers start than there are units of `batchSize` texts to encode; a single unit is encoded in
   * this thread (a worker would first have to load the model).
   */
  jobs?: number;
  /** How a worker loads the model `encoder` was loaded from (needed when `jobs` > 1). */
  model?: WorkerModel;
  /** onnxruntime intra-op threads per worker (default: the cores divided among the workers, at least 1). */
  threads?: number;
  signal?: AbortSignal;
  log: (line: string) => void;
  progress?: ((done: number, total: number) => void) | undefined;
}

export interface EncodedSections {
  /** Every section text's vector (cache.get(text)); save() it once the build is in place. */
  cache: VectorCache;
  /** Distinct texts encoded now. */
  encoded: number;
  /** Sections whose vector a previous build left in the cache (repeated texts within the site are not). */
  reused: number;
  seconds: number;
  /** Worker threads that encoded (0: this thread did). */
  workers: number;
}

/**
 * How many encoders a build runs unless told otherwise (--jobs). One per core where the model's
 * [batch, tokens, vocab] logits come back to JS to be pooled (ONNX files, the bundled model): that
 * JS, tokenizing and onnxruntime's serial parts keep one thread busy while the second core mostly
 * idles (bench:build, 2 cores: 1.95x one core's rate, 1.68x the main thread with onnxruntime's
 * default threads). One where the graph pools itself (a graph built from safetensors, on the CPU):
 * onnxruntime's own intra-op threads keep the cores busy already, and a worker per core only adds a
 * copy of the model (2 cores: 1.00x the rate at 1.9x the peak RSS, 6.0 vs 3.2 GiB, for a 527 MB GTE).
 */
export function defaultJobs(encoder: SparseEncoder): number {
  const d = encoder.spec.document;
  const pooledInGraph = d.kind === 'mlm' && d.built !== undefined && d.built.tail !== 'logits';
  return pooledInGraph ? 1 : availableParallelism();
}

/** Vectors of `texts` (the sections' texts, repeats included) by `encoder`. */
export async function encodeSections(
  encoder: SparseEncoder,
  texts: readonly string[],
  options: EncodeOptions,
): Promise<EncodedSections> {
  const modelKey = modelKeyOf(encoder);
  const cache = await VectorCache.open(options.cacheDir, modelKey);
  const missing = [...new Set(texts.filter((t) => !cache.has(t)))];
  const reused = texts.filter((t) => cache.has(t)).length;
  const started = performance.now();
  const units = unitsOf(missing, Math.max(1, options.batchSize ?? 64));
  const workers = Math.min(options.jobs ?? 1, units.length);
  if (workers > 1) {
    if (!options.model)
      throw new SpladeError('invalid-option', 'encoding on worker threads (jobs > 1) needs the model source to load');
    // The workers hold the model from here on; this thread's session would only sit on its memory.
    await encoder.dispose();
    let done = 0;
    await encodeOnWorkers(
      missing,
      units,
      {
        model: options.model,
        workers,
        threads: options.threads ?? Math.max(1, Math.floor(availableParallelism() / workers)),
        modelKey,
        signal: options.signal,
      },
      (unit, vectors) => {
        for (let k = unit.start; k < unit.end; k++) cache.set(missing[k]!, vectors[k - unit.start]!);
        done += unit.end - unit.start;
        options.progress?.(done, missing.length);
      },
    );
  } else {
    for (const unit of units) {
      throwIfAborted(options.signal);
      const part = missing.slice(unit.start, unit.end);
      const vectors = await encoder.encodeDocument(part, {
        ...ENCODE_CALL,
        ...(options.signal ? { signal: options.signal } : {}),
      });
      part.forEach((t, j) => cache.set(t, vectors[j]!));
      options.progress?.(unit.end, missing.length);
    }
  }
  const seconds = (performance.now() - started) / 1000;
  if (missing.length) {
    const rate = (missing.length / Math.max(seconds, 1e-9)).toFixed(1);
    const repeats = texts.length - reused - missing.length;
    const repeating = repeats ? `, ${repeats} repeating another section's text` : '';
    const threads = workers > 1 ? ` on ${workers} threads` : '';
    options.log(
      `encoded ${missing.length} sections${threads} in ${seconds.toFixed(1)} s (${rate}/s); ${reused} from the cache${repeating}`,
    );
  } else options.log(`all ${texts.length} sections from the cache (nothing changed)`);
  return { cache, encoded: missing.length, reused, seconds, workers: workers > 1 ? workers : 0 };
}
