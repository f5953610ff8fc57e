/**
 * A second, independent implementation: transformers.js (its tokenizer and its own onnxruntime
 * session) produces the logits, a naive pooling written here turns them into vectors, and the
 * library's encoder must agree.
 */
import { AutoModelForMaskedLM, AutoTokenizer, env } from '@huggingface/transformers';
import { describe, expect, it } from 'vitest';
import { SparseEncoder } from '../src/node.ts';

env.allowRemoteModels = false;
env.localModelPath = `${process.cwd()}/public/models/`;

const texts = [
  'Use git rebase to replay commits onto another branch.',
  'hello world',
  'Stash your local changes before pulling.',
];

describe('agreement with transformers.js', () => {
  it('document vectors of the English model equal transformers.js logits pooled naively', async () => {
    const id = 'splade-tiny-en-if/document_0_MLMTransformer';
    const tokenizer = await AutoTokenizer.from_pretrained(id);
    const model = await AutoModelForMaskedLM.from_pretrained(id, { dtype: 'fp32' });
    const encoder = await SparseEncoder.fromPretrained('./public/models/splade-tiny-en-if');
    const ours = await encoder.encodeDocument(texts);
    for (const [k, text] of texts.entries()) {
      const inputs = tokenizer(text);
      const { logits } = await model(inputs);
      const [, T, V] = logits.dims as number[];
      const data = logits.data as Float32Array;
      const special = new Set([0, 100, 101, 102, 103]);
      const pooled = new Map<number, number>();
      for (let v = 0; v < V!; v++) {
        if (special.has(v)) continue;
        let best = 0;
        for (let t = 0; t < T!; t++) best = Math.max(best, Math.log1p(Math.log1p(Math.max(0, data[t * V! + v]!))));
        if (best > 0) pooled.set(v, best);
      }
      expect(Array.from(ours[k]!.indices)).toEqual([...pooled.keys()]);
      ours[k]!.indices.forEach((id, j) => expect(Math.abs(ours[k]!.values[j]! - pooled.get(id)!)).toBeLessThan(1e-5));
    }
    await encoder.dispose();
  });
});
