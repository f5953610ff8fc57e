// SparseIndex search option `pick`: the caller chooses among the top hits (bare: id, score, fields),
// and only what it keeps is returned and explained, in its order.
import { describe, expect, it } from 'vitest';
import { SparseIndex } from '../src/index/engine/sparse-index.ts';
import { openMemoryStore } from '../src/index/store/memory.ts';

const vec = (pairs: [number, number][]) => ({
  indices: Uint32Array.from(pairs.map((p) => p[0])),
  values: Float32Array.from(pairs.map((p) => p[1])),
});

async function small(): Promise<SparseIndex> {
  const index = await SparseIndex.openStore(openMemoryStore(), { name: 'pick', tokenOf: (id) => `t${id}` });
  await index.add([
    {
      id: 'a#1',
      text: 'alpha one',
      fields: { url: 'a#1' },
      vector: vec([
        [1, 3],
        [2, 1],
      ]),
    },
    { id: 'a#2', text: 'alpha two', fields: { url: 'a#2' }, vector: vec([[1, 2]]) },
    { id: 'b#1', text: 'beta one', fields: { url: 'b#1' }, vector: vec([[1, 2.5]]) },
    { id: 'c#1', text: 'gamma', fields: { url: 'c#1' }, vector: vec([[2, 5]]) },
  ]);
  return index;
}

describe('search pick', () => {
  it('returns what pick keeps, in its order; only those carry explanations', async () => {
    const index = await small();
    const query = vec([
      [1, 1],
      [2, 1],
    ]);
    const all = await index.search(query, { limit: 10 });
    let seen: string[] = [];
    const picked = await index.search(query, {
      limit: 10,
      explain: true,
      pick: (hits) => {
        seen = hits.map((h) => h.id);
        for (const h of hits) expect(h.snippet).toBeUndefined();
        return [hits[2]!, hits[0]!];
      },
    });
    expect(seen).toEqual(all.map((h) => h.id));
    expect(picked.map((h) => h.id)).toEqual([all[2]!.id, all[0]!.id]);
    expect(picked.map((h) => h.score)).toEqual([all[2]!.score, all[0]!.score]);
    for (const h of picked) {
      expect(h.snippet).toBeDefined();
      expect(h.contributions!.reduce((s, c) => s + c.product, 0)).toBeCloseTo(h.score, 5);
    }
    expect(await index.search(query, { pick: () => [] })).toEqual([]);
    await index.dispose();
  });
  it('refuses a pick that is not a function or returns other hits', async () => {
    const index = await small();
    const query = vec([[1, 1]]);
    await expect(index.search(query, { pick: 3 as never })).rejects.toThrow(/option pick must be a function/);
    await expect(index.search(query, { pick: (hits) => [{ ...hits[0]! }] })).rejects.toThrow(
      /pick must return hits from the array it was given/,
    );
    await expect(index.search(query, { pick: () => 'x' as never })).rejects.toThrow(/pick must return an array/);
    await index.dispose();
  });
});
