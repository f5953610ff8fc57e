/**
 * The Node entry (onnxruntime-node, native CPU) against the PyTorch golden outputs, and the
 * tokenizer against known ids of the real bert-base-uncased vocabulary.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SparseEncoder } from '../src/node.ts';

interface GoldenCase { name: string; route: 'query' | 'document'; text: string; windows: number[][]; indices: number[]; values: number[]; positions?: [number, number][] }
const golden = (model: string) => JSON.parse(readFileSync(`e2e/fixtures/golden/${model}.json`, 'utf8')) as { cases: GoldenCase[]; specialIds: number[] };

for (const model of ['splade-tiny-en-if', 'splade-tiny-ko']) {
  describe(`${model} on onnxruntime-node`, () => {
    it('matches the PyTorch golden vectors and token ids', async () => {
      const g = golden(model);
      const enc = await SparseEncoder.fromPretrained(`./public/models/${model}`);
      const docs = g.cases.filter((c) => c.route === 'document');
      const queries = g.cases.filter((c) => c.route === 'query');
      const dv = await enc.encodeDocument(docs.map((c) => c.text), { positions: true });
      const qv = await enc.encodeQuery(queries.map((c) => c.text));
      const check = (c: GoldenCase, v: { indices: Uint32Array; values: Float32Array }) => {
        expect(enc.windows(c.text, c.route), c.name).toEqual(c.windows);
        expect(Array.from(v.indices), c.name).toEqual(c.indices);
        const diff = c.values.reduce((m, x, k) => Math.max(m, Math.abs(x - v.values[k]!)), 0);
        expect(diff, c.name).toBeLessThanOrEqual(1e-4);
      };
      docs.forEach((c, k) => check(c, dv[k]!));
      queries.forEach((c, k) => check(c, qv[k]!));
      // Special tokens never appear in document vectors.
      for (const v of dv) for (const id of g.specialIds) expect(Array.from(v.indices)).not.toContain(id);
      await enc.dispose();
    });
  });
}

describe('bert-base-uncased vocabulary', () => {
  it('tokenizes to the known ids of the real vocabulary', async () => {
    const enc = await SparseEncoder.fromPretrained('./public/models/splade-tiny-en-if', { queryOnly: true });
    expect(enc.windows('hello world', 'document')).toEqual([[101, 7592, 2088, 102]]);
    expect(enc.windows('the', 'query')).toEqual([[1996]]);
    expect(enc.windows('to', 'query')).toEqual([[2000]]);
    expect(enc.token(101)).toBe('[CLS]');
    expect(enc.token(102)).toBe('[SEP]');
    expect(enc.token(100)).toBe('[UNK]');
    // Inference-free queries: distinct ids, weights from the static table, no model call.
    const q = await enc.encodeQuery('hello hello world');
    expect(Array.from(q.indices)).toEqual([2088, 7592]);
    expect(enc.lastStats.device).toBe('static');
    await expect(enc.encodeDocument('needs the model')).rejects.toThrow(/queryOnly/);
  });
});
