/**
 * SparseIndex on a memory store, in Node: dispose() (and its deprecated alias close()), verify() and
 * the export/import snapshot round trip, with the checks a bad snapshot fails before anything is written.
 */
import { describe, expect, it } from 'vitest';
import { SpladeError } from '../src/errors.ts';
import { SparseIndex, type IndexSnapshot } from '../src/index/engine/sparse-index.ts';
import { snapshotDocuments } from '../src/index/engine/snapshot.ts';
import { openMemoryStore } from '../src/index/store/memory.ts';

const vec = (pairs: [number, number][]) => ({
  indices: Uint32Array.from(pairs.map((p) => p[0])),
  values: Float32Array.from(pairs.map((p) => p[1])),
});
const DOCS = [
  {
    id: 'a',
    text: 'alpha',
    fields: { lang: 'en' },
    vector: vec([
      [1, 3],
      [2, 1],
    ]),
  },
  { id: 'b', text: 'beta', vector: vec([[2, 2.5]]) },
];

async function refusal(run: () => Promise<unknown>): Promise<string> {
  try {
    await run();
    return 'ok';
  } catch (e) {
    return e instanceof SpladeError ? `${e.code}:${e.message}` : String(e);
  }
}

describe('SparseIndex lifecycle', () => {
  it('dispose() releases the index; later calls fail with disposed; twice is harmless', async () => {
    const index = await SparseIndex.openStore(openMemoryStore(), { name: 'life' });
    await index.add(DOCS);
    await index.dispose();
    await index.dispose();
    expect(await refusal(() => index.search(vec([[1, 1]])))).toBe('disposed:index "life" was disposed');
    expect(await refusal(() => index.add(DOCS))).toBe('disposed:index "life" was disposed');
  });

  it('close() still works, as a deprecated alias of dispose()', async () => {
    const index = await SparseIndex.openStore(openMemoryStore(), { name: 'old' });
    index.close();
    expect(await refusal(() => index.ids())).toBe('disposed:index "old" was disposed');
  });

  it('verify() finds nothing wrong in a fresh index and names a damaged chunk', async () => {
    const store = openMemoryStore();
    const index = await SparseIndex.openStore(store, { name: 'check' });
    await index.add(DOCS);
    expect(await index.verify()).toEqual({ damaged: [], unreferenced: [] });
    const chunk = [...store.entries().keys()].find((k) => /^seg\/[^/]+\/chunk\//.test(k))!;
    expect(chunk).toBeDefined();
    await store.setMany([[chunk, new Uint8Array([1, 2, 3])]]);
    await store.setMany([['stray/key', new Uint8Array([0])]]);
    expect(await index.verify()).toEqual({ damaged: [chunk], unreferenced: ['stray/key'] });
    await index.dispose();
  });

  it('terms() lists every term with postings and the documents holding it, across segments', async () => {
    const index = await SparseIndex.openStore(openMemoryStore(), { name: 'terms', commitSize: 1 });
    expect(await index.terms()).toEqual(new Map());
    await index.add(DOCS);
    await index.add([{ id: 'c', text: 'gamma', vector: vec([[7, 1]]) }]);
    expect(index.stats.segments).toBeGreaterThan(1);
    expect(await index.terms()).toEqual(
      new Map([
        [1, 1],
        [2, 2],
        [7, 1],
      ]),
    );
    await index.dispose();
    expect(await refusal(() => index.terms())).toBe('disposed:index "terms" was disposed');
  });

  it('export() and import() round-trip the documents and their exact vectors', async () => {
    const source = await SparseIndex.openStore(openMemoryStore(), { name: 'from' });
    await source.add(DOCS);
    const snapshot = await source.export();
    expect(snapshot.documents.map((d) => [d.id, d.vector.indices, d.vector.values])).toEqual([
      ['a', [1, 2], [3, 1]],
      ['b', [2], [2.5]],
    ]);
    const target = await SparseIndex.openStore(openMemoryStore(), { name: 'to' });
    await target.import(JSON.parse(JSON.stringify(snapshot)) as IndexSnapshot);
    expect(await target.ids()).toEqual(['a', 'b']);
    expect((await target.get('a'))?.fields).toEqual({ lang: 'en' });
    await Promise.all([source.dispose(), target.dispose()]);
  });

  it('a bad snapshot is refused, naming what is wrong', () => {
    const good = {
      format: 'splade-web-index',
      schema: 2,
      documents: [{ id: 'a', text: '', fields: {}, vector: { indices: [1], values: [1] } }],
    } as IndexSnapshot;
    const refused = (s: unknown) => {
      try {
        snapshotDocuments(s as IndexSnapshot);
        return 'ok';
      } catch (e) {
        return `${(e as SpladeError).code}:${(e as Error).message}`;
      }
    };
    expect(refused(good)).toBe('ok');
    expect(refused({ ...good, format: 'other' })).toBe(
      'invalid-input:import() expects a snapshot made by export() (format "splade-web-index")',
    );
    expect(refused({ ...good, schema: 9 })).toBe(
      'index-schema:the snapshot has schema 9; this version reads snapshots of schema 1 and 2',
    );
    expect(refused({ ...good, documents: [{ id: 'x' }] })).toBe(
      'invalid-input:snapshot document 0 ("x") has no vector { indices: number[], values: number[] }',
    );
    expect(refused({ ...good, documents: [{ id: 'x', vector: { indices: [-1], values: [1] } }] })).toBe(
      'invalid-input:snapshot document 0 ("x"): vector indices must be integers from 0 to 2^32-1',
    );
  });
});
