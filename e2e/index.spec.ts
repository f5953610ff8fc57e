/**
 * SparseIndex in a real Chromium with real IndexedDB: correctness against exhaustive scoring,
 * persistence across reloads, two tabs, a checksum failure and a full disk.
 */
import { expect, test, type Page } from '@playwright/test';
import { openHarness } from './support/page.ts';

test('add, search, explain, filter, upsert, remove, export and import', async ({ page }) => {
  await openHarness(page);
  const r = await page.evaluate(async () => {
    const { SparseIndex } = window.splade;
    const v = (pairs: [number, number][]) => ({
      indices: Uint32Array.from(pairs.map((p) => p[0])),
      values: Float32Array.from(pairs.map((p) => p[1])),
    });
    const tokens: Record<number, string> = { 1: 'git', 2: 'rebase', 3: 'branch', 4: 'merge', 5: '##ing' };
    const index = await SparseIndex.open('basic', { tokenOf: (id: number) => tokens[id] ?? `#${id}` });
    await index.add([
      {
        id: 'a',
        text: 'Use git rebase to move a branch onto another.',
        fields: { lang: 'en', kind: 'guide' },
        vector: v([
          [1, 0.5],
          [2, 2.0],
          [3, 1.0],
        ]),
      },
      {
        id: 'b',
        text: 'git merge joins two branches.',
        fields: { lang: 'en', kind: 'ref' },
        vector: v([
          [1, 0.4],
          [3, 0.8],
          [4, 2.0],
        ]),
      },
      {
        id: 'c',
        text: '<img src=x onerror=alert(1)> merging',
        fields: { lang: 'xx', kind: 'ref' },
        vector: v([
          [4, 1.5],
          [5, 0.3],
        ]),
      },
    ]);
    const q = v([
      [2, 1.0],
      [3, 0.5],
      [4, 0.25],
    ]);
    const hits = await index.search(q, { explain: true });
    const filtered = await index.search(q, { filter: { kind: 'ref' } });
    const fnFiltered = await index.search(q, { filter: (f: any, id: string) => id !== 'a' && f.lang === 'en' });
    const minScored = await index.search(q, { minScore: 1 });
    let dup = '';
    try {
      await index.add([{ id: 'a', vector: v([[1, 1]]) }]);
    } catch (e: any) {
      dup = `${e.code}:${e.message}`;
    }
    await index.upsert([{ id: 'b', text: 'now about rebase', vector: v([[2, 3.0]]) }]);
    const afterUpsert = await index.search(q);
    const removed = await index.remove(['a', 'nope']);
    const afterRemove = await index.search(q);
    const snapshot = await index.export();
    await index.clear();
    const afterClear = { count: index.count(), hits: await index.search(q) };
    await index.import(snapshot);
    const afterImport = await index.search(q);
    const count = index.count();
    await index.dispose();
    return {
      hits,
      filtered,
      fnFiltered,
      minScored,
      dup,
      afterUpsert,
      removed,
      afterRemove,
      afterClear,
      afterImport,
      count,
      snapshotIds: snapshot.documents.map((d: any) => d.id),
    };
  });
  expect(r.hits.map((h: any) => h.id)).toEqual(['a', 'b', 'c']);
  for (const h of r.hits) {
    const sum = h.contributions.reduce((s: number, c: any) => s + c.product, 0);
    expect(sum).toBeCloseTo(h.score, 6);
    for (const c of h.contributions) expect(c.product).toBeCloseTo(c.queryWeight * c.documentWeight, 6);
    for (const m of h.snippet.highlights)
      expect(h.snippet.text.slice(m.start, m.end).toLowerCase()).toContain(m.token.replace(/^##/, ''));
  }
  expect(r.hits[0].contributions[0]).toMatchObject({ token: 'rebase', queryWeight: 1 });
  expect(r.hits[0].fields).toEqual({ lang: 'en', kind: 'guide' });
  expect(r.filtered.map((h: any) => h.id)).toEqual(['b', 'c']);
  expect(r.fnFiltered.map((h: any) => h.id)).toEqual(['b']);
  expect(r.minScored.every((h: any) => h.score > 1)).toBe(true);
  expect(r.dup).toMatch(/^duplicate-id:the index already holds a document with id "a"; use upsert\(\)/);
  expect(r.afterUpsert[0].id).toBe('b');
  expect(r.removed).toBe(1);
  expect(r.afterRemove.map((h: any) => h.id)).toEqual(['b', 'c']);
  expect(r.afterClear).toEqual({ count: 0, hits: [] });
  // Same hits; scores may move within the quantization bound (blocks are re-packed on import).
  expect(r.afterImport.map((h: any) => h.id)).toEqual(r.afterRemove.map((h: any) => h.id));
  r.afterImport.forEach((h: any, k: number) =>
    expect(Math.abs(h.score - r.afterRemove[k].score)).toBeLessThanOrEqual((2 * 3.0) / 510),
  );
  expect(r.count).toBe(2);
});

test('top-k equals exhaustive scoring on random corpora (many seeds), through commits, merges and removals', async ({
  page,
}) => {
  await openHarness(page);
  const r = await page.evaluate(async () => {
    const { SparseIndex, WEIGHT_ERROR_BOUND } = window.splade;
    const dot = window.synthetic.plainDot; // plain code, sharing nothing with the engine
    const { syntheticDocuments, syntheticQueries } = window.synthetic;
    const failures: string[] = [];
    let compared = 0;
    for (let seed = 1; seed <= 12; seed++) {
      const n = 300 + seed * 40;
      const docs = syntheticDocuments(n, seed, { minTerms: 20, maxTerms: 60, vocab: 3000 });
      const index = await SparseIndex.open(`prop-${seed}`, { commitSize: 37 + seed });
      // Several commits (many segments, hence merges), then removals and upserts.
      for (let k = 0; k < n; k += 97) await index.add(docs.slice(k, k + 97));
      const removed = docs.filter((_: any, k: number) => k % 11 === seed % 11).map((d: any) => d.id);
      await index.remove(removed);
      const replaced = syntheticDocuments(5, seed + 100, { minTerms: 20, maxTerms: 60, vocab: 3000 }).map(
        (d: any, k: number) => ({ ...d, id: docs[k * 7]!.id }),
      );
      await index.upsert(replaced);
      const live = new Map(docs.map((d: any) => [d.id, d.vector]));
      removed.forEach((id: string) => live.delete(id));
      replaced.forEach((d: any) => live.set(d.id, d.vector));
      if (index.count() !== live.size) failures.push(`seed ${seed}: count ${index.count()} != ${live.size}`);
      for (const terms of [3, 30]) {
        for (const q of syntheticQueries(6, terms, seed, { vocab: 3000 })) {
          const k = 10;
          const pruned = await index.search(q, { limit: k });
          const full = await index.search(q, { limit: k, exhaustive: true });
          compared++;
          if (JSON.stringify(pruned.map((h: any) => h.id)) !== JSON.stringify(full.map((h: any) => h.id)))
            failures.push(
              `seed ${seed}/${terms}: pruned ${pruned.map((h: any) => h.id)} vs exhaustive ${full.map((h: any) => h.id)}`,
            );
          // Against brute force over the original float vectors: scores within the documented bound,
          // and no document clearly better than the k-th hit is missing.
          const bound =
            Array.from(q.values as Float32Array).reduce((s: number, x: number) => s + x * 2.6, 0) * WEIGHT_ERROR_BOUND;
          const brute = [...live]
            .map(([id, v]) => ({ id, score: dot(q, v) }))
            .filter((h) => h.score > 0)
            .sort((a, b) => b.score - a.score);
          for (const h of pruned) {
            const exact = dot(q, live.get(h.id));
            if (Math.abs(exact - h.score) > bound + 1e-9)
              failures.push(`seed ${seed}: score of ${h.id} off by ${exact - h.score} > ${bound}`);
          }
          const kth = pruned.length === k ? pruned[k - 1].score : 0;
          for (const b of brute) {
            if (b.score <= kth + 2 * bound) break;
            if (!pruned.some((h: any) => h.id === b.id))
              failures.push(`seed ${seed}: ${b.id} (${b.score}) missing above ${kth}`);
          }
        }
      }
      await index.clear();
      await index.dispose();
    }
    return { failures, compared };
  });
  expect(r.failures).toEqual([]);
  expect(r.compared).toBe(12 * 12);
});

test('reload the page, reopen: the same results; a second tab writes and searches at the same time', async ({
  page,
  context,
}) => {
  await openHarness(page);
  const query = async (p: Page) =>
    p.evaluate(async () => {
      const { SparseIndex } = window.splade;
      const q = window.synthetic.syntheticQueries(1, 20, 5)[0];
      const index = await SparseIndex.open('shared');
      const hits = await index.search(q, { limit: 20 });
      const count = index.count();
      await index.dispose();
      return { count, hits: hits.map((h: any) => [h.id, h.score]) };
    });
  await page.evaluate(async () => {
    const index = await window.splade.SparseIndex.open('shared');
    await index.add(window.synthetic.syntheticDocuments(1500, 3));
    await index.dispose();
  });
  const before = await query(page);
  await page.reload();
  await openHarness(page);
  expect(await query(page)).toEqual(before);

  // Two tabs: both write (one writer at a time, via Web Locks) and search meanwhile.
  const other = await context.newPage();
  await openHarness(other);
  const writeAndSearch = (p: Page, start: number) =>
    p.evaluate(async (start) => {
      const { SparseIndex } = window.splade;
      const index = await SparseIndex.open('shared');
      const q = window.synthetic.syntheticQueries(1, 20, 9)[0];
      const seen: number[] = [];
      for (let k = 0; k < 10; k++) {
        await index.add(window.synthetic.syntheticDocuments(100, 4, {}, start + k * 100));
        seen.push((await index.search(q, { limit: 5 })).length);
      }
      await index.dispose();
      return seen;
    }, start);
  const [a, b] = await Promise.all([writeAndSearch(page, 10_000), writeAndSearch(other, 20_000)]);
  expect(a.every((n) => n === 5) && b.every((n) => n === 5)).toBe(true);
  const final = await query(other);
  expect(final.count).toBe(1500 + 2000);
  // The first tab sees the other's generations too.
  expect(await query(page)).toEqual(final);
});

test('term ids anywhere in 0..2^32-1 (hashed features) are indexed, searched and explained', async ({ page }) => {
  await openHarness(page);
  const r = await page.evaluate(async () => {
    const { SparseIndex } = window.splade;
    const v = (pairs: [number, number][]) => ({
      indices: Uint32Array.from(pairs.map((p) => p[0])),
      values: Float32Array.from(pairs.map((p) => p[1])),
    });
    const top = 2 ** 32 - 1;
    const index = await SparseIndex.open('hashed', { commitSize: 2 });
    await index.add([
      {
        id: 'a',
        vector: v([
          [7, 1],
          [2 ** 31, 2],
        ]),
      },
      {
        id: 'b',
        vector: v([
          [2 ** 31, 1],
          [top, 3],
        ]),
      },
      {
        id: 'c',
        vector: v([
          [7, 0.5],
          [top, 1],
        ]),
      },
    ]);
    const hits = await index.search(
      v([
        [7, 1],
        [2 ** 31, 1],
        [top, 1],
      ]),
      { explain: true },
    );
    await index.dispose();
    return hits.map((h: any) => ({ id: h.id, score: h.score, tokens: h.contributions.map((c: any) => c.token) }));
  });
  expect(r.map((h: { id: string }) => h.id)).toEqual(['b', 'a', 'c']);
  [4, 3, 1.5].forEach((score, k) => expect(r[k]!.score).toBeCloseTo(score, 1));
  expect(r[0]!.tokens).toEqual([`#${2 ** 32 - 1}`, `#${2 ** 31}`]);
});

test('opening reads no postings; queries decode lazily within the cache bound and stay exact', async ({ page }) => {
  await openHarness(page);
  const r = await page.evaluate(async () => {
    const { SparseIndex } = window.splade;
    const writer = await SparseIndex.open('lazy', { commitSize: 1000 });
    await writer.add(window.synthetic.syntheticDocuments(3000, 11));
    await writer.dispose();
    const cacheBytes = 200_000;
    const small = await SparseIndex.open('lazy', { cacheBytes });
    const atOpen = small.stats.cachedBytes;
    const big = await SparseIndex.open('lazy', { cacheBytes: 1 << 30 });
    const peaks: number[] = [];
    let same = true;
    for (const [k, q] of window.synthetic.syntheticQueries(30, 30, 21).entries()) {
      const a = await small.search(q, { limit: 10 });
      const b = await big.search(q, { limit: 10, exhaustive: k % 2 === 1 });
      if (JSON.stringify(a) !== JSON.stringify(b)) same = false;
      peaks.push(small.stats.cachedBytes);
    }
    const everything = big.stats.cachedBytes;
    await small.dispose();
    await big.dispose();
    return { atOpen, peak: Math.max(...peaks), cacheBytes, same, everything };
  });
  expect(r.atOpen).toBe(0);
  expect(r.same).toBe(true);
  expect(r.peak).toBeGreaterThan(0);
  expect(r.peak).toBeLessThanOrEqual(r.cacheBytes);
  // The bound is what kept it small: unbounded, the same queries hold more.
  expect(r.everything).toBeGreaterThan(r.cacheBytes);
});

test('a flipped byte in a stored block is detected and reported; rebuild() recovers', async ({ page }) => {
  await openHarness(page);
  const r = await page.evaluate(async () => {
    const { SparseIndex } = window.splade;
    const index = await SparseIndex.open('corrupt');
    await index.add(window.synthetic.syntheticDocuments(400, 7));
    const q = window.synthetic.syntheticQueries(1, 40, 7)[0];
    const good = (await index.search(q)).map((h: any) => h.id);
    await index.dispose();
    // Flip one byte of a stored chunk, behind the library's back.
    await new Promise<void>((resolve, reject) => {
      const req = indexedDB.open('splade-web:corrupt');
      req.onsuccess = () => {
        const tx = req.result.transaction('kv', 'readwrite');
        const store = tx.objectStore('kv');
        const get = store.get('seg/g1p0/chunk/0');
        get.onsuccess = () => {
          const chunk: Uint8Array = get.result;
          chunk[Math.floor(chunk.length / 2)]! ^= 0x10;
          store.put(chunk, 'seg/g1p0/chunk/0');
        };
        tx.oncomplete = () => {
          req.result.close();
          resolve();
        };
        tx.onerror = () => reject(tx.error);
      };
    });
    const reopened = await SparseIndex.open('corrupt');
    let error = '';
    try {
      await reopened.search(q);
    } catch (e: any) {
      error = `${e.code}:${e.message}`;
    }
    const bad = await reopened.verify();
    const dropped = await reopened.rebuild();
    const after = (await reopened.search(q)).map((h: any) => h.id);
    const badAfter = await reopened.verify();
    await reopened.dispose();

    // A damaged dictionary: the index cannot even open; SparseIndex.repair(name) is the way back.
    await new Promise<void>((resolve, reject) => {
      const req = indexedDB.open('splade-web:corrupt');
      req.onsuccess = () => {
        const tx = req.result.transaction('kv', 'readwrite');
        const store = tx.objectStore('kv');
        const keys = store.getAllKeys();
        keys.onsuccess = () => {
          const dict = (keys.result as string[]).find((k) => k.endsWith('/dict'))!;
          const get = store.get(dict);
          get.onsuccess = () => {
            const bytes: Uint8Array = get.result;
            bytes[bytes.length - 3]! ^= 0x01;
            store.put(bytes, dict);
          };
        };
        tx.oncomplete = () => {
          req.result.close();
          resolve();
        };
        tx.onerror = () => reject(tx.error);
      };
    });
    let openError = '';
    try {
      await SparseIndex.open('corrupt');
    } catch (e: any) {
      openError = `${e.code}:${e.message}`;
    }
    const repaired = await SparseIndex.repair('corrupt');
    const afterRepair = (await repaired.index.search(q)).map((h: any) => h.id);
    const verifiedAfterRepair = await repaired.index.verify();
    const countAfterRepair = repaired.index.count();
    await repaired.index.dispose();
    return {
      good,
      error,
      bad,
      dropped,
      after,
      badAfter,
      openError,
      afterRepair,
      droppedByRepair: repaired.dropped,
      verifiedAfterRepair,
      countAfterRepair,
    };
  });
  expect(r.error).toMatch(
    /^index-corrupt:the stored index is damaged: seg\/g1p0\/chunk\/0 fails its checksum\. .* SparseIndex\.repair\(name\)/,
  );
  expect(r.bad).toEqual({ damaged: ['seg/g1p0/chunk/0'], unreferenced: [] });
  expect(r.dropped).toEqual([]);
  expect(r.badAfter).toEqual({ damaged: [], unreferenced: [] });
  expect(r.after).toEqual(r.good);
  expect(r.openError).toMatch(
    /^index-corrupt:the stored index is damaged: seg\/\S+\/dict fails its checksum\. .*SparseIndex\.repair\(name\)/,
  );
  expect(r.afterRepair).toEqual(r.good);
  expect(r.droppedByRepair).toEqual([]);
  expect(r.countAfterRepair).toBe(400);
  expect(r.verifiedAfterRepair).toEqual({ damaged: [], unreferenced: [] });
});

test('quota exceeded: a clear error, and the index stays intact', async ({ page, context }) => {
  // The override only applies to an origin whose quota was not read yet: set it first.
  const cdp = await context.newCDPSession(page);
  await cdp.send('Storage.overrideQuotaForOrigin', {
    origin: new URL(test.info().project.use.baseURL!).origin,
    quotaSize: 3 * 1024 * 1024,
  });
  await openHarness(page);
  await page.evaluate(async () => {
    const index = await window.splade.SparseIndex.open('quota');
    await index.add(window.synthetic.syntheticDocuments(200, 8));
    await index.dispose();
  });
  const r = await page.evaluate(async () => {
    const { SparseIndex } = window.splade;
    const index = await SparseIndex.open('quota');
    const q = window.synthetic.syntheticQueries(1, 30, 8)[0];
    const before = (await index.search(q)).map((h: any) => h.id);
    let error = '';
    try {
      await index.add(window.synthetic.syntheticDocuments(20000, 9, {}, 1000));
    } catch (e: any) {
      error = `${e.code}:${e.message}`;
    }
    const after = (await index.search(q)).map((h: any) => h.id);
    const count = index.count();
    await index.dispose();
    const reopened = await SparseIndex.open('quota');
    const afterReopen = { count: reopened.count(), hits: (await reopened.search(q)).map((h: any) => h.id) };
    return { before, error, after, count, afterReopen };
  });
  await cdp.send('Storage.overrideQuotaForOrigin', { origin: new URL(test.info().project.use.baseURL!).origin });
  expect(r.error).toMatch(/^quota-exceeded:writing the index failed: the browser's storage quota is exhausted/);
  expect(r.after).toEqual(r.before);
  expect(r.count).toBe(200);
  expect(r.afterReopen).toEqual({ count: 200, hits: r.before });
});

test('a schema version mismatch and a database deleted under an open index give clear errors and a rebuild path', async ({
  page,
}) => {
  await openHarness(page);
  const r = await page.evaluate(async () => {
    const { SparseIndex } = window.splade;
    const docs = window.synthetic.syntheticDocuments(50, 12);
    const index = await SparseIndex.open('schema');
    await index.add(docs);
    await index.dispose();
    // Pretend a future version wrote this index.
    await new Promise<void>((resolve) => {
      const req = indexedDB.open('splade-web:schema');
      req.onsuccess = () => {
        const tx = req.result.transaction('kv', 'readwrite');
        const store = tx.objectStore('kv');
        const get = store.get('manifest');
        get.onsuccess = () => {
          // A sealed manifest (CRC-32 first, then JSON) saying schema 99, checksum and all.
          const json = JSON.parse(new TextDecoder().decode((get.result as Uint8Array).subarray(4)));
          const payload = new TextEncoder().encode(JSON.stringify({ ...json, schema: 99 }));
          let c = 0xffffffff;
          for (const byte of payload) {
            c ^= byte;
            for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
          }
          const sealed = new Uint8Array(4 + payload.length);
          new DataView(sealed.buffer).setUint32(0, (c ^ 0xffffffff) >>> 0, true);
          sealed.set(payload, 4);
          store.put(sealed, 'manifest');
        };
        tx.oncomplete = () => {
          req.result.close();
          resolve();
        };
      };
    });
    let schemaError = '';
    try {
      await SparseIndex.open('schema');
    } catch (e: any) {
      schemaError = `${e.code}:${e.message}`;
    }
    const reset = await SparseIndex.open('schema', { onIncompatible: 'reset' });
    const afterReset = reset.count();
    await reset.add(docs);
    const q = window.synthetic.syntheticQueries(1, 10, 12)[0];
    const before = (await reset.search(q)).length;
    // Another tab (or the user) deletes the database while this index is open.
    await SparseIndex.delete('schema');
    let deletedError = '';
    try {
      await reset.search(q);
    } catch (e: any) {
      deletedError = `${e.code}:${e.message}`;
    }
    await reset.clear();
    await reset.add(docs.slice(0, 10));
    const afterClear = reset.count();
    await reset.dispose();
    return { schemaError, afterReset, before, deletedError, afterClear };
  });
  expect(r.schemaError).toMatch(
    /^index-schema:index "schema" was stored with schema 99 .* this version reads schema 2\. Open it with \{ onIncompatible: 'reset' \}/,
  );
  expect(r.afterReset).toBe(0);
  expect(r.before).toBeGreaterThan(0);
  expect(r.deletedError).toMatch(
    /^index-missing:the database of index "schema" was deleted or evicted by the browser; call clear\(\)/,
  );
  expect(r.afterClear).toBe(10);
});
