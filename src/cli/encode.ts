/**
 * The build's encoding stage: every section's vector, from the vector cache where an earlier build
 * with the same model encoded the same text, else by the model (onnxruntime-node), in batches with
 * progress. Each distinct text is encoded once, however many sections repeat it.
 */
import { createHash } from 'node:crypto';
import type { SparseEncoder } from '../node.ts';
import { VectorCache } from './vector-cache.ts';

export interface EncodeOptions {
  /** The vector cache's folder. */
  cacheDir: string;
  /** Texts per encoder call, between progress reports (default 64). */
  batchSize?: number;
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
}

/** Vectors of `texts` (the sections' texts, repeats included) by `encoder`. */
export async function encodeSections(
  encoder: SparseEncoder,
  texts: readonly string[],
  options: EncodeOptions,
): Promise<EncodedSections> {
  const cache = await VectorCache.open(options.cacheDir, modelKeyOf(encoder));
  const missing = [...new Set(texts.filter((t) => !cache.has(t)))];
  const reused = texts.filter((t) => cache.has(t)).length;
  const started = performance.now();
  const batch = Math.max(1, options.batchSize ?? 64);
  for (let k = 0; k < missing.length; k += batch) {
    const part = missing.slice(k, k + batch);
    const vectors = await encoder.encodeDocument(part, { spans: true, batchSize: 16 });
    part.forEach((t, j) => cache.set(t, vectors[j]!));
    options.progress?.(Math.min(k + batch, missing.length), missing.length);
  }
  const seconds = (performance.now() - started) / 1000;
  if (missing.length) {
    const rate = (missing.length / Math.max(seconds, 1e-9)).toFixed(1);
    const repeats = texts.length - reused - missing.length;
    const repeating = repeats ? `, ${repeats} repeating another section's text` : '';
    options.log(
      `encoded ${missing.length} sections in ${seconds.toFixed(1)} s (${rate}/s); ${reused} from the cache${repeating}`,
    );
  } else options.log(`all ${texts.length} sections from the cache (nothing changed)`);
  return { cache, encoded: missing.length, reused, seconds };
}

/** What the vectors depend on: the document model's bytes and settings, not where it was read from. */
function modelKeyOf(encoder: SparseEncoder): string {
  const d = encoder.spec.document;
  const h = createHash('sha256');
  const mlm = d.kind === 'mlm';
  h.update(
    JSON.stringify({
      kind: d.kind,
      prompts: encoder.spec.prompts,
      pooling: mlm ? d.pooling : null,
      max: mlm ? d.maxSeqLength : null,
      dtype: mlm ? d.dtype : null,
    }),
  );
  if (d.kind === 'mlm' && d.onnx) h.update(d.onnx);
  // A graph built from safetensors keeps its weights outside the ONNX bytes: named by the versions of
  // the files they came from where known (the build cache may hold them on disk only), else hashed.
  if (d.kind === 'mlm' && d.built?.sources) h.update(JSON.stringify(d.built.sources));
  else if (d.kind === 'mlm') for (const file of d.externalData ?? []) h.update(file.data);
  if (d.kind === 'static') h.update(new Uint8Array(d.weights.buffer, d.weights.byteOffset, d.weights.byteLength));
  return h.digest('hex').slice(0, 24);
}
