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
  signal?: AbortSignal | undefined;
  /**
   * Milliseconds between writes of what has been encoded so far to the cache (default 5 minutes;
   * 0: only at the end). A failed or stopped encode writes it too, so a rerun starts where it stopped.
   */
  checkpointEvery?: number;
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
  throwIfAborted(options.signal);
  const checkpoint = new Checkpoint(cache, texts, options.checkpointEvery ?? 5 * 60_000);
  try {
    return await encodeMissing(encoder, texts, missing, reused, cache, checkpoint, options, modelKey, started);
  } catch (error) {
    // A large site's encode runs for an hour or more: a failure or a stop (Ctrl-C, a killed worker)
    // keeps the vectors encoded so far, so the next build encodes only the rest.
    await checkpoint.write(true);
    throw error;
  } finally {
    await checkpoint.settled();
  }
}

async function encodeMissing(
  encoder: SparseEncoder,
  texts: readonly string[],
  missing: readonly string[],
  reused: number,
  cache: VectorCache,
  checkpoint: Checkpoint,
  options: EncodeOptions,
  modelKey: string,
  started: number,
): Promise<EncodedSections> {
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
        checkpoint.due();
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
      checkpoint.due();
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

/**
 * Writes the vectors encoded so far to the cache now and then, one write at a time, without holding
 * up the encode. The interval grows with the write's own time (at least 20 times it), so a cache of a
 * large site (tens of MB of JSON) never takes more than a small share of the build.
 */
class Checkpoint {
  private last = performance.now();
  private writing: Promise<void> | undefined;
  private cost = 0;

  constructor(
    private readonly cache: VectorCache,
    private readonly texts: readonly string[],
    private readonly every: number,
  ) {}

  /** Starts a write when one is due. */
  due(): void {
    if (this.every <= 0 || this.writing) return;
    if (performance.now() - this.last < Math.max(this.every, 20 * this.cost)) return;
    void this.write(false);
  }

  /** Writes now (after any write under way); `final` writes even when checkpoints are off. */
  async write(final: boolean): Promise<void> {
    if (!final && this.every <= 0) return;
    await this.settled();
    const begun = performance.now();
    this.writing = this.cache
      .save(new Set(this.texts))
      .catch(() => {
        // A checkpoint that cannot be written (a full disk) costs only the resume; the build goes on
        // and reports its own failure, if any, at the end.
      })
      .finally(() => {
        this.cost = performance.now() - begun;
        this.last = performance.now();
        this.writing = undefined;
      });
    await this.writing;
  }

  async settled(): Promise<void> {
    await this.writing;
  }
}
