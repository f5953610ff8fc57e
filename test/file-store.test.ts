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
import { paginateSegments } from '../src/index/format/pages.ts';
import { sealJson } from '../src/index/format/records.ts';

const dir = mkdtempSync(join(tmpdir(), 'splade-web-fs-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('file-system store', () => {
  const docs = syntheticDocuments(600, 3, { minTerms: 20, maxTerms: 60, vocab: 2000 });

  it('writes an index, reopens it and searches it exactly (rescore) as a brute-force scorer does', async () => {
    const writer = await SparseIndex.openStore(openFileStore(dir), { name: 'docs', commitSize: 150 });
    await writer.add(docs.slice(0, 400));
    await writer.add(docs.slice(400));
    await writer.remove(['d7']);
    await writer.dispose();
    // A process killed mid-write leaves a temporary file; the next session's first commit sweeps it.
    writeFileSync(join(dir, 'doc', 'stray.123.0.tmp'), 'left by a crash');
    const next = await SparseIndex.openStore(openFileStore(dir), { name: 'docs' });
    await next.upsert([{ ...docs[8]!, id: 'd8' }]);
    await next.dispose();
    expect(readdirSync(join(dir, 'doc')).some((f) => f.endsWith('.tmp'))).toBe(false);

    const reader = await SparseIndex.openStore(openFileStore(dir), { name: 'docs' });
    expect(reader.count()).toBe(599);
    expect(await reader.verify()).toEqual({ damaged: [], unreferenced: [] });
    for (const q of syntheticQueries(10, 12, 3, { vocab: 2000 })) {
      const brute = docs
        .filter((d) => d.id !== 'd7')
        .map((d) => ({ id: d.id, score: plainDot(q, d.vector) }))
        .filter((h) => h.score > 0)
        .sort((a, b) => b.score - a.score)
        .slice(0, 10);
      const hits = await reader.search(q, { limit: 10, rescore: true });
      expect(hits.map((h) => h.score)).toEqual(brute.map((h) => h.score));
    }
    await reader.dispose();
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
    expect((error as SpladeError).message).toMatch(/^index "static" was opened from a read-only store/);
    await index.dispose();
  });
});

describe('paged dictionaries and metadata', () => {
  const docs = syntheticDocuments(900, 11, { minTerms: 15, maxTerms: 40, vocab: 3000 });
  const pagedDir = mkdtempSync(join(tmpdir(), 'splade-web-paged-'));
  afterAll(() => rmSync(pagedDir, { recursive: true, force: true }));

  /** A store that records which keys were read. */
  const recording = (store: ReturnType<typeof openFileStore>) => {
    const read: string[] = [];
    return {
      read,
      store: {
        ...store,
        get: (k: string) => (read.push(k), store.get(k)),
        getMany: (ks: readonly string[]) => (read.push(...ks), store.getMany(ks)),
      },
    };
  };

  it('a paged index answers as the unpaged one, and a query reads only the pages its terms and hits need', async () => {
    const writer = await SparseIndex.openStore(openFileStore(pagedDir), { name: 'paged', commitSize: 300 });
    await writer.add(docs.map((d) => ({ ...d, text: `text of ${d.id}` })));
    const queries = syntheticQueries(12, 6, 11, { vocab: 3000 });
    const before = [];
    for (const q of queries) before.push(await writer.search(q, { limit: 5, explain: true }));
    await writer.dispose();

    // Page it as a static build would: dictionary pages of 64 terms, metadata pages of 50 documents.
    const files = openFileStore(pagedDir);
    const keys = await files.keys();
    const values = new Map((await files.getMany(keys)).map((v, k) => [keys[k]!, v!]));
    const manifest = JSON.parse(new TextDecoder().decode(values.get('manifest')!.subarray(4)));
    const paged = paginateSegments(manifest, (k) => values.get(k), { dictionaryTerms: 64, metadataDocs: 50 });
    await files.setMany([...paged.values]);
    await files.delMany(paged.removed);
    await files.setMany([['manifest', sealJson(paged.manifest)]]);
    expect(paged.manifest.segments.every((s) => (s.dictPages?.length ?? 0) > 1)).toBe(true);

    const { read, store } = recording(openFileStore(pagedDir));
    const reader = await SparseIndex.openStore(
      { get: store.get, getMany: store.getMany, close: () => {} },
      { name: 'paged' },
    );
    expect(read).toEqual(['manifest']); // opening reads no dictionary page
    for (const [k, q] of queries.entries()) {
      read.length = 0;
      const hits = await reader.search(q, { limit: 5, explain: true });
      expect(hits).toEqual(before[k]);
      const dictPages = read.filter((key) => /\/dict-page\/\d+$/.test(key)).length;
      const metaPages = read.filter((key) => /\/meta-page\/\d+$/.test(key)).length;
      const allPages = paged.manifest.segments.reduce((n, s) => n + (s.dictPages?.length ?? 1), 0);
      expect(dictPages).toBeLessThanOrEqual(Math.min(allPages, q.indices.length * paged.manifest.segments.length));
      expect(metaPages).toBeLessThanOrEqual(hits.length);
    }
    expect(await reader.verify()).toEqual({ damaged: [], unreferenced: [] });
    await reader.dispose();

    // Still writable through a file store: a merge reads every page of the paged segments.
    const again = await SparseIndex.openStore(openFileStore(pagedDir), { name: 'paged', commitSize: 300 });
    await again.remove(docs.slice(0, 400).map((d) => d.id));
    expect(again.count()).toBe(500);
    for (const q of queries) {
      const brute = docs
        .slice(400)
        .map((d) => plainDot(q, d.vector))
        .filter((x) => x > 0)
        .sort((a, b) => b - a)
        .slice(0, 10);
      expect((await again.search(q, { limit: 10, rescore: true })).map((h) => h.score)).toEqual(brute);
    }
    expect(await again.verify()).toEqual({ damaged: [], unreferenced: [] });
    await again.dispose();
  });
});
