/**
 * Graphs built from safetensors, cached in the page (src/runtime/web-build-cache.ts, OPFS in
 * Chromium) by the weights files' ETags and the dtype: the first load reads the weights by Range
 * requests (206, never a whole file) and builds; a second load asks only whether the files changed
 * (conditional requests, answered 304) and converts nothing; with the network off it still loads;
 * an entry damaged in storage is found, rebuilt and kept again. Through the dev server's hub mirror
 * (e2e/support/hub-mirror.ts), which answers Range and If-None-Match as the hub does.
 */
import { expect, test, type Page } from '@playwright/test';
import { openHarness } from './support/page.ts';

const MODEL = 'naver/splade-v3'; // bare BERT repo, two F32 shards
const TEXT = 'sparse retrieval in the browser';

interface LoadResult {
  ms: number;
  fromCache: boolean;
  indices: number[];
  values: number[];
}

/** Loads MODEL by hub id on WASM in the page and encodes TEXT. */
function loadInPage(page: Page): Promise<LoadResult> {
  return page.evaluate(
    async ({ model, text }) => {
      const { SparseEncoder } = window.splade;
      const started = performance.now();
      const encoder = await SparseEncoder.fromPretrained(model, { hubUrl: `${location.origin}/hub`, device: 'wasm' });
      const ms = performance.now() - started;
      try {
        const v = await encoder.encodeDocument(text);
        return {
          ms,
          fromCache: encoder.spec.document.built.fromCache,
          indices: Array.from(v.indices as Uint32Array),
          values: Array.from(v.values as Float32Array),
        };
      } finally {
        await encoder.dispose();
      }
    },
    { model: MODEL, text: TEXT },
  );
}

/** Responses for MODEL's safetensors files while `body` runs: status and Range asked. */
async function weightResponses(page: Page, body: () => Promise<void>): Promise<{ status: number; range: string }[]> {
  const seen: { status: number; range: string }[] = [];
  const listen = (response: import('@playwright/test').Response) => {
    if (response.url().includes(`/hub/${MODEL}/`) && response.url().endsWith('.safetensors'))
      seen.push({ status: response.status(), range: response.request().headers()['range'] ?? '' });
  };
  page.on('response', listen);
  try {
    await body();
  } finally {
    page.off('response', listen);
  }
  return seen;
}

test('a built graph is cached: the second load fetches no weights, and loads offline', async ({ page, context }) => {
  await openHarness(page);
  await page.evaluate(() => window.splade.clearModelCache());
  let first!: LoadResult;
  const firstWeights = await weightResponses(page, async () => {
    first = await loadInPage(page);
  });
  expect(first.fromCache).toBe(false);
  // Read by range: the 8-byte length, the header, then the tensors; never a whole file.
  expect(firstWeights.length).toBeGreaterThanOrEqual(6);
  expect(firstWeights.every((r) => r.status === 206 && r.range.startsWith('bytes='))).toBe(true);

  let second!: LoadResult;
  const secondWeights = await weightResponses(page, async () => {
    second = await loadInPage(page);
  });
  expect(second.fromCache).toBe(true);
  expect(secondWeights.map((r) => r.status)).toEqual([304, 304]); // one "changed?" per shard, no bytes
  expect(second.indices).toEqual(first.indices);
  expect(second.values).toEqual(first.values);

  await context.setOffline(true);
  try {
    const offline = await loadInPage(page);
    expect(offline.fromCache).toBe(true);
    expect(offline.values).toEqual(first.values);
    console.log(
      `${MODEL} (fixture) on WASM: first load ${first.ms.toFixed(0)} ms (built), second ${second.ms.toFixed(0)} ms (cached), offline ${offline.ms.toFixed(0)} ms`,
    );
  } finally {
    await context.setOffline(false);
  }
});

test('a cached entry damaged in storage is found, rebuilt and kept again', async ({ page }) => {
  await openHarness(page);
  await page.evaluate(() => window.splade.clearModelCache());
  const first = await loadInPage(page);
  // Cut the kept weights file short, as a crash in the middle of writing it could.
  const cut = await page.evaluate(async () => {
    const root = await (await navigator.storage.getDirectory()).getDirectoryHandle('splade-web-builds');
    const names: string[] = [];
    for await (const [slot] of (root as any).entries()) names.push(slot);
    const slot = await root.getDirectoryHandle(names[0]!);
    for await (const [name, handle] of (slot as any).entries()) {
      if (!name.endsWith('.data')) continue;
      const writable = await (handle as FileSystemFileHandle).createWritable({ keepExistingData: true });
      await writable.truncate(100);
      await writable.close();
      return { slots: names.length, name };
    }
    return { slots: names.length, name: '' };
  });
  expect(cut.slots).toBe(1);
  expect(cut.name).toMatch(/^[0-9a-f]{16}\.data$/);
  const rebuilt = await loadInPage(page);
  expect(rebuilt.fromCache).toBe(false);
  expect(rebuilt.values).toEqual(first.values);
  const again = await loadInPage(page);
  expect(again.fromCache).toBe(true);
  expect(again.values).toEqual(first.values);
});
