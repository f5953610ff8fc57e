/**
 * A site built by `splade-web build --model telepix/PIXIE-Splade-Preview --hub-url <local hub>` (the
 * fixture repository: ModernBERT, config.json + safetensors, no ONNX; symmetric, so the browser
 * encodes queries with the model), served as a plain static host serves it and searched through
 * `import('/search/splade.js')` in Chromium under a strict CSP. The build shipped the files the loader
 * reads (model.safetensors included); the page builds the ModernBERT graph itself (onnxruntime-web,
 * WASM) and its query vectors equal onnxruntime-node's for the model loaded from the hub.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { build } from '../src/cli/build.ts';
import { SparseEncoder } from '../src/node.ts';
import type { ModelQuery, SiteEntry } from '../src/site/site.ts';
import { serveHubFixtures } from './support/hub-fixtures.ts';
import { serveStatic, type StaticServer } from './support/static-server.ts';

const PIXIE = 'telepix/PIXIE-Splade-Preview';
const QUERIES = ['레이어 마스크', '이미지 자르기 도구', '새 레이어'];
const CSP =
  "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; connect-src 'self'; worker-src 'self'; object-src 'none'; base-uri 'none'";
const PAGE = `<!DOCTYPE html><html lang="ko"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${CSP}">
<title>검색</title><script type="module" src="/page.js"></script></head><body></body></html>`;
const PAGE_JS = `window.splade = await import('/search/splade.js');`;

const page = (title: string, sections: [string, string][]) =>
  `<!DOCTYPE html><html lang="ko"><head><meta charset="utf-8"><title>${title}</title></head><body><main><h1>${title}</h1>${sections.map(([h, p]) => `<h2>${h}</h2><p>${p}</p>`).join('')}</main></body></html>`;

const work = mkdtempSync(join(tmpdir(), 'splade-build-hub-e2e-'));
const out = join(work, 'root', 'search');
let server: StaticServer;
let entry: SiteEntry;

test.beforeAll(async () => {
  test.setTimeout(300_000);
  const site = join(work, 'site');
  mkdirSync(site, { recursive: true });
  writeFileSync(
    join(site, 'layers.html'),
    page('레이어', [
      ['새 레이어 만들기', '레이어 메뉴에서 새 레이어를 만들고 이름과 크기를 정합니다.'],
      ['레이어 마스크', '마스크를 추가하면 레이어의 일부를 투명하게 만들 수 있습니다.'],
    ]),
  );
  writeFileSync(
    join(site, 'crop.html'),
    page('자르기 도구', [['이미지 자르기', '자르기 도구로 가장자리를 잘라 냅니다.']]),
  );
  const hub = await serveHubFixtures();
  try {
    await build({ site, out, model: PIXIE, hubUrl: hub.url, cache: join(work, 'cache'), baseUrl: '/docs/' });
  } finally {
    await hub.close();
  }
  entry = JSON.parse(readFileSync(join(out, 'splade-entry.json'), 'utf8')) as SiteEntry;
  writeFileSync(join(work, 'root', 'index.html'), PAGE);
  writeFileSync(join(work, 'root', 'page.js'), PAGE_JS);
  server = await serveStatic(join(work, 'root'), { isolated: false });
});

test.afterAll(async () => {
  await server?.close();
  rmSync(work, { recursive: true, force: true });
});

test('a symmetric hub model without ONNX: the page builds its graph from the shipped safetensors and encodes queries as Node does', async ({
  page: tab,
}) => {
  test.setTimeout(300_000);
  expect(entry.query.kind).toBe('model');
  const model = (entry.query as ModelQuery).model;
  const hub = await serveHubFixtures();
  const node = await SparseEncoder.fromPretrained(PIXIE, { hubUrl: hub.url });
  const expected: { indices: number[]; values: number[] }[] = [];
  try {
    for (const q of QUERIES) {
      const v = await node.encodeQuery(q);
      expected.push({ indices: [...v.indices], values: [...v.values] });
    }
  } finally {
    await node.dispose();
    await hub.close();
  }
  const errors: string[] = [];
  tab.on('pageerror', (e) => errors.push(e.message));
  if (process.env['E2E_CONSOLE']) tab.on('console', (m) => console.log('[page]', m.text()));
  await tab.addInitScript(() => {
    const w = window as unknown as { cspViolations: string[] };
    w.cspViolations = [];
    document.addEventListener('securitypolicyviolation', (e) =>
      w.cspViolations.push(`${e.violatedDirective} ${e.blockedURI}`),
    );
  });
  await tab.goto(`${server.url}/`);
  await tab.waitForFunction(() => (window as unknown as { splade?: unknown }).splade !== undefined);
  const started = Date.now();
  const got = await tab.evaluate(async (queries) => {
    const s = (
      window as unknown as {
        splade: {
          encodeQuery(q: string): Promise<{ indices: Uint32Array; values: Float32Array }>;
          search(q: string, o: object): Promise<{ url: string }[]>;
        };
      }
    ).splade;
    const vectors: { indices: number[]; values: number[] }[] = [];
    for (const q of queries) {
      const v = await s.encodeQuery(q);
      vectors.push({ indices: [...v.indices], values: [...v.values] });
    }
    return { vectors, hits: await s.search(queries[0]!, { limit: 3 }) };
  }, QUERIES);
  console.log(
    `PIXIE fixture query side: model loaded and ${QUERIES.length} queries encoded in ${Date.now() - started} ms`,
  );
  QUERIES.forEach((q, k) => {
    expect(got.vectors[k]!.indices, q).toEqual(expected[k]!.indices);
    got.vectors[k]!.values.forEach((w, j) =>
      expect(Math.abs(w - expected[k]!.values[j]!), q).toBeLessThan(1e-4 * Math.max(1, Math.abs(w))),
    );
  });
  expect(got.hits.length).toBeGreaterThan(0);
  for (const h of got.hits) expect(h.url).toMatch(/^\/docs\/(layers|crop)\.html/);
  // The model's safetensors came from the index folder; the ONNX files the loader looks for first
  // are not there (asked for, 404), so the page built the graph.
  expect(server.requests).toContain(`/search/${model}model.safetensors`);
  const onnx = server.requests.filter((p) => p.endsWith('.onnx'));
  expect(onnx).toContain(`/search/${model}onnx/model.onnx`);
  for (const p of onnx) expect(existsSync(join(work, 'root', p))).toBe(false);
  expect(errors).toEqual([]);
  expect(await tab.evaluate(() => (window as unknown as { cspViolations: string[] }).cspViolations)).toEqual([]);
});
