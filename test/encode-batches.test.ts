/**
 * Batches are planned by their padded tokens against the backend's budget (on WebGPU: what one
 * batch's logits may take in one buffer), not by the route's max_seq_length: a model that accepts
 * 8192 tokens (GTE, PIXIE) still runs short windows many to a batch. On onnxruntime-node with the
 * real tiny model; the backend's budget is set to what a GPU would allow, since Node has no GPU
 * (the same on a real WebGPU device at the default limits: e2e/robustness.spec.ts).
 */
import { describe, expect, it } from 'vitest';
import { SparseEncoder } from '../src/node.ts';
import { nodeRuntime } from '../src/runtime/node.ts';
import type { ExecutionBackend, Runtime } from '../src/runtime/types.ts';

const MODEL = './public/models/splade-tiny-en-if';

/** onnxruntime-node whose backends report `tokens` as their batch budget, and the batches they ran. */
function budgetRuntime(tokens: number, ran: { rows: number; tokens: number }[]): Runtime {
  return {
    ...nodeRuntime,
    async createBackend(...args) {
      const real = await nodeRuntime.createBackend(...args);
      const backend: ExecutionBackend = {
        device: real.device,
        info: real.info,
        get lost() {
          return real.lost;
        },
        maxBatchTokens: () => tokens,
        maxTensorBytes: real.maxTensorBytes,
        run(batch, pooling, options) {
          ran.push({ rows: batch.rows, tokens: batch.tokens });
          return real.run(batch, pooling, options);
        },
        dispose: () => real.dispose(),
      };
      return backend;
    },
  };
}

describe('batch planning by padded tokens', () => {
  it('a route with max_seq_length 8192 still batches short windows together, within the budget', async () => {
    const ran: { rows: number; tokens: number }[] = [];
    const budget = 200;
    class BudgetEncoder extends SparseEncoder {
      static override get runtime(): Runtime {
        return budgetRuntime(budget, ran);
      }
    }
    const texts = Array.from({ length: 24 }, (_, k) => `document ${k} about ${'search '.repeat(k % 7)}in the browser`);
    const plain = await SparseEncoder.fromPretrained(MODEL, { cache: false });
    const budgeted = await BudgetEncoder.fromPretrained(MODEL, { cache: false, batchSize: 64 });
    try {
      const route = budgeted.spec.document;
      if (route.kind !== 'mlm') throw new Error('expected a model route');
      route.maxSeqLength = 8192; // as GTE's and PIXIE's configs say
      const want = await plain.encodeDocument(texts);
      const got = await budgeted.encodeDocument(texts);
      expect(got.map((v) => Array.from(v.indices))).toEqual(want.map((v) => Array.from(v.indices)));
      got.forEach((v, k) => v.values.forEach((x, j) => expect(x).toBeCloseTo(want[k]!.values[j]!, 5)));
      expect(ran.reduce((n, b) => n + b.rows, 0)).toBe(texts.length);
      for (const b of ran) expect(b.rows * b.tokens).toBeLessThanOrEqual(budget);
      // Planned by tokens: rows of ~10-25 tokens, several to a batch (by max_seq_length it was one each).
      expect(Math.max(...ran.map((b) => b.rows))).toBeGreaterThan(5);
      expect(ran.length).toBeLessThan(texts.length / 3);
      expect(budgeted.lastStats.batches).toBe(ran.length);
    } finally {
      await plain.dispose();
      await budgeted.dispose();
    }
  });
});
