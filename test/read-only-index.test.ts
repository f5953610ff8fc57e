/**
 * ReadOnlyIndex (the engine's read side alone, what splade.js searches with) against
 * SparseIndex.openStore over the same read-only store: the same hits, explanations, filters and
 * errors, and the same refusal once disposed.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { ReadOnlyIndex } from '../src/index/engine/read-only.ts';
import type { SearchOptions } from '../src/index/engine/types.ts';
import { openFileStore, SparseIndex, SpladeError } from '../src/node.ts';
import type { SparseVector } from '../src/vector.ts';
import { syntheticDocuments, syntheticQueries } from '../bench/synthetic.ts';

const dir = mkdtempSync(join(tmpdir(), 'splade-web-read-only-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The error a call rejects with, as code and message. */
async function failure(call: Promise<unknown>): Promise<[string, string]> {
  const error = await call.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof SpladeError)) throw new Error(`expected a SpladeError, got ${String(error)}`);
  return [error.code, error.message];
}

it('searches, explains, filters and fails as SparseIndex.openStore does over a read-only store', async () => {
  const shape = { minTerms: 20, maxTerms: 60, vocab: 2000 };
  const writer = await SparseIndex.openStore(openFileStore(dir), { name: 'docs', commitSize: 150 });
  await writer.add(syntheticDocuments(600, 5, shape));
  await writer.remove(['d3']);
  await writer.dispose();

  const files = openFileStore(dir);
  const readable = { get: files.get.bind(files), getMany: files.getMany.bind(files), close() {} };
  const tokenOf = (id: number) => `t${id}`;
  const engine = await SparseIndex.openStore(readable, { name: 'site', tokenOf });
  const index = await ReadOnlyIndex.open(readable, 'site', tokenOf);
  const searches: SearchOptions[] = [
    { limit: 5, explain: true },
    { limit: 7, explain: true, filter: { group: 1 } },
    { limit: 3, filter: (fields, id) => fields['group'] !== 2 && id.endsWith('1') },
  ];
  let hits = 0;
  for (const query of syntheticQueries(10, 12, 5, shape))
    for (const options of searches) {
      const got = await index.search(query, options);
      expect(got).toEqual(await engine.search(query, options));
      hits += got.length;
    }
  expect(hits).toBe(10 * (5 + 7 + 3));

  const query = syntheticQueries(1, 12, 6, shape)[0]!;
  const unsorted: SparseVector = { indices: Uint32Array.of(9, 2), values: Float32Array.of(1, 1) };
  expect(await failure(index.search(unsorted))).toEqual(await failure(engine.search(unsorted)));
  for (const options of [{ limit: -1 }, { filter: 3 }] as unknown as SearchOptions[])
    expect(await failure(index.search(query, options))).toEqual(await failure(engine.search(query, options)));

  await engine.dispose();
  await index.dispose();
  expect(await failure(index.search(query))).toEqual(await failure(engine.search(query)));
});
