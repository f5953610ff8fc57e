/**
 * The index loses nothing and takes no bad input; garbage never outlives a commit; churn does not
 * grow what a search costs; `rescore` returns exactly the float top-k. References here are plain
 * code written in the test (brute-force dot products, raw IndexedDB reads), sharing none of the engine.
 */
import { expect, test } from '@playwright/test';
import { openHarness } from './support/page.ts';

test('upsert twice in one call, all-or-nothing add and import, and bad options give clear errors', async ({ page }) => {
  await openHarness(page);
  const r = await page.evaluate(async () => {
    const { SparseIndex } = window.splade;
    const v = (pairs: [number, number][]) => ({
      indices: Uint32Array.from(pairs.map((p) => p[0])),
      values: Float32Array.from(pairs.map((p) => p[1])),
    });
    const attempt = async (fn: () => Promise<unknown>) => {
      try {
        await fn();
        return 'no error';
      } catch (e: any) {
        return `${e.code}:${e.message}`;
      }
    };
    const index = await SparseIndex.open('integrity', { commitSize: 2 });
    // The same id twice in one upsert: the later one wins, one live document.
    await index.upsert([
      { id: 'x', text: 'first', vector: v([[1, 1]]) },
      { id: 'x', text: 'second', vector: v([[1, 2]]) },
    ]);
    const twice = {
      count: index.count(),
      hits: (await index.search(v([[1, 1]]), { explain: true })).map((h: any) => [h.id, h.text]),
    };
    const removedX = await index.remove(['x']);
    const afterRemove = { count: index.count(), hits: (await index.search(v([[1, 1]]))).length };

    // add() across several internal slices (commitSize 2) fails on an id clash in its last slice: nothing lands.
    await index.add([{ id: 'keep', vector: v([[2, 1]]) }]);
    const clash = await attempt(() =>
      index.add(['a', 'b', 'c', 'd', 'keep'].map((id, k) => ({ id, vector: v([[2, 1 + k]]) }))),
    );
    const afterClash = { count: index.count(), hits: (await index.search(v([[2, 1]]))).map((h: any) => h.id) };

    // import() of a snapshot with one bad vector changes nothing.
    const snapshot = await index.export();
    const bad = {
      ...snapshot,
      documents: [
        ...snapshot.documents,
        { id: 'zz', text: '', fields: {}, vector: { indices: [3, 1], values: [1, 1] } },
      ],
    };
    const badImport = await attempt(() => index.import(bad));
    const nanImport = await attempt(() =>
      index.import({
        ...snapshot,
        documents: [{ id: 'n', text: '', fields: {}, vector: { indices: [1], values: [NaN] } }],
      }),
    );
    const afterBadImport = { count: index.count(), hits: (await index.search(v([[2, 1]]))).map((h: any) => h.id) };

    // Options and inputs outside what is accepted.
    const errors = {
      commitSize0: await attempt(() => SparseIndex.open('opt', { commitSize: 0 })),
      commitSizeNaN: await attempt(() => SparseIndex.open('opt', { commitSize: NaN })),
      cacheNegative: await attempt(() => SparseIndex.open('opt', { cacheBytes: -1 })),
      limitNegative: await attempt(() => index.search(v([[2, 1]]), { limit: -1 })),
      limitFraction: await attempt(() => index.search(v([[2, 1]]), { limit: 1.5 })),
      minScoreNaN: await attempt(() => index.search(v([[2, 1]]), { minScore: NaN })),
      weightInfinite: await attempt(() => index.add([{ id: 'inf', vector: v([[1, Infinity]]) }])),
      weightNegative: await attempt(() => index.add([{ id: 'neg', vector: v([[1, -1]]) }])),
      queryNegative: await attempt(() => index.search(v([[1, -1]]))),
      idNumber: await attempt(() => index.add([{ id: 7, vector: v([[1, 1]]) }])),
      removeNumber: await attempt(() => index.remove([7])),
      fieldsArray: await attempt(() => index.add([{ id: 'f', vector: v([[1, 1]]), fields: [1] }])),
    };
    const countAfterErrors = index.count();

    // A vector given as a view into a large buffer stores only its own bytes.
    const big = new ArrayBuffer(1 << 20);
    const indices = new Uint32Array(big, 4096, 3);
    indices.set([5, 6, 7]);
    const values = new Float32Array(big, 8192, 3);
    values.set([1, 2, 3]);
    await index.add([{ id: 'view', vector: { indices, values } }]);
    const stored = await new Promise<number[]>((resolve) => {
      const req = indexedDB.open('splade-web:integrity');
      req.onsuccess = () => {
        const all = req.result.transaction('kv').objectStore('kv').getAll(IDBKeyRange.bound('doc/', 'doc/\uffff'));
        all.onsuccess = () => {
          req.result.close();
          resolve((all.result as Uint8Array[]).map((b) => b.byteLength));
        };
      };
    });
    await index.dispose();
    await SparseIndex.delete('integrity');
    return {
      twice,
      removedX,
      afterRemove,
      clash,
      afterClash,
      badImport,
      nanImport,
      afterBadImport,
      errors,
      countAfterErrors,
      stored,
    };
  });
  expect(r.twice).toEqual({ count: 1, hits: [['x', 'second']] });
  expect(r.removedX).toBe(1);
  expect(r.afterRemove).toEqual({ count: 0, hits: 0 });
  expect(r.clash).toMatch(/^duplicate-id:the index already holds a document with id "keep"/);
  expect(r.afterClash).toEqual({ count: 1, hits: ['keep'] });
  expect(r.badImport).toMatch(/^invalid-input:document "zz"'s vector: indices must be strictly ascending/);
  expect(r.nanImport).toMatch(/^invalid-input:document "n"'s vector: the weight of term 1 is NaN/);
  expect(r.afterBadImport).toEqual({ count: 1, hits: ['keep'] });
  expect(r.errors).toEqual({
    commitSize0: expect.stringMatching(/^invalid-option:commitSize must be an integer from 1, got 0/),
    commitSizeNaN: expect.stringMatching(/^invalid-option:commitSize must be an integer from 1, got NaN/),
    cacheNegative: expect.stringMatching(/^invalid-option:cacheBytes must be a finite number >= 0, got -1/),
    limitNegative: expect.stringMatching(/^invalid-option:limit must be an integer from 0, got -1/),
    limitFraction: expect.stringMatching(/^invalid-option:limit must be an integer from 0, got 1.5/),
    minScoreNaN: expect.stringMatching(/^invalid-option:minScore must be a finite number, got NaN/),
    weightInfinite: expect.stringMatching(
      /^invalid-input:document "inf"'s vector: the weight of term 1 is Infinity; accepted/,
    ),
    weightNegative: expect.stringMatching(
      /^invalid-input:document "neg"'s vector: the weight of term 1 is -1; accepted/,
    ),
    queryNegative: expect.stringMatching(/^invalid-input:the query: the weight of term 1 is -1; accepted/),
    idNumber: expect.stringMatching(/^invalid-input:document 0 needs a non-empty string id, got 7/),
    removeNumber: expect.stringMatching(/^invalid-input:remove\(\): id 0 is 7; ids are strings/),
    fieldsArray: expect.stringMatching(/^invalid-input:document "f": fields must be a plain object/),
  });
  expect(r.countAfterErrors).toBe(1);
  // Two records: 'keep' and 'view'; the view's record holds its 3 entries, not the 1 MiB buffer.
  expect(r.stored.length).toBe(2);
  expect(Math.max(...r.stored)).toBeLessThan(200);
});

/** Reads the raw store and counts keys the manifest does not account for (test-side code only). */
const RAW_AUDIT = async (name: string) => {
  const db = await new Promise<IDBDatabase>((resolve) => {
    const req = indexedDB.open(`splade-web:${name}`);
    req.onsuccess = () => resolve(req.result);
  });
  const get = <T>(q: (s: IDBObjectStore) => IDBRequest<T>) =>
    new Promise<T>((resolve) => {
      const r = q(db.transaction('kv').objectStore('kv'));
      r.onsuccess = () => resolve(r.result);
    });
  const keys = (await get((s) => s.getAllKeys())) as string[];
  const json = (bytes: Uint8Array) => JSON.parse(new TextDecoder().decode(bytes.subarray(4)));
  const manifest = json(await get((s) => s.get('manifest')));
  const expected = new Set<string>(['manifest', ...manifest.garbage]);
  if (manifest.tomb) expected.add(manifest.tomb);
  const tomb: Uint8Array | undefined = manifest.tomb
    ? ((await get((s) => s.get(manifest.tomb))) as Uint8Array).subarray(4)
    : undefined;
  for (const seg of manifest.segments) {
    expected.add(`seg/${seg.id}/dict`);
    expected.add(`seg/${seg.id}/meta`);
    for (let k = 0; k < seg.chunks; k++) expected.add(`seg/${seg.id}/chunk/${k}`);
    const meta = json(await get((s) => s.get(`seg/${seg.id}/meta`)));
    meta.records.forEach((record: number, k: number) => {
      const doc = seg.base + k;
      if (!(tomb && tomb[doc >> 3]! & (1 << (doc & 7)))) expected.add(`doc/${record}`);
    });
  }
  db.close();
  return {
    keys: keys.length,
    unreferenced: keys.filter((k) => !expected.has(k)),
    missing: [...expected].filter((k) => !keys.includes(k)),
    liveDocs: manifest.liveDocs,
    numbered: manifest.docs,
  };
};

test('after commits, failed commits, failed collections and reopenings, the store holds no unreferenced key', async ({
  page,
}) => {
  await openHarness(page);
  const r = await page.evaluate(async (auditSource) => {
    const audit = eval(auditSource) as (name: string) => Promise<any>;
    const { SparseIndex } = window.splade;
    const docs = (n: number, from: number) => window.synthetic.syntheticDocuments(n, 5, {}, from);
    const reports: any[] = [];
    let index = await SparseIndex.open('gc', { commitSize: 50 });
    await index.add(docs(120, 0));
    await index.upsert(docs(30, 0)); // replaces 30
    await index.remove(['d5', 'd6']);
    reports.push(await audit('gc'));

    // Collection fails (deletes throw) for two commits: the garbage stays listed and is retried.
    const realDelete = IDBObjectStore.prototype.delete;
    IDBObjectStore.prototype.delete = function () {
      throw new DOMException('injected delete failure', 'UnknownError');
    };
    await index.upsert(docs(20, 40));
    await index.remove(['d50']);
    IDBObjectStore.prototype.delete = realDelete;
    await index.add(docs(10, 1000));
    reports.push(await audit('gc'));

    // A commit that fails half-way (puts throw after a few): orphans until the next commit.
    const realPut = IDBObjectStore.prototype.put;
    let puts = 0;
    IDBObjectStore.prototype.put = function (...args: any[]) {
      if (++puts > 30) throw new DOMException('injected write failure', 'UnknownError');
      return realPut.apply(this, args as any);
    };
    let failed = '';
    try {
      await index.add(docs(200, 2000));
    } catch (e: any) {
      failed = e.code;
    }
    IDBObjectStore.prototype.put = realPut;
    const afterFailure = await audit('gc');
    const countAfterFailure = index.count();
    // Reopen in a new instance (as after a killed tab), then commit once.
    await index.dispose();
    index = await SparseIndex.open('gc', { commitSize: 50 });
    await index.add(docs(5, 3000));
    reports.push(await audit('gc'));
    const verify = await index.verify();
    const count = index.count();
    await index.dispose();
    await SparseIndex.delete('gc');
    return { reports, failed, afterFailure, countAfterFailure, verify, count };
  }, `(${RAW_AUDIT.toString()})`);
  for (const report of r.reports) {
    expect(report.unreferenced).toEqual([]);
    expect(report.missing).toEqual([]);
  }
  expect(r.failed).toBe('storage-failed');
  expect(r.afterFailure.unreferenced.length).toBeGreaterThan(0); // the failure did leave orphans
  expect(r.countAfterFailure).toBe(120 - 2 - 1 + 10);
  expect(r.count).toBe(120 - 2 - 1 + 10 + 5);
  expect(r.verify).toEqual({ damaged: [], unreferenced: [] });
});

test('upsert churn (1k ids rewritten 50 times): numbering, tombstones and scratch memory follow the live documents', async ({
  page,
}) => {
  await openHarness(page);
  const r = await page.evaluate(async () => {
    const { SparseIndex } = window.splade;
    const index = await SparseIndex.open('churn');
    const queries = window.synthetic.syntheticQueries(5, 20, 77);
    let latest: any[] = [];
    for (let round = 0; round < 50; round++) {
      latest = window.synthetic.syntheticDocuments(1000, 100 + round, { minTerms: 20, maxTerms: 40 });
      await index.upsert(latest);
      for (const q of queries.slice(0, 1)) await index.search(q, { limit: 10 });
    }
    const stats = index.stats;
    // Exact against brute force over the last round's vectors (plain code).
    const dot = window.synthetic.plainDot; // plain code, sharing nothing with the engine
    const mismatches: string[] = [];
    for (const q of queries) {
      const hits = await index.search(q, { limit: 10, rescore: true });
      const brute = latest
        .map((d: any) => ({ id: d.id, score: dot(q, d.vector) }))
        .filter((h: any) => h.score > 0)
        .sort((a: any, b: any) => b.score - a.score)
        .slice(0, 10);
      hits.forEach((h: any, k: number) => {
        const want = brute[k];
        if (!want || Math.abs(h.score - want.score) > 1e-9 * brute[0]!.score)
          mismatches.push(`${h.id} ${h.score} vs ${want?.id} ${want?.score}`);
      });
    }
    await index.dispose();
    await SparseIndex.delete('churn');
    return { stats, mismatches };
  });
  expect(r.stats.documents).toBe(1000);
  // 50 000 documents were written; numbers in use stay within a few rounds' worth.
  expect(r.stats.numberedDocuments).toBeLessThanOrEqual(2000);
  expect(r.stats.segments).toBeLessThanOrEqual(2);
  // Accumulators (8 B), marks (1 B), candidates (12 B) per numbered document, plus pick buffers.
  expect(r.stats.scratchBytes).toBeLessThanOrEqual(21 * 2000 + 12 * 64 * 10);
  expect(r.mismatches).toEqual([]);
});

test('rescore: exactly the float top-k of a brute-force scorer, on corpora full of near ties', async ({ page }) => {
  test.setTimeout(300_000);
  await openHarness(page);
  const r = await page.evaluate(async () => {
    const { SparseIndex } = window.splade;
    const { syntheticDocuments, syntheticQueries } = window.synthetic;
    const dot = window.synthetic.plainDot; // plain code, sharing nothing with the engine
    let sameOrderQuantized = 0;
    let compared = 0;
    const failures: string[] = [];
    for (let seed = 1; seed <= 6; seed++) {
      // Weights on a coarse grid: many documents tie or nearly tie, where 8-bit weights reorder them.
      const docs = syntheticDocuments(1500, seed, { minTerms: 20, maxTerms: 50, vocab: 800 }).map((d: any) => ({
        ...d,
        vector: {
          indices: d.vector.indices,
          values: d.vector.values.map((x: number) => Math.round(x * 8) / 8 + (d.vector.indices[0] % 7) * 1e-4),
        },
      }));
      const index = await SparseIndex.open(`rescore-${seed}`, { commitSize: 400 });
      await index.add(docs);
      for (const q of syntheticQueries(10, 8 + seed * 3, seed, { vocab: 800 })) {
        const brute = docs
          .map((d: any) => ({ id: d.id, score: dot(q, d.vector) }))
          .filter((h: any) => h.score > 0)
          .sort((a: any, b: any) => b.score - a.score);
        const k = 10;
        const exact = await index.search(q, { limit: k, rescore: true, explain: true });
        const quantized = await index.search(q, { limit: k });
        compared++;
        if (JSON.stringify(quantized.map((h: any) => h.id)) === JSON.stringify(brute.slice(0, k).map((h: any) => h.id)))
          sameOrderQuantized++;
        if (exact.length !== Math.min(k, brute.length)) failures.push(`seed ${seed}: ${exact.length} hits`);
        exact.forEach((h: any, i: number) => {
          // Ties aside: the i-th score equals the brute-force i-th score, and the hit's own exact score.
          if (h.score !== brute[i].score)
            failures.push(`seed ${seed} rank ${i}: ${h.id} ${h.score} vs ${brute[i].id} ${brute[i].score}`);
          const own = brute.find((b: any) => b.id === h.id);
          if (!own || own.score !== h.score)
            failures.push(`seed ${seed}: ${h.id} scored ${h.score}, exact ${own?.score}`);
          const sum = h.contributions.reduce((s: number, c: any) => s + c.product, 0);
          if (Math.abs(sum - h.score) > 1e-9 * h.score)
            failures.push(`seed ${seed}: contributions of ${h.id} sum to ${sum}, not ${h.score}`);
        });
      }
      await index.dispose();
      await SparseIndex.delete(`rescore-${seed}`);
    }
    return { failures, compared, sameOrderQuantized };
  });
  expect(r.failures).toEqual([]);
  expect(r.compared).toBe(60);
  // The corpora are hard: 8-bit scoring alone often orders the top 10 differently.
  expect(r.sameOrderQuantized).toBeLessThan(r.compared);
});

test('get() and ids() read stored documents; an index records its model and refuses another', async ({ page }) => {
  await openHarness(page);
  const r = await page.evaluate(async () => {
    const { SparseIndex } = window.splade;
    const v = (pairs: [number, number][]) => ({
      indices: Uint32Array.from(pairs.map((p) => p[0])),
      values: Float32Array.from(pairs.map((p) => p[1])),
    });
    await SparseIndex.delete('models');
    const index = await SparseIndex.open('models', { model: 'org/model-a' });
    const before = index.model;
    await index.add([
      {
        id: 'a',
        text: 'alpha',
        fields: { file: 'x.md' },
        vector: {
          ...v([
            [3, 1],
            [9, 2],
          ]),
          spans: Uint32Array.from([0, 5, 0xffffffff, 0xffffffff]),
          literal: Uint8Array.from([1, 0]),
        },
      },
      { id: 'b', text: 'beta', fields: { file: 'y.md' }, vector: v([[3, 0.5]]) },
      { id: 'c', text: 'gamma', fields: { file: 'x.md' }, vector: v([[4, 1]]) },
    ]);
    await index.remove(['c']);
    const got = await index.get('a');
    const plain = got && {
      ...got,
      vector: {
        indices: Array.from(got.vector.indices),
        values: Array.from(got.vector.values),
        spans: Array.from(got.vector.spans),
        literal: Array.from(got.vector.literal),
      },
    };
    const missing = await index.get('c');
    const all = await index.ids();
    const ofX = await index.ids({ file: 'x.md' });
    const model = index.model;
    await index.dispose();
    let other = '';
    try {
      await SparseIndex.open('models', { model: 'org/model-b' });
    } catch (e: any) {
      other = `${e.code}:${e.message}`;
    }
    const same = await SparseIndex.open('models', { model: 'org/model-a' });
    await same.clear();
    const afterClear = same.model;
    await same.dispose();
    const reused = await SparseIndex.open('models', { model: 'org/model-b' });
    await reused.add([{ id: 'z', vector: v([[1, 1]]) }]);
    const reusedModel = reused.model;
    await reused.dispose();
    await SparseIndex.delete('models');
    return { before, plain, missing, all, ofX, model, other, afterClear, reusedModel };
  });
  expect(r.before).toBeNull();
  expect(r.plain).toEqual({
    id: 'a',
    text: 'alpha',
    fields: { file: 'x.md' },
    vector: { indices: [3, 9], values: [1, 2], spans: [0, 5, 0xffffffff, 0xffffffff], literal: [1, 0] },
  });
  expect(r.missing).toBeUndefined();
  expect(r.all).toEqual(['a', 'b']);
  expect(r.ofX).toEqual(['a']);
  expect(r.model).toBe('org/model-a');
  expect(r.other).toMatch(
    /^index-model:index "models" holds vectors of the model "org\/model-a", not of "org\/model-b"/,
  );
  expect(r.afterClear).toBeNull();
  expect(r.reusedModel).toBe('org/model-b');
});

test('searches running while the same instance commits and renumbers see one consistent generation', async ({
  page,
}) => {
  await openHarness(page);
  const r = await page.evaluate(async () => {
    const { SparseIndex } = window.splade;
    await SparseIndex.delete('concurrent');
    const index = await SparseIndex.open('concurrent', { commitSize: 100 });
    const docs = (seed: number) =>
      window.synthetic
        .syntheticDocuments(300, seed, { minTerms: 20, maxTerms: 40, vocab: 500 })
        .map((d: any) => ({ ...d, text: `text of ${d.id} v${seed}` }));
    await index.add(docs(1));
    const queries = window.synthetic.syntheticQueries(8, 10, 5, { vocab: 500 });
    const bad: string[] = [];
    let searches = 0;
    const writes = (async () => {
      for (let round = 2; round < 12; round++) await index.upsert(docs(round)); // each round removes a whole generation: rewrites renumber
    })();
    let done = false;
    void writes.then(() => (done = true));
    while (!done) {
      for (const q of queries) {
        for (const hit of await index.search(q, { limit: 10, explain: true })) {
          if (!hit.text.startsWith(`text of ${hit.id} v`)) bad.push(`${hit.id}: ${hit.text}`);
          const sum = hit.contributions.reduce((s: number, c: any) => s + c.product, 0);
          if (Math.abs(sum - hit.score) > 1e-6 * hit.score)
            bad.push(`${hit.id}: contributions ${sum} vs score ${hit.score}`);
        }
        searches++;
      }
    }
    await writes;
    const final = { count: index.count(), numbered: index.stats.numberedDocuments };
    await index.dispose();
    await SparseIndex.delete('concurrent');
    return { bad: bad.slice(0, 10), searches, final };
  });
  expect(r.bad).toEqual([]);
  expect(r.searches).toBeGreaterThan(8);
  expect(r.final.count).toBe(300);
  expect(r.final.numbered).toBeLessThanOrEqual(600);
});
