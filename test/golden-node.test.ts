/**
 * The Node entry (onnxruntime-node, native CPU) against the PyTorch golden outputs, and the
 * tokenizer against known ids of the real bert-base-uncased vocabulary.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SparseEncoder } from '../src/node.ts';
import { readSafetensors } from '../src/model/safetensors.ts';
import { SpladeError } from '../src/errors.ts';
import { compareWithGolden, loadGolden, MODELS } from '../e2e/support/golden-compare.ts';

for (const model of MODELS) {
  describe(`${model} on onnxruntime-node`, () => {
    it('matches the PyTorch golden vectors, positions and token ids', async () => {
      const g = loadGolden(model);
      const enc = await SparseEncoder.fromPretrained(`./public/models/${model}`);
      const docs = g.cases.filter((c) => c.route === 'document');
      const queries = g.cases.filter((c) => c.route === 'query');
      const dv = await enc.encodeDocument(
        docs.map((c) => c.text),
        { positions: true },
      );
      const qv = await enc.encodeQuery(queries.map((c) => c.text));
      let maxDiff = 0;
      let positions = 0;
      const problems: string[] = [];
      for (const [c, v] of [
        ...docs.map((c, k) => [c, dv[k]!] as const),
        ...queries.map((c, k) => [c, qv[k]!] as const),
      ]) {
        expect(await enc.windows(c.text, c.route), c.name).toEqual(c.windows);
        // Positions must equal PyTorch's argmax except at the near-ties the golden file lists.
        const r = compareWithGolden(v, c, c.route === 'document');
        problems.push(...r.problems);
        maxDiff = Math.max(maxDiff, r.maxDiff);
        positions += r.positions;
      }
      expect(problems).toEqual([]);
      expect(positions).toBe(docs.reduce((n, c) => n + c.positions!.length, 0));
      console.log(
        `${model} on onnxruntime-node: max |value - golden| = ${maxDiff.toExponential(2)} over ${g.cases.length} cases, ${positions} positions`,
      );
      // Special tokens never appear in document vectors.
      for (const v of dv) for (const id of g.specialIds) expect(Array.from(v.indices)).not.toContain(id);
      await enc.dispose();
    });
  });
}

describe('bert-base-uncased vocabulary', () => {
  it('tokenizes to the known ids of the real vocabulary', async () => {
    const enc = await SparseEncoder.fromPretrained('./public/models/splade-tiny-en-if', { queryOnly: true });
    expect(await enc.windows('hello world', 'document')).toEqual([[101, 7592, 2088, 102]]);
    expect(await enc.windows('the', 'query')).toEqual([[1996]]);
    expect(await enc.windows('to', 'query')).toEqual([[2000]]);
    expect(enc.token(101)).toBe('[CLS]');
    expect(enc.token(102)).toBe('[SEP]');
    expect(enc.token(100)).toBe('[UNK]');
    // Inference-free queries: distinct ids, weights from the static table, no model call.
    const q = await enc.encodeQuery('hello hello world');
    expect(Array.from(q.indices)).toEqual([2088, 7592]);
    const weight = readSafetensors(
      new Uint8Array(readFileSync('public/models/splade-tiny-en-if/query_0_SparseStaticEmbedding/model.safetensors')),
      'w',
    ).get('weight')!.data;
    expect(Array.from(q.values)).toEqual([weight[2088], weight[7592]]);
    expect(q.values[0]).toBeGreaterThan(0);
    expect(enc.lastStats.device).toBe('static');
    const err = await enc.encodeDocument('needs the model').catch((e) => e);
    expect(err).toBeInstanceOf(SpladeError);
    expect(err.message).toMatch(/queryOnly/);
  });
});
