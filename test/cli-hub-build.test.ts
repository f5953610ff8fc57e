/**
 * `splade-web build --model <hub id> --hub-url <hub>` with repositories that ship only config.json +
 * safetensors (no ONNX), from a local server in the hub's layout (e2e/support/hub-fixtures.ts) over
 * the fixture repositories:
 *  - opensearch doc-v3-gte (inference-free): the documents encoded by the graph built from
 *    safetensors (GTE, NewForMaskedLM), the queries by the static table (sharded WordPiece);
 *  - telepix/PIXIE-Splade-Preview (symmetric, ModernBERT): the browser encodes queries with the
 *    model, so the build ships the files the loader reads, config.json and model.safetensors
 *    included (no ONNX exists), and the page builds the graph as Node did. Read back here by the
 *    export reader, which loads that shipped folder on onnxruntime-node: its query vectors equal those
 *    of the model loaded from the hub.
 * The index's stored vectors are checked against the encoder loaded by hub id.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { build, type BuildSummary } from '../src/cli/build.ts';
import { openBuiltSite } from '../src/cli/export.ts';
import { main } from '../src/cli/main.ts';
import { SparseEncoder } from '../src/node.ts';
import type { ModelQuery, SiteEntry } from '../src/site/site.ts';
import { serveHubFixtures, type HubServer } from '../e2e/support/hub-fixtures.ts';

const GTE = 'opensearch-project/opensearch-neural-sparse-encoding-doc-v3-gte';
const PIXIE = 'telepix/PIXIE-Splade-Preview';
const work = mkdtempSync(join(tmpdir(), 'splade-cli-hub-'));
let hub: HubServer;

const page = (lang: string, title: string, sections: [string, string, string][]) =>
  `<!DOCTYPE html><html lang="${lang}"><head><meta charset="utf-8"><title>${title}</title></head><body><main><h1>${title}</h1>${sections.map(([id, h, p]) => `<h2 id="${id}">${h}</h2><p>${p}</p>`).join('')}</main></body></html>`;

function site(name: string, pages: Record<string, string>): string {
  const dir = join(work, name);
  mkdirSync(dir, { recursive: true });
  for (const [file, html] of Object.entries(pages)) writeFileSync(join(dir, file), html);
  return dir;
}

const filesUnder = (dir: string) =>
  readdirSync(dir, { recursive: true })
    .map(String)
    .filter((n) => statSync(join(dir, n)).isFile())
    .sort();

/** The largest |a - b| over the union of two sparse vectors. */
function maxDifference(
  a: { indices: ArrayLike<number>; values: ArrayLike<number> },
  b: { indices: ArrayLike<number>; values: ArrayLike<number> },
): number {
  const dense = new Map<number, number>();
  for (let k = 0; k < a.indices.length; k++) dense.set(a.indices[k]!, a.values[k]!);
  let worst = 0;
  for (let k = 0; k < b.indices.length; k++) {
    worst = Math.max(worst, Math.abs(b.values[k]! - (dense.get(b.indices[k]!) ?? 0)));
    dense.delete(b.indices[k]!);
  }
  for (const v of dense.values()) worst = Math.max(worst, Math.abs(v));
  return worst;
}

/** Every stored document vector of a built site against the encoder's own vector of its text. */
async function storedVsEncoder(out: string, encoder: SparseEncoder): Promise<{ docs: number; worst: number }> {
  const built = await openBuiltSite(out);
  try {
    let worst = 0;
    const ids = await built.index.ids();
    for (const id of ids) {
      const doc = (await built.index.get(id))!;
      const fresh = await encoder.encodeDocument(doc.text);
      worst = Math.max(worst, maxDifference(doc.vector!, fresh) / Math.max(1, ...fresh.values));
    }
    return { docs: ids.length, worst };
  } finally {
    await built.close();
  }
}

beforeAll(async () => {
  hub = await serveHubFixtures();
});
afterAll(async () => {
  await hub?.close();
  rmSync(work, { recursive: true, force: true });
});

describe('build --model <hub id> --hub-url, inference-free (doc-v3-gte: GTE graph built from safetensors)', () => {
  let summary: BuildSummary;
  let entry: SiteEntry;
  const out = join(work, 'gte-out');
  beforeAll(async () => {
    const dir = site('gte-site', {
      'rebase.html': page('en', 'Rebasing', [
        ['interactive', 'Interactive rebase', 'Reorder, squash and reword commits before you share a branch.'],
        ['onto', 'Rebase onto', 'Move a branch so that it starts from another commit.'],
      ]),
      'stash.html': page('en', 'Stashing', [
        ['save', 'Save changes', 'git stash keeps local modifications aside and cleans the working tree.'],
      ]),
    });
    const started = performance.now();
    summary = await build({ site: dir, out, model: GTE, hubUrl: hub.url, cache: join(work, 'gte-cache') });
    console.log(
      `doc-v3-gte fixture: built ${summary.sections} sections in ${Math.round(performance.now() - started)} ms`,
    );
    entry = JSON.parse(readFileSync(join(out, 'splade-entry.json'), 'utf8')) as SiteEntry;
  }, 300_000);

  it('downloads from the hub named, encodes every section with the built graph, ships the static query table', async () => {
    expect(summary.pages).toBe(2);
    expect(summary.encoded).toBe(summary.sections);
    expect(entry.query.kind).toBe('static');
    expect(summary.querySide.kind).toBe('static');
    expect(hub.requests).toContain(`GET /${GTE}/resolve/main/model.safetensors`);
    // No ONNX file in the repository: asked for, absent, and the graph built instead.
    expect(hub.requests).toContain(`GET /${GTE}/resolve/main/onnx/model.onnx`);
    expect(filesUnder(out).some((f) => f.endsWith('.onnx') || f.includes('safetensors'))).toBe(false);
    const encoder = await SparseEncoder.fromPretrained(GTE, { hubUrl: hub.url });
    try {
      const { docs, worst } = await storedVsEncoder(out, encoder);
      expect(docs).toBe(summary.sections);
      // Stored weights are quantized in the pack: within its precision of the model's vector.
      expect(worst).toBeLessThan(1e-2);
      const built = await openBuiltSite(out);
      try {
        const q = 'interactive rebase of a branch';
        expect(maxDifference(await built.encodeQuery(q), await encoder.encodeQuery(q))).toBeLessThan(1e-5);
      } finally {
        await built.close();
      }
    } finally {
      await encoder.dispose();
    }
  });

  it('the command line takes --hub-url', async () => {
    const dir = join(work, 'gte-site');
    const write = process.stdout.write;
    const lines: string[] = [];
    process.stdout.write = ((s: string) => lines.push(s)) as unknown as typeof process.stdout.write;
    let code: number;
    try {
      code = await main(['build', dir, '--out', join(work, 'gte-cli'), '--model', GTE, '--hub-url', hub.url]);
    } finally {
      process.stdout.write = write;
    }
    expect(code).toBe(0);
    expect(lines.join('')).toMatch(/^splade-web build: 2 pages, 5 sections -> /);
  }, 300_000);

  it('--dtype builds the graph at that precision; vectors cached at fp32 are not reused for it', async () => {
    const dir = join(work, 'gte-site');
    const cache = join(work, 'gte-cache'); // holds the fp32 vectors of the first build
    const again = await build({ site: dir, out: join(work, 'gte-q8'), model: GTE, hubUrl: hub.url, cache });
    expect(again.reused).toBe(again.sections); // the same dtype: every vector from the cache
    const q8 = await build({ site: dir, out: join(work, 'gte-q8'), model: GTE, hubUrl: hub.url, cache, dtype: 'q8' });
    expect(q8.reused).toBe(0);
    expect(q8.encoded).toBe(q8.sections);
    const encoder = await SparseEncoder.fromPretrained(GTE, { hubUrl: hub.url, dtype: 'q8' });
    try {
      expect(encoder.backendInfo?.dtype).toBe('q8');
      const { docs, worst } = await storedVsEncoder(join(work, 'gte-q8'), encoder);
      expect(docs).toBe(q8.sections);
      expect(worst).toBeLessThan(1e-2); // the q8 build's vectors are the q8 encoder's
    } finally {
      await encoder.dispose();
    }
  }, 300_000);
});

describe('build --model <hub id>, symmetric (PIXIE: ModernBERT from safetensors on both sides)', () => {
  let summary: BuildSummary;
  let entry: SiteEntry;
  const out = join(work, 'pixie-out');
  beforeAll(async () => {
    const dir = site('pixie-site', {
      'layers.html': page('ko', '레이어', [
        ['new', '새 레이어 만들기', '레이어 메뉴에서 새 레이어를 만들고 이름과 크기를 정합니다.'],
        ['mask', '레이어 마스크', '마스크를 추가하면 레이어의 일부를 투명하게 만들 수 있습니다.'],
      ]),
      'crop.html': page('ko', '자르기 도구', [
        ['use', '이미지 자르기', '자르기 도구로 이미지의 가장자리를 잘라 냅니다.'],
      ]),
    });
    const started = performance.now();
    summary = await build({ site: dir, out, model: PIXIE, hubUrl: hub.url, cache: join(work, 'pixie-cache') });
    console.log(`PIXIE fixture: built ${summary.sections} sections in ${Math.round(performance.now() - started)} ms`);
    entry = JSON.parse(readFileSync(join(out, 'splade-entry.json'), 'utf8')) as SiteEntry;
  }, 300_000);

  it('ships the files the page needs to build the graph itself: config.json and the safetensors, no ONNX', () => {
    expect(entry.query.kind).toBe('model');
    const q = entry.query as ModelQuery;
    expect(filesUnder(join(out, q.model))).toEqual([
      '1_SpladePooling/config.json',
      'config.json',
      'config_sentence_transformers.json',
      'model.safetensors',
      'modules.json',
      'sentence_bert_config.json',
      'special_tokens_map.json',
      'tokenizer.json',
      'tokenizer_config.json',
    ]);
    const model = summary.querySide.parts.find((p) => p.name === 'model')!;
    expect(model.bytes).toBe(
      filesUnder(join(out, q.model)).reduce((n, f) => n + statSync(join(out, q.model, f)).size, 0),
    );
  });

  it('the shipped folder loads (graph built again from it) and encodes queries as the hub model does', async () => {
    const encoder = await SparseEncoder.fromPretrained(PIXIE, { hubUrl: hub.url });
    const built = await openBuiltSite(out);
    try {
      for (const q of ['레이어 마스크', '이미지 자르기 도구'])
        expect(maxDifference(await built.encodeQuery(q), await encoder.encodeQuery(q))).toBeLessThan(1e-5);
      const query = await built.encodeQuery('레이어 마스크');
      const vector = { indices: Uint32Array.from(query.indices), values: Float32Array.from(query.values) };
      const hits = await built.index.search(vector, { limit: 3 });
      expect(hits.length).toBeGreaterThan(0);
    } finally {
      await built.close();
    }
    try {
      const { docs, worst } = await storedVsEncoder(out, encoder);
      expect(docs).toBe(summary.sections);
      expect(worst).toBeLessThan(1e-2);
    } finally {
      await encoder.dispose();
    }
  });
});
