/**
 * `splade-web build` with a symmetric model: ten pages of Debian's gimp-help-ko (the GIMP manual
 * in Korean) built with public/models/splade-tiny-ko, served as a plain static host serves them
 * (e2e/support/static-server.ts), searched through `import('/search/splade.js')` in Chromium. The
 * page encodes each query with the model (onnxruntime-web; WASM here, 'auto' skips SwiftShader;
 * then WebGPU, forced onto SwiftShader), under the strict CSP of the git-doc example plus
 * 'wasm-unsafe-eval', with no violation (and without it, the search fails saying so). The hits
 * equal those of a SparseIndex holding the same document vectors searched with the query vectors
 * onnxruntime-node computes with the same model (an independent encoder), and the browser's query
 * vectors equal Node's.
 */
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { build, type BuildSummary } from '../src/cli/build.ts';
import { openBuiltSite } from '../src/cli/export.ts';
import { openMemoryStore } from '../src/index/store/memory.ts';
import { SparseEncoder, SparseIndex } from '../src/node.ts';
import { serveStatic, type StaticServer } from './support/static-server.ts';

const HELP = '/usr/share/gimp/2.0/help/ko';
const MODEL = './public/models/splade-tiny-ko';
const PAGES = [
  'gimp-using-brushes',
  'gimp-tutorial-quickie-crop',
  'gimp-tutorial-quickie-rotate',
  'gimp-tutorial-quickie-scale',
  'gimp-tutorial-quickie-change-mode',
  'gimp-tutorial-quickie-jpeg',
  'gimp-concepts-undo',
  'gimp-concepts-patterns',
  'gimp-concepts-shortcuts',
  'gimp-using-rectangular',
];
const QUERIES = [
  '브러시 만들기',
  '이미지 자르기',
  '실행 취소',
  '패턴 채우기',
  '이미지 크기 조절',
  'JPEG 저장 품질',
  '사각형 선택',
];
// The git-doc example's policy, plus 'wasm-unsafe-eval': onnxruntime-web compiles WebAssembly.
const CSP =
  "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; connect-src 'self'; worker-src 'self'; img-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'";
const PAGE = `<!DOCTYPE html><html lang="ko"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${CSP}">
<title>검색</title><script type="module" src="/page.js"></script></head><body><ol id="results"></ol></body></html>`;
// No inline script: the page script is a file, and it renders with textContent only.
const PAGE_JS = `window.splade = await import('/search/splade.js'); window.render = (hits) => { const ol = document.getElementById('results'); ol.replaceChildren(...hits.map((h) => { const li = document.createElement('li'); li.textContent = h.title + ' - ' + h.snippet.text; return li; })); };`;

const work = mkdtempSync(join(tmpdir(), 'splade-docs-ko-e2e-'));
const out = join(work, 'root', 'search');
let server: StaticServer;
let summary: BuildSummary;

test.beforeAll(async () => {
  test.setTimeout(300_000);
  if (!existsSync(HELP))
    throw new Error(
      `${HELP} is missing: install Debian's gimp-help-ko (apt-get install -y gimp-help-ko; .ci/run does)`,
    );
  const site = join(work, 'site');
  mkdirSync(site, { recursive: true });
  for (const p of PAGES) cpSync(join(HELP, `${p}.html`), join(site, `${p}.html`));
  summary = await build({ site, out, model: MODEL, cache: join(work, 'cache'), baseUrl: '/docs/' });
  writeFileSync(join(work, 'root', 'index.html'), PAGE);
  writeFileSync(join(work, 'root', 'page.js'), PAGE_JS);
  // The same page without 'wasm-unsafe-eval': the model cannot load, and says why.
  writeFileSync(join(work, 'root', 'no-wasm.html'), PAGE.replace(" 'wasm-unsafe-eval'", ''));
  server = await serveStatic(join(work, 'root'), { isolated: false });
});

test.afterAll(async () => {
  await server?.close();
  rmSync(work, { recursive: true, force: true });
});

type Vector = { indices: number[]; values: number[] };
type PageHit = {
  id: string;
  url: string;
  title: string;
  score: number;
  contributions?: { token: string }[];
  snippet: { text: string };
};
type Splade = {
  search(q: string, o: object): Promise<PageHit[]>;
  encodeQuery(q: string): Promise<{ indices: Uint32Array; values: Float32Array }>;
  open(): Promise<{ encoder: { device?: string } }>;
  configure(o: object): void;
};

test('the model query side: hits equal onnxruntime-node query vectors on the same index, under a strict CSP', async ({
  page,
}) => {
  expect(summary.pages).toBe(PAGES.length);
  expect(summary.querySide.kind).toBe('model');
  expect(summary.querySide.parts.map((p) => p.name).sort()).toEqual(['encoder', 'model', 'runtime']);
  expect(summary.querySide.gzip).toBeLessThan(summary.querySide.bytes);
  const entry = JSON.parse(readFileSync(join(out, 'splade-entry.json'), 'utf8'));
  expect(entry.query.kind).toBe('model');
  expect(readFileSync(join(out, 'splade.js'), 'utf8')).not.toMatch(/onnxruntime|InferenceSession/);

  // The reference: the built index's documents in a SparseIndex of their own, searched with the
  // query vectors of onnxruntime-node.
  const site = await openBuiltSite(out);
  const reference = await SparseIndex.openStore(openMemoryStore(), { name: 'ref' });
  await reference.import(await site.index.export());
  await site.index.dispose();
  const node = await SparseEncoder.fromPretrained(MODEL);
  const expectedVectors: Vector[] = [];
  const expected: { id: string; score: number }[][] = [];
  try {
    for (const q of QUERIES) {
      const v = await node.encodeQuery(q);
      expectedVectors.push({ indices: [...v.indices], values: [...v.values] });
      expected.push((await reference.search(v, { limit: 5 })).map((h) => ({ id: h.id, score: h.score })));
    }
  } finally {
    await node.dispose();
    await reference.dispose();
  }
  expect(expected.filter((e) => e.length > 0).length).toBeGreaterThan(QUERIES.length / 2);

  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.addInitScript(() => {
    const w = window as unknown as { cspViolations: string[] };
    w.cspViolations = [];
    document.addEventListener('securitypolicyviolation', (e) =>
      w.cspViolations.push(`${e.violatedDirective} ${e.blockedURI}`),
    );
  });
  await page.goto(`${server.url}/`);
  await page.waitForFunction(() => (window as unknown as { splade?: unknown }).splade !== undefined);
  const results = await page.evaluate(async (queries) => {
    const s = (window as unknown as { splade: Splade }).splade;
    const out: { vector: Vector; hits: PageHit[] }[] = [];
    for (const q of queries) {
      const v = await s.encodeQuery(q);
      const hits = await s.search(q, { limit: 5, explain: true });
      out.push({ vector: { indices: [...v.indices], values: [...v.values] }, hits });
    }
    (window as unknown as { render(h: unknown): void }).render(out[0]!.hits);
    return { out, device: (await s.open()).encoder.device };
  }, QUERIES);
  expect(results.device).toBe('wasm');
  QUERIES.forEach((q, k) => {
    const got = results.out[k]!;
    // onnxruntime-web (WASM) and -node agree to float rounding: same ids, weights within 1e-4.
    expect(got.vector.indices, q).toEqual(expectedVectors[k]!.indices);
    got.vector.values.forEach((w, j) =>
      expect(Math.abs(w - expectedVectors[k]!.values[j]!), q).toBeLessThan(1e-4 * Math.max(1, Math.abs(w))),
    );
    expect(
      got.hits.map((h) => h.id),
      q,
    ).toEqual(expected[k]!.map((h) => h.id));
    got.hits.forEach((h, j) =>
      expect(Math.abs(h.score - expected[k]![j]!.score), q).toBeLessThan(1e-3 * Math.max(1, h.score)),
    );
    for (const h of got.hits) {
      expect(h.url).toMatch(/^\/docs\/gimp-[a-z-]+\.html/);
      // Explanations name the model's tokens, not bare ids.
      for (const c of h.contributions ?? []) expect(c.token).not.toMatch(/^#\d+$/);
    }
  });
  expect(results.out.some((r) => r.hits.length > 0 && (r.hits[0]!.contributions?.length ?? 0) > 0)).toBe(true);
  // The model, the encoder module and ORT's files came from the index folder, content-hashed.
  expect(server.requests.some((p) => /^\/search\/splade-encoder\.[0-9a-f]{16}\.js$/.test(p))).toBe(true);
  expect(server.requests.some((p) => /^\/search\/ort-wasm-simd-threaded\.asyncify\.[0-9a-f]{16}\.wasm$/.test(p))).toBe(
    true,
  );
  expect(server.requests.some((p) => /^\/search\/model\.[0-9a-f]{16}\/onnx\/model\.onnx$/.test(p))).toBe(true);

  // The WebGPU path ('auto' takes it on a hardware GPU; forced here onto SwiftShader): the model's
  // logits pooled by the WGSL kernel give the same vectors and hits. The model is loaded again, from
  // the Cache API alone: its folder is content-hashed, so a cached file is never asked for again.
  const modelRequests = () => server.requests.filter((p) => /^\/search\/model\.[0-9a-f]{16}\//.test(p)).length;
  const beforeReload = modelRequests();
  const gpu = await page.evaluate(
    async (queries) => {
      const s = (window as unknown as { splade: Splade }).splade;
      s.configure({ device: 'webgpu' });
      const out: { vector: Vector; ids: string[] }[] = [];
      for (const q of queries) {
        const v = await s.encodeQuery(q);
        out.push({
          vector: { indices: [...v.indices], values: [...v.values] },
          ids: (await s.search(q, { limit: 5 })).map((h) => h.id),
        });
      }
      return { out, device: (await s.open()).encoder.device };
    },
    QUERIES.slice(0, 2),
  );
  expect(gpu.device).toBe('webgpu');
  expect(modelRequests()).toBe(beforeReload);
  gpu.out.forEach((r, k) => {
    expect(r.vector.indices, QUERIES[k]).toEqual(expectedVectors[k]!.indices);
    r.vector.values.forEach((w, j) =>
      expect(Math.abs(w - expectedVectors[k]!.values[j]!), QUERIES[k]).toBeLessThan(1e-3 * Math.max(1, Math.abs(w))),
    );
    expect(r.ids, QUERIES[k]).toEqual(expected[k]!.map((h) => h.id));
  });
  expect(await page.evaluate(() => (window as unknown as { cspViolations: string[] }).cspViolations)).toEqual([]);
  expect(errors).toEqual([]);

  await page.goto(`${server.url}/no-wasm.html`);
  await page.waitForFunction(() => (window as unknown as { splade?: unknown }).splade !== undefined);
  const refused = await page.evaluate(
    async (q) =>
      (window as unknown as { splade: Splade }).splade.search(q, { limit: 5 }).then(
        () => 'searched',
        (e: Error) => `${e.name}: ${e.message}`,
      ),
    QUERIES[0]!,
  );
  expect(refused).toMatch(/^SpladeError: .*Content Security Policy/i);
});
