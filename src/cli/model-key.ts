/**
 * The vector cache's model key: what the vectors depend on (the document model's bytes and settings),
 * not where the model was read from. The build's encode workers compute it too, so a worker that
 * loaded other files than the build did (a model changed mid-build) is refused, not mixed in.
 */
import { createHash } from 'node:crypto';
import type { SparseEncoder } from '../node.ts';

export function modelKeyOf(encoder: SparseEncoder): string {
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
