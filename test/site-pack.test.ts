/**
 * The static site's pack layout (src/index/store/pack.ts) and page grouping (src/site/page-search.ts),
 * pure code: the page table, where a key's value is, record files, the layout a runtime refuses,
 * and a planned pack read back value for value.
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { emptyManifest } from '../src/index/format/manifest.ts';
import { sealJson, unsealJson } from '../src/index/format/records.ts';
import { packIndex } from '../src/cli/pack.ts';
import {
  bundle,
  checkLayout,
  packStore,
  pageHeadsKey,
  PageTable,
  type PageHeads,
  placeOf,
  planPacks,
  recordPlace,
  unbundle,
  type PackLayout,
} from '../src/index/store/pack.ts';
import { pageScore, rankPages, type RankedPage } from '../src/site/page-search.ts';

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

describe('page table', () => {
  it('numbers the sections of a page together: section -> page by the table alone', () => {
    const t = new PageTable([3, 1, 5]);
    expect(t.pages).toBe(3);
    expect(t.sections).toBe(9);
    expect([0, 1, 2, 3, 4, 8].map((s) => t.pageOf(s))).toEqual([0, 0, 0, 1, 2, 2]);
  });

  it("puts a page's records in files of recordsPerFile, numbered within the page", () => {
    const t = new PageTable([3, 1, 5]);
    expect(recordPlace(t, 2, 0)).toEqual({ file: 'r0-0.bin', item: 0 });
    expect(recordPlace(t, 2, 2)).toEqual({ file: 'r0-1.bin', item: 0 });
    expect(recordPlace(t, 2, 3)).toEqual({ file: 'r1-0.bin', item: 0 });
    expect(recordPlace(t, 2, 8)).toEqual({ file: 'r2-2.bin', item: 0 });
    expect(recordPlace(t, 2, 7)).toEqual({ file: 'r2-1.bin', item: 1 });
  });
});

describe('bundles', () => {
  it('round-trips values, and refuses bytes that are not a bundle', () => {
    const values = [Uint8Array.of(1, 2, 3), new Uint8Array(0), Uint8Array.of(9)];
    const b = bundle(values);
    expect(unbundle(b, 'x').map((v) => [...v])).toEqual([[1, 2, 3], [], [9]]);
    expect(() => unbundle(b.subarray(0, b.length - 1), 'r0-0.bin')).toThrow(/r0-0\.bin is not a file of records/);
    expect(() => unbundle(Uint8Array.of(1), 'r0-0.bin')).toThrow(/index is damaged/);
  });
});

function valuesOf(pages: number[]): Map<string, Uint8Array> {
  const values = new Map<string, Uint8Array>();
  const sections = pages.reduce((a, b) => a + b, 0);
  values.set('manifest', sealJson({ ...emptyManifest(1), docs: sections, nextRecord: sections }));
  values.set('seg/g1p0/chunk/0', Uint8Array.of(1, 1));
  values.set('seg/g1p0/dict-page/3', Uint8Array.of(2, 2, 2));
  values.set('seg/g1p0/meta-page/1', Uint8Array.of(3));
  values.set('tomb/1', Uint8Array.of(7, 7));
  values.set('page/0', sealJson({ ids: ['a', 'b', 'c'], fields: [{}, {}, {}] }));
  for (let r = 0; r < sections; r++) values.set(`doc/${r}`, Uint8Array.of(r, r + 1));
  return values;
}

describe('planPacks and packStore', () => {
  it('lays values out in one content-hashed folder, and reads each back as it was', async () => {
    const pages = [3, 1, 5];
    const values = valuesOf(pages);
    const plan = planPacks(values, { hash: sha256, pages, recordsPerFile: 2 });
    const { layout } = plan;
    expect(layout.folder).toMatch(/^index\.[0-9a-f]{16}\/$/);
    expect(layout.pages).toEqual(pages);
    expect(layout.core).toEqual({ names: ['tomb/1'], lengths: [2] });
    const names = [...plan.files.keys()].map((n) => n.slice(layout.folder.length)).sort();
    expect(names).toEqual(
      [
        'core.bin',
        'g1p0-c0.bin',
        'g1p0-d3.bin',
        'g1p0-m1.bin',
        'h0.bin',
        'r0-0.bin',
        'r0-1.bin',
        'r1-0.bin',
        'r2-0.bin',
        'r2-1.bin',
        'r2-2.bin',
      ].sort(),
    );
    const read: string[] = [];
    const store = packStore(
      layout,
      async (name) => {
        read.push(name);
        const bytes = plan.files.get(name);
        if (!bytes) throw new Error(`no file ${name}`);
        return bytes;
      },
      'test',
    );
    for (const [key, value] of values) {
      const got = await store.get(key);
      if (key === 'manifest') expect(JSON.parse(new TextDecoder().decode(got!.subarray(4)))).toMatchObject({ docs: 9 });
      else expect([...got!], key).toEqual([...value]);
    }
    expect(await store.get('doc/9')).toBeUndefined();
    expect(await store.get('seg/g1p0/dict')).toBeUndefined();
    // The manifest comes from the layout: no file is read for it.
    read.length = 0;
    await store.get('manifest');
    expect(read).toEqual([]);
    // The same index gives the same folder; another value, another folder.
    expect(planPacks(values, { hash: sha256, pages, recordsPerFile: 2 }).layout.folder).toBe(layout.folder);
    values.set('doc/4', Uint8Array.of(0));
    expect(planPacks(values, { hash: sha256, pages, recordsPerFile: 2 }).layout.folder).not.toBe(layout.folder);
  });

  it('refuses records that do not match the page table', () => {
    const values = valuesOf([2, 2]);
    expect(() => planPacks(values, { hash: sha256, pages: [2, 3] })).toThrow(/doc\/0 \.\. doc\/4/);
  });

  it('places keys by name, never by a directory', () => {
    const layout = { recordsPerFile: 4, pages: [2], folder: 'index.0/' } as unknown as PackLayout;
    const t = new PageTable([2]);
    expect(placeOf(layout, t, 'seg/g3p1/chunk/12')).toEqual({ file: 'g3p1-c12.bin', kind: 'whole' });
    expect(placeOf(layout, t, 'doc/1')).toEqual({ file: 'r0-0.bin', item: 1, kind: 'bundle' });
    expect(placeOf(layout, t, 'page/0')).toEqual({ file: 'h0.bin', kind: 'whole' });
    expect(placeOf(layout, t, 'page/1')).toBeUndefined();
    expect(placeOf(layout, t, 'seg/../x/chunk/1')).toBeUndefined();
    expect(placeOf(layout, t, 'other')).toBeUndefined();
    // A layout built before heads were split has no headsPerFile: one heads file a page, no parts.
    expect(placeOf(layout, t, 'page/0/0')).toBeUndefined();
  });

  it("splits a page's heads into files of headsPerFile sections: h<page>-<part>.bin", () => {
    const layout = { recordsPerFile: 1, headsPerFile: 2, pages: [5, 1], folder: 'index.0/' } as unknown as PackLayout;
    const t = new PageTable([5, 1]);
    expect([0, 1, 2, 3, 4].map((at) => pageHeadsKey(0, at, 2))).toEqual([
      'page/0/0',
      'page/0/0',
      'page/0/1',
      'page/0/1',
      'page/0/2',
    ]);
    expect(pageHeadsKey(0, 4)).toBe('page/0'); // no headsPerFile: the one file of a page
    expect(placeOf(layout, t, 'page/0/2')).toEqual({ file: 'h0-2.bin', kind: 'whole' });
    expect(placeOf(layout, t, 'page/0/3')).toBeUndefined(); // sections 6.. are past the page's 5
    expect(placeOf(layout, t, 'page/0')).toBeUndefined(); // not the whole-page key in a split layout
    expect(placeOf(layout, t, 'page/2/0')).toBeUndefined(); // no page 2
  });
});

describe('packIndex heads', () => {
  it("writes a page's sections' ids and fields in parts of headsPerFile, and only for pages of several sections", async () => {
    const docs = Array.from({ length: 6 }, (_, k) => ({
      id: `${k < 5 ? 'a' : 'b'}.html#s${k}`,
      text: `section ${k}`,
      fields: { n: k },
    }));
    const plan = await packIndex(
      docs,
      (text) => ({ indices: Uint32Array.of(1 + Number(text.split(' ')[1])), values: Float32Array.of(1) }),
      { model: 'test', sectionsPerPage: [5, 1], headsPerFile: 2 },
    );
    expect(plan.layout.headsPerFile).toBe(2);
    const heads = [...plan.files.keys()]
      .map((n) => n.slice(plan.layout.folder.length))
      .filter((n) => n.startsWith('h'));
    expect(heads.sort()).toEqual(['h0-0.bin', 'h0-1.bin', 'h0-2.bin']);
    const part = unsealJson<PageHeads>(plan.files.get(`${plan.layout.folder}h0-1.bin`), 'h0-1.bin');
    expect(part).toEqual({ ids: ['a.html#s2', 'a.html#s3'], fields: [{ n: 2 }, { n: 3 }] });
  });
});

describe('checkLayout', () => {
  it('names the version it found and the one it reads, and refuses a damaged layout', () => {
    expect(() => checkLayout({ format: 'splade-web-pack', version: 1 }, 'splade-entry.json')).toThrow(
      /not a pack layout of version 2 .*found version 1; rebuild/,
    );
    try {
      checkLayout(undefined, 'e');
    } catch (error) {
      expect((error as { code?: string }).code).toBe('index-schema');
    }
    expect(() =>
      checkLayout(
        { format: 'splade-web-pack', version: 2, folder: '../x/', manifest: {}, pages: [1], recordsPerFile: 4 },
        'e',
      ),
    ).toThrow(/not a valid pack layout/);
    expect(() =>
      checkLayout(
        { format: 'splade-web-pack', version: 2, folder: 'index.ab/', manifest: {}, pages: [0], recordsPerFile: 4 },
        'e',
      ),
    ).toThrow(/not a valid pack layout/);
  });
});

describe('rankPages', () => {
  const pageOf = (s: number) => Math.floor(s / 10);
  const top = [
    { doc: 11, score: 5 },
    { doc: 21, score: 4 },
    { doc: 12, score: 1 },
    { doc: 22, score: 2 },
    { doc: 23, score: 0.5 },
    { doc: 31, score: 3 },
    { doc: 41, score: 3 },
  ];
  const ranked = (pages: RankedPage[]) => pages.map((p) => [p.page, p.score, p.sections.map((s) => s.doc)]);

  it('groups the top sections by page, scores a page by its best `per`, each further one counting less', () => {
    // 5 + 0.75 * 1 against 4 + 0.75 * 2: under a plain sum (laterSection 1) the two pages tie at 6.
    expect(ranked(rankPages(top, pageOf, 2, 3))).toEqual([
      [1, 5.75, [11, 12]],
      [2, 5.5, [21, 22]],
      [3, 3, [31]],
    ]);
    expect(ranked(rankPages(top, pageOf, 2, 3, () => 0, { laterSection: 1, leadSection: 1 }))).toEqual([
      [1, 6, [11, 12]],
      [2, 6, [21, 22]],
      [3, 3, [31]],
    ]);
  });

  it('a page with one strong section outranks one that mentions the query in three weaker ones', () => {
    const spread = [
      { doc: 10, score: 15 },
      { doc: 20, score: 6 },
      { doc: 21, score: 6 },
      { doc: 22, score: 6 },
    ];
    // 15 against 6 + 4.5 + 3.375 = 13.875; a plain sum would say 18.
    expect(rankPages(spread, pageOf, 3, 2).map((p) => p.page)).toEqual([1, 2]);
    expect(rankPages(spread, pageOf, 3, 2, () => 0, { laterSection: 1, leadSection: 1 }).map((p) => p.page)).toEqual([
      2, 1,
    ]);
  });

  it("counts a page's lead section once more, read through leadOf, and keeps ties in section order", () => {
    const lead = new Map([[4, 2]]);
    const pages = rankPages(top, pageOf, 2, 4, (page) => lead.get(page) ?? 0);
    expect(ranked(pages)).toEqual([
      [1, 5.75, [11, 12]],
      [2, 5.5, [21, 22]],
      [4, 5, [41]],
      [3, 3, [31]],
    ]);
    expect(
      ranked(rankPages(top, pageOf, 2, 4, (page) => lead.get(page) ?? 0, { laterSection: 0.75, leadSection: 0 })),
    ).toEqual([
      [1, 5.75, [11, 12]],
      [2, 5.5, [21, 22]],
      [3, 3, [31]],
      [4, 3, [41]],
    ]);
  });
});

describe('pageScore', () => {
  it('adds the best section, 0.75 of the next, 0.5625 of the third, and the lead section', () => {
    expect(pageScore([4, 2, 1], 0)).toBeCloseTo(4 + 1.5 + 0.5625, 12);
    expect(pageScore([4, 2, 1], 3)).toBeCloseTo(7 + 1.5 + 0.5625, 12);
    expect(pageScore([4, 2, 1], 3, { laterSection: 0, leadSection: 0 })).toBe(4);
    expect(pageScore([], 3)).toBe(3);
  });
});
