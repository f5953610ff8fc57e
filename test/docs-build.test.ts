/**
 * `splade-web build` on a small real site (test/fixtures/site: pages of Debian's git-doc plus pages
 * written to exercise boilerplate, include/exclude regions, broken markup, Markdown and bad files):
 * (sections themselves: test/sections.test.ts) the packed output read back through the engine equal
 * to an index holding the same vectors, an incremental rebuild encoding only what changed, and bad
 * input failing with a clear message and exit code while the previous output stays intact.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { build, type BuildSummary } from '../src/cli/build.ts';
import { openBuiltSite } from '../src/cli/export.ts';
import { SparseEncoder, SparseIndex } from '../src/node.ts';
import { openMemoryStore } from '../src/index/store/memory.ts';

const FIXTURE = 'test/fixtures/site';
const MODEL = './public/models/splade-tiny-en-if';
const work = mkdtempSync(join(tmpdir(), 'splade-docs-'));
const site = join(work, 'site');
const out = join(work, 'out');
const cache = join(work, 'cache');
let first: BuildSummary;

beforeAll(async () => {
  cpSync(FIXTURE, site, { recursive: true });
  first = await build({ site, out, cache });
}, 300_000);
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('build', () => {
  it('writes the runtime, a small entry and a bounded number of content-hashed files', () => {
    expect(first.pages).toBe(8);
    expect(first.skipped.map((s) => s.file).sort()).toEqual(['guide/empty.html', 'guide/not-html.html']);
    const names = readdirSync(out, { recursive: true })
      .map(String)
      .filter((n) => statSync(join(out, n)).isFile());
    expect(names).toContain('splade.js');
    expect(names).toContain('splade-entry.json');
    // The widget's script, loaded by a script tag (a fixed name, like splade.js).
    expect(names).toContain('splade-search.js');
    // The entry carries what every query needs first (the index's layout and page table, the
    // tokenizer's and word list's configs: ~8 KB of JSON here, most of it the tokenizer's config).
    expect(statSync(join(out, 'splade-entry.json')).size).toBeLessThan(12_288);
    const fixed = ['splade.js', 'splade-search.js', 'splade-entry.json'];
    // The index's files in one folder named by their content; the query side's files by their own.
    const entry = JSON.parse(readFileSync(join(out, 'splade-entry.json'), 'utf8'));
    expect(entry.index.folder).toMatch(/^index\.[0-9a-f]{16}\/$/);
    expect(entry.index.pages.reduce((a: number, b: number) => a + b, 0)).toBe(first.sections);
    for (const n of names.filter((n) => !fixed.includes(n)))
      expect(n).toMatch(/^index\.[0-9a-f]{16}\/[\w-]+\.bin$|\.[0-9a-f]{12,16}\.(bin|json)$/);
    for (const js of ['splade.js', 'splade-search.js'])
      expect(readFileSync(join(out, js), 'utf8')).not.toMatch(/onnxruntime/);
    expect(readFileSync(join(out, 'splade-search.js'), 'utf8')).toContain('splade-search');
  });

  it('holds what an index of the same vectors holds: equal hits, URLs with anchors', async () => {
    const { index } = await openBuiltSite(out);
    const encoder = await SparseEncoder.fromPretrained(MODEL);
    try {
      const docs = (await index.export()).documents;
      const ids = docs.map((d) => d.id);
      expect(ids).toContain('/git/git-mktree.html#_description');
      expect(ids).toContain('/guide/notes.html#writing-trees-1');
      expect(ids.every((id) => id.startsWith('/'))).toBe(true);
      const reference = await SparseIndex.openStore(openMemoryStore(), { name: 'ref' });
      await reference.import(await index.export());
      for (const q of [
        'build a tree object from ls-tree output',
        'verify a signed tag with gpg',
        'count loose objects',
        'markdown headings',
      ]) {
        const v = await encoder.encodeQuery(q);
        const a = await index.search(v, { limit: 5 });
        const b = await reference.search(v, { limit: 5 });
        expect(a.map((h) => [h.id, h.score])).toEqual(b.map((h) => [h.id, h.score]));
        expect(a.length).toBeGreaterThan(0);
      }
      const hit = (await index.search(await encoder.encodeQuery('verify tag signature gpg'), { limit: 1 }))[0]!;
      expect(hit.id).toMatch(/git-verify-tag\.html(#|$)/); // its NAME section sits at the page top: no anchor
    } finally {
      await encoder.dispose();
    }
  });

  it('rebuilds incrementally: only changed sections are encoded', async () => {
    const again = await build({ site, out, cache });
    expect(again.encoded).toBe(0);
    expect(again.reused).toBe(first.sections);
    const notes = join(site, 'guide/notes.md');
    writeFileSync(notes, readFileSync(notes, 'utf8').replace('A second heading', 'A changed second heading'));
    const changed = await build({ site, out, cache });
    expect(changed.encoded).toBe(1);
    expect(changed.sections).toBe(first.sections);
  }, 120_000);
});

describe('bad input (the command line)', () => {
  const cli = (...args: string[]) =>
    spawnSync(process.execPath, ['src/cli/bin.mjs', ...args], { encoding: 'utf8', timeout: 120_000 });

  it('a missing folder: one clear line and exit code 1, the old output intact', () => {
    const before = readFileSync(join(out, 'splade-entry.json'), 'utf8');
    const r = cli('build', join(work, 'no-such-site'), '--out', out);
    expect(r.status).toBe(1);
    expect(r.stderr.trim()).toMatch(/^splade-web: the site folder .*no-such-site does not exist/);
    expect(readFileSync(join(out, 'splade-entry.json'), 'utf8')).toBe(before);
  });

  it('a site without text, a model that cannot load, a wrong command line', () => {
    const empty = join(work, 'empty-site');
    cpSync(join(FIXTURE, 'guide/empty.html'), join(empty, 'a.html'), { recursive: true });
    let r = cli('build', empty, '--out', join(work, 'o2'));
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/no page of .* has text to index/);
    expect(existsSync(join(work, 'o2'))).toBe(false);
    r = cli('build', site, '--out', out, '--model', join(work, 'no-model'));
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/the model .*no-model could not be loaded/);
    expect(existsSync(join(out, 'splade-entry.json'))).toBe(true);
    r = cli('build', site);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/needs --out/);
    r = cli('frobnicate');
    expect(r.status).toBe(2);
  }, 120_000);
});
