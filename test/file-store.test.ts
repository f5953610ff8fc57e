/**
 * The index in Node on the file-system store: the same format and engine as in the browser, written
 * to a directory, reopened, searched against a brute-force scorer, and opened read-only.
 */
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openFileStore, SparseIndex, SpladeError } from '../src/node.ts';
import { syntheticDocuments, syntheticQueries, plainDot } from '../bench/synthetic.ts';

const dir = mkdtempSync(join(tmpdir(), 'splade-web-fs-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('file-system store', () => {
  const docs = syntheticDocuments(600, 3, { minTerms: 20, maxTerms: 60, vocab: 2000 });

  it('writes an index, reopens it and searches it exactly (rescore) as a brute-force scorer does', async () => {
    const writer = await SparseIndex.openStore(openFileStore(dir), { name: 'docs', commitSize: 150 });
    await writer.add(docs.slice(0, 400));
    await writer.add(docs.slice(400));
    await writer.remove(['d7']);
    writer.close();
    // A process killed mid-write leaves a temporary file; the next session's first commit sweeps it.
    writeFileSync(join(dir, 'doc', 'stray.123.0.tmp'), 'left by a crash');
    const next = await SparseIndex.openStore(openFileStore(dir), { name: 'docs' });
    await next.upsert([{ ...docs[8]!, id: 'd8' }]);
    next.close();
    expect(readdirSync(join(dir, 'doc')).some((f) => f.endsWith('.tmp'))).toBe(false);

    const reader = await SparseIndex.openStore(openFileStore(dir), { name: 'docs' });
    expect(reader.count()).toBe(599);
    expect(await reader.verify()).toEqual({ damaged: [], unreferenced: [] });
    for (const q of syntheticQueries(10, 12, 3, { vocab: 2000 })) {
      const brute = docs.filter((d) => d.id !== 'd7').map((d) => ({ id: d.id, score: plainDot(q, d.vector) })).filter((h) => h.score > 0).sort((a, b) => b.score - a.score).slice(0, 10);
      const hits = await reader.search(q, { limit: 10, rescore: true });
      expect(hits.map((h) => h.score)).toEqual(brute.map((h) => h.score));
    }
    reader.close();
  });

  it('opens read-only from a store without writes, and refuses changes with read-only', async () => {
    const files = openFileStore(dir);
    const readOnlyStore = { get: files.get, getMany: files.getMany, close: files.close };
    const index = await SparseIndex.openStore(readOnlyStore, { name: 'static' });
    expect(index.count()).toBe(599);
    expect((await index.search(syntheticQueries(1, 5, 4, { vocab: 2000 })[0]!, { limit: 3 })).length).toBe(3);
    const error = await index.add([{ id: 'new', vector: docs[0]!.vector }]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SpladeError);
    expect((error as SpladeError).code).toBe('read-only');
    expect((error as SpladeError).message).toMatch(/^splade-web: index "static" was opened from a read-only store/);
    index.close();
  });
});
