/**
 * Bad input, broken model files, a lost GPU device, a browser without WebGPU, a device at the
 * WebGPU default limits, and the hub code path with its offline cache.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { HUB_OVERLAY_DIR } from './support/hub-mirror.ts';
import { expectMatchesGolden, loadGolden, type PlainVector } from './support/golden.ts';
import { encodeLosingDevice, openHarness } from './support/page.ts';

const EN = '/models/splade-tiny-en-if';

test('bad input: empty, whitespace, huge, emoji, control characters, lone surrogates, HTML', async ({ page }) => {
  await openHarness(page);
  const r = await page.evaluate(async (model) => {
    const { SparseEncoder, SpladeError } = (window as any).splade;
    const enc = await SparseEncoder.fromPretrained(model, { device: 'wasm' });
    const empty = await enc.encodeDocument(['', '   \n\t ']);
    const afterEmpty = { device: enc.device ?? null, batches: enc.lastStats.batches };
    const emptyQuery = await enc.encodeQuery('');
    const huge = 'The quick brown fox jumps over the lazy dog near the river bank. '.repeat(1600).slice(0, 100_000);
    const hugeVec = await enc.encodeDocument(huge);
    const hugeStats = enc.lastStats;
    const hugeWindowIds = await enc.windows(huge);
    // The first window alone (sentence-transformers' truncation): the windowed vector is the max
    // over all windows, so it holds every entry of the first window's vector, at least as large.
    const truncating = await SparseEncoder.fromPretrained(model, { device: 'wasm', longDocuments: 'truncate' });
    const firstWindow = await truncating.encodeDocument(huge);
    const oddTexts = [
      'emoji 🙂👍🏽 party',
      'ctrl \u0001\u0007 bell\u0000',
      'lone \uD800 surrogate',
      'lone \uFFFD surrogate',
      '<b>bold</b> &amp; <script>alert(1)</script>',
      '\u200d\u200b',
      'ctrl bell',
    ];
    const odd = await enc.encodeDocument(oddTexts);
    const oddWindows = await Promise.all(oddTexts.map((t) => enc.windows(t)));
    const oddTokens = odd.map((v: any) => Array.from(v.indices, (id: number) => enc.token(id)));
    const errors: Record<string, string> = {};
    for (const [name, bad] of Object.entries({ number: 42, null: null, arrayOfNumber: [1] })) {
      try {
        await enc.encodeDocument(bad);
      } catch (e: any) {
        errors[name] = `${e instanceof SpladeError}:${e.code}:${e.message}`;
      }
    }
    try {
      await SparseEncoder.fromPretrained(model, { device: 'tpu' });
    } catch (e: any) {
      errors['device'] = `${e.code}:${e.message}`;
    }
    const plain = (v: any) => ({
      indices: Array.from(v.indices) as number[],
      values: Array.from(v.values) as number[],
    });
    return {
      empty: empty.map(plain),
      afterEmpty,
      emptyQuery: plain(emptyQuery),
      huge: plain(hugeVec),
      hugeStats,
      hugeWindowLengths: hugeWindowIds.map((w: number[]) => [w.length, w[0], w.at(-1)]),
      firstWindow: plain(firstWindow),
      odd: odd.map(plain),
      oddWindows,
      oddTokens,
      errors,
    };
  }, EN);
  expect(r.empty).toEqual([
    { indices: [], values: [] },
    { indices: [], values: [] },
  ]);
  // Empty text never reaches the model: no session was even created.
  expect(r.afterEmpty).toEqual({ device: 'wasm', batches: 0 }); // the session started while loading; no batch ran
  expect(r.emptyQuery).toEqual({ indices: [], values: [] });
  // 100 000 characters: every window but the last is full ([CLS] + 126 ids + [SEP]), all were encoded.
  const windows = r.hugeWindowLengths;
  expect(windows.length).toBeGreaterThan(100);
  expect(r.hugeStats.windows).toBe(windows.length);
  windows.forEach(([length, first, last]: number[], k: number) => {
    expect([first, last]).toEqual([101, 102]);
    if (k < windows.length - 1) expect(length).toBe(128);
    else expect(length).toBeLessThanOrEqual(128);
  });
  expect(r.huge.values.every((x: number) => Number.isFinite(x) && x > 0)).toBe(true);
  expect(r.huge.indices.every((id: number, k: number) => k === 0 || id > r.huge.indices[k - 1]!)).toBe(true);
  expect(r.firstWindow.indices.length).toBeGreaterThan(5);
  r.firstWindow.indices.forEach((id: number, k: number) => {
    const at = r.huge.indices.indexOf(id);
    expect(at, `entry ${id} of the first window`).toBeGreaterThanOrEqual(0);
    expect(r.huge.values[at]).toBeGreaterThanOrEqual(r.firstWindow.values[k]!);
  });
  // Odd input, token by token (this model's document vector is its own tokens, specials zeroed,
  // plus learned expansions such as script -> scripts).
  const contentIds = (w: number[][]) =>
    [...new Set(w.flat().filter((id) => ![0, 100, 101, 102, 103].includes(id)))].sort((a, b) => a - b);
  expect(r.oddWindows[0]).toEqual([[101, 7861, 29147, 2072, 100, 2283, 102]]); // em ##oj ##i [UNK] party: the emoji are one [UNK]
  expect(r.odd[0].indices).toEqual(contentIds(r.oddWindows[0]));
  // Control characters are removed: exactly the vector of "ctrl bell".
  expect(r.oddWindows[1]).toEqual(r.oddWindows[6]);
  expect(r.odd[1]).toEqual(r.odd[6]);
  expect(r.odd[1].indices).toEqual(contentIds(r.oddWindows[1]));
  // A lone surrogate is encoded as U+FFFD, exactly like the well-formed text.
  expect(r.odd[2]).toEqual(r.odd[3]);
  expect(r.oddTokens[2].sort()).toEqual(['##rogate', 'lone', 'sur']);
  // HTML is text: every tag character is a token, and script expands to scripts.
  const extra = r.odd[4].indices.filter((id: number) => !contentIds(r.oddWindows[4]).includes(id));
  expect(extra.map((id: number) => r.oddTokens[4][r.odd[4].indices.indexOf(id)])).toEqual(['scripts']);
  expect(contentIds(r.oddWindows[4]).every((id) => r.odd[4].indices.includes(id))).toBe(true);
  // Zero-width characters alone are no text at all.
  expect(r.oddWindows[5]).toEqual([]);
  expect(r.odd[5]).toEqual({ indices: [], values: [] });
  for (const v of r.odd) expect(v.values.every((x: number) => Number.isFinite(x) && x > 0)).toBe(true);
  expect(r.errors['number']).toMatch(/^true:invalid-input:expected a string or an array of strings, got number/);
  expect(r.errors['null']).toMatch(/^true:invalid-input:expected a string or an array of strings, got null/);
  expect(r.errors['arrayOfNumber']).toMatch(/^true:invalid-input:texts must be strings/);
  expect(r.errors['device']).toMatch(
    /^invalid-option:device "tpu" is not supported; accepted: auto, webgpu, wasm, cpu/,
  );
});

/** Loads a model whose files pass through `mutate` on their way to the page. */
async function loadBroken(
  page: Page,
  file: string,
  mutate: (body: Buffer) => Buffer | null,
): Promise<{ code: string; message: string; file?: string }> {
  await page.route(`**/models/splade-tiny-en-if/${file}`, async (route) => {
    const response = await route.fetch();
    const body = mutate(await response.body());
    if (body === null) await route.fulfill({ status: 404, body: 'not found' });
    else {
      // The original content-length would describe the unmutated file; the loader rightly refuses
      // a body shorter than its announced length as an incomplete download.
      const headers = { ...response.headers() };
      delete headers['content-length'];
      await route.fulfill({ status: response.status(), headers, body });
    }
  });
  return page.evaluate(async (model) => {
    try {
      const enc = await (window as any).splade.SparseEncoder.fromPretrained(model, { device: 'wasm', cache: false });
      await enc.encodeDocument('does it load');
      return { code: 'none', message: 'loaded' };
    } catch (e: any) {
      return { code: e.code, message: e.message, file: e.file };
    }
  }, EN);
}

test.describe('malformed model files give clear errors naming the file', () => {
  test.beforeEach(async ({ page }) => openHarness(page));

  test('a truncated ONNX file', async ({ page }) => {
    const e = await loadBroken(page, 'document_0_MLMTransformer/onnx/model.onnx', (b) =>
      b.subarray(0, Math.floor(b.length / 3)),
    );
    expect(e.code).toBe('model-file-invalid');
    expect(e.file).toBe('document_0_MLMTransformer/onnx/model.onnx');
    expect(e.message).toMatch(
      /^document_0_MLMTransformer\/onnx\/model\.onnx is not a valid ONNX model: a field of \d+ bytes at byte \d+ runs past/,
    );
  });

  test('modules.json naming an unknown module', async ({ page }) => {
    const e = await loadBroken(page, 'modules.json', () =>
      Buffer.from(JSON.stringify([{ idx: 0, name: '0', path: '', type: 'sentence_transformers.models.Dense' }])),
    );
    expect(e.code).toBe('unsupported-module');
    expect(e.message).toMatch(
      /modules\.json names module type "sentence_transformers\.models\.Dense".*supported module types/,
    );
  });

  test('a missing tokenizer', async ({ page }) => {
    await page.route('**/models/splade-tiny-en-if/*/tokenizer.json', (route) =>
      route.fulfill({ status: 404, body: '' }),
    );
    const e = await loadBroken(page, 'tokenizer.json', () => null);
    expect(e.code).toBe('model-not-found');
    expect(e.message).toMatch(
      /no tokenizer in \/models\/splade-tiny-en-if: looked for query_0_SparseStaticEmbedding\/tokenizer\.json, tokenizer\.json/,
    );
  });

  test('a safetensors header lying about sizes', async ({ page }) => {
    const e = await loadBroken(page, 'query_0_SparseStaticEmbedding/model.safetensors', (b) => {
      const n = Number(b.readBigUInt64LE(0));
      const header = JSON.parse(b.subarray(8, 8 + n).toString('utf8'));
      header.weight.data_offsets[1] += 4000; // claims more bytes than the file holds
      const json = Buffer.from(JSON.stringify(header).padEnd(n, ' '));
      return Buffer.concat([b.subarray(0, 8), json.subarray(0, n), b.subarray(8 + n)]);
    });
    expect(e.code).toBe('model-file-invalid');
    expect(e.file).toBe('query_0_SparseStaticEmbedding/model.safetensors');
    expect(e.message).toMatch(
      /is not a valid safetensors file: tensor "weight" claims bytes 0\.\.\d+ but only \d+ data bytes exist/,
    );
  });
});

test('a GPU device lost during a batch: the batch is redone on WASM and results equal the golden ones', async ({
  page,
}) => {
  const golden = loadGolden('splade-tiny-en-if');
  const docs = golden.cases.filter((c) => c.route === 'document');
  await openHarness(page);
  const r = await encodeLosingDevice(
    page,
    '/models/splade-tiny-en-if',
    {},
    docs.map((c) => c.text),
  );
  expect(r.lostAt).toBeGreaterThan(0);
  expect(r.stats.recovered).toBe(1);
  expect(r.device).toBe('wasm');
  docs.forEach((c, k) => expectMatchesGolden(r.vectors[k] as PlainVector, c, 'after device loss'));
});

test.describe('a browser without WebGPU', () => {
  test.beforeEach(async ({ page }) => {
    await page.addInitScript(() => {
      delete (Navigator.prototype as any).gpu;
      // WorkerNavigator is a global only in workers (this page's types are the window's).
      const workerNavigator = (globalThis as { WorkerNavigator?: { prototype: { gpu?: unknown } } }).WorkerNavigator;
      if (workerNavigator) delete workerNavigator.prototype.gpu;
    });
  });

  test("'auto' falls back to WASM with golden results; 'webgpu' gives a clear error", async ({ page }) => {
    const golden = loadGolden('splade-tiny-ko');
    await openHarness(page);
    const r = await page.evaluate(
      async (texts) => {
        const { SparseEncoder } = (window as any).splade;
        const enc = await SparseEncoder.fromPretrained('/models/splade-tiny-ko');
        const vectors = await enc.encodeDocument(texts);
        let error = '';
        try {
          const gpu = await SparseEncoder.fromPretrained('/models/splade-tiny-ko', { device: 'webgpu' });
          await gpu.encodeDocument('test');
        } catch (e: any) {
          error = `${e.code}:${e.message}`;
        }
        return {
          hasGpu: 'gpu' in navigator,
          device: enc.device,
          vectors: vectors.map((v: any) => ({ indices: Array.from(v.indices), values: Array.from(v.values) })),
          error,
        };
      },
      golden.cases.map((c) => c.text),
    );
    expect(r.hasGpu).toBe(false);
    expect(r.device).toBe('wasm');
    golden.cases.forEach((c, k) => expectMatchesGolden(r.vectors[k] as PlainVector, c, 'no WebGPU'));
    expect(r.error).toMatch(/^gpu-unavailable:device 'webgpu' was requested but this browser has no WebGPU/);
  });
});

test("'auto' on a software-only adapter (SwiftShader) chooses WASM", async ({ page }) => {
  await openHarness(page);
  const r = await page.evaluate(async () => {
    const { SparseEncoder, hardwareGpuAvailable } = (window as any).splade;
    const adapter = await navigator.gpu.requestAdapter();
    const enc = await SparseEncoder.fromPretrained('/models/splade-tiny-en-if');
    await enc.encodeDocument('software adapters are slow');
    return { arch: adapter?.info.architecture, hardware: await hardwareGpuAvailable(), device: enc.device };
  });
  expect(r.arch).toBe('swiftshader');
  expect(r.hardware).toBe(false);
  expect(r.device).toBe('wasm');
});

test('a GPU device at the WebGPU default limits: batches are split to fit and results stay golden', async ({
  page,
}) => {
  test.setTimeout(900_000);
  const golden = loadGolden('splade-tiny-ko');
  // The long document (several windows) and a few short ones: enough rows to need two batches.
  const all = golden.cases.filter((c) => c.route === 'document');
  const docs = [
    ...all.filter((c) => c.windows.length > 1).slice(0, 1),
    ...all.filter((c) => c.windows.length === 1).slice(0, 4),
  ];
  await openHarness(page);
  const r = await page.evaluate(
    async (texts) => {
      const { SparseEncoder } = (window as any).splade;
      const real = (await navigator.gpu.requestAdapter())!;
      // An adapter that only offers the WebGPU default limits: the encoder requests its device with
      // the adapter's limits, so the device gets the defaults (128 MiB per storage binding).
      const probe = await (await navigator.gpu.requestAdapter())!.requestDevice(); // an adapter is spent after one device
      const defaults = probe.limits;
      probe.destroy();
      let made: GPUDevice | undefined;
      const adapter = {
        limits: defaults,
        features: real.features,
        info: real.info,
        requestDevice: async (d: GPUDeviceDescriptor) =>
          (made = await real.requestDevice({ ...d, requiredLimits: {} })),
      };
      const enc = await SparseEncoder.fromPretrained('/models/splade-tiny-ko', {
        device: 'webgpu',
        gpuAdapter: adapter,
        batchSize: 64,
      });
      const vectors = await enc.encodeDocument(texts);
      return {
        // The device the encoder ran on: the one made from the adapter given.
        limit: made?.limits.maxStorageBufferBindingSize,
        stats: enc.lastStats,
        vectors: vectors.map((v: any) => ({ indices: Array.from(v.indices), values: Array.from(v.values) })),
      };
    },
    docs.map((c) => c.text),
  );
  expect(r.limit).toBe(128 * 1024 * 1024);
  // 128 tokens x 50000 entries x 4 bytes = 25.6 MB per window: at most 5 windows per batch.
  expect(r.stats.windows).toBe(docs.reduce((n, c) => n + c.windows.length, 0));
  expect(r.stats.windows).toBeGreaterThan(5);
  expect(r.stats.batches).toBeGreaterThanOrEqual(Math.ceil(r.stats.windows / 5));
  expect(r.stats.logitsBytes / r.stats.batches).toBeLessThanOrEqual(128 * 1024 * 1024);
  docs.forEach((c, k) => expectMatchesGolden(r.vectors[k] as PlainVector, c, 'default limits'));
});

test('a gpuAdapter that will not give a device is a gpu-unavailable SpladeError, and a fresh one then works', async ({
  page,
}) => {
  test.setTimeout(300_000);
  await openHarness(page);
  const r = await page.evaluate(async () => {
    const { SparseEncoder } = (window as any).splade;
    // An adapter gives one device: this one is spent before the encoder sees it (Chromium rejects).
    const spent = (await navigator.gpu.requestAdapter())!;
    (await spent.requestDevice()).destroy();
    let failure: { name: string; code: string; message: string } | undefined;
    try {
      const enc = await SparseEncoder.fromPretrained('/models/splade-tiny-ko', { device: 'webgpu', gpuAdapter: spent });
      await enc.encodeDocument('검색');
    } catch (e: any) {
      failure = { name: e.name, code: e.code, message: e.message };
    }
    // The failed request is not remembered: a fresh adapter gives the encoder its device.
    const fresh = (await navigator.gpu.requestAdapter())!;
    const enc = await SparseEncoder.fromPretrained('/models/splade-tiny-ko', { device: 'webgpu', gpuAdapter: fresh });
    const v = await enc.encodeDocument('검색');
    return { failure, device: enc.lastStats.device, nnz: v.indices.length };
  });
  expect(r.failure?.name).toBe('SpladeError');
  expect(r.failure?.code).toBe('gpu-unavailable');
  expect(r.failure?.message).toMatch(/gpuAdapter option's adapter would not give a GPU device \(.*consumed/);
  expect(r.device).toBe('webgpu');
  expect(r.nnz).toBeGreaterThan(0);
});

test('hub ids load through the hub URL layout, with progress events, and then offline from the cache', async ({
  page,
}) => {
  await openHarness(page);
  const first = await page.evaluate(async () => {
    const { SparseEncoder, clearModelCache } = (window as any).splade;
    await clearModelCache();
    const events: any[] = [];
    const enc = await SparseEncoder.fromPretrained('splade-web/splade-tiny-en-if', {
      hubUrl: `${location.origin}/hub`,
      device: 'wasm',
      onProgress: (e: any) => events.push(e),
    });
    const v = await enc.encodeDocument('offline search in the browser');
    // The same model by path: the hub code path must give the very same vector.
    const byPath = await (
      await SparseEncoder.fromPretrained('/models/splade-tiny-en-if', { device: 'wasm', cache: false })
    ).encodeDocument('offline search in the browser');
    return {
      events,
      nnz: v.indices.length,
      indices: Array.from(v.indices),
      values: Array.from(v.values),
      byPath: { indices: Array.from(byPath.indices), values: Array.from(byPath.values) },
    };
  });
  expect(first.nnz).toBeGreaterThan(2);
  expect({ indices: first.indices, values: first.values }).toEqual(first.byPath);
  expect(
    first.events.some(
      (e) => e.status === 'progress' && e.file === 'document_0_MLMTransformer/onnx/model.onnx' && e.loaded > 0,
    ),
  ).toBe(true);
  expect(first.events.some((e) => e.status === 'done' && e.fromCache === false)).toBe(true);
  expect(first.events.at(-1).status).toBe('ready');
  // Now the hub is unreachable: every request to it fails.
  await page.route('**/hub/**', (route) => route.abort('internetdisconnected'));
  const second = await page.evaluate(async () => {
    const { SparseEncoder } = (window as any).splade;
    const events: any[] = [];
    const enc = await SparseEncoder.fromPretrained('splade-web/splade-tiny-en-if', {
      hubUrl: `${location.origin}/hub`,
      device: 'wasm',
      onProgress: (e: any) => events.push(e),
    });
    const v = await enc.encodeDocument('offline search in the browser');
    return { events, nnz: v.indices.length, values: Array.from(v.values) };
  });
  expect(second.events.filter((e) => e.status === 'done').every((e) => e.fromCache)).toBe(true);
  expect(second.values).toEqual(first.values);
  // A model that was never cached fails clearly when the hub is unreachable.
  const third = await page.evaluate(async () => {
    try {
      await (window as any).splade.SparseEncoder.fromPretrained('splade-web/never-downloaded', {
        hubUrl: `${location.origin}/hub`,
      });
      return 'loaded';
    } catch (e: any) {
      return `${e.code}:${e.message}`;
    }
  });
  expect(third).toMatch(/^network:could not download modules\.json from .* and no cached copy exists/);
});

test('a branch revision is revalidated while online and served from the cache offline; a commit revision is never asked for again once cached', async ({
  page,
  context,
}) => {
  // This test's own corner of the hub mirror: files written here replace the model's (hub-mirror.ts).
  const overlay = join(HUB_OVERLAY_DIR, 'revalidate', 'splade-tiny-en-if');
  const weightsFile = 'query_0_SparseStaticEmbedding/model.safetensors';
  rmSync(overlay, { recursive: true, force: true });
  /** "Pushes a commit" to the mirrored hub: the query weights, scaled. */
  const publishWeights = (scale: number) => {
    const bytes = readFileSync(`public/models/splade-tiny-en-if/${weightsFile}`);
    const headerEnd = 8 + Number(bytes.readBigUInt64LE(0));
    const weights = new Float32Array(bytes.buffer.slice(bytes.byteOffset + headerEnd, bytes.byteOffset + bytes.length));
    for (let k = 0; k < weights.length; k++) weights[k]! *= scale;
    mkdirSync(join(overlay, dirname(weightsFile)), { recursive: true });
    writeFileSync(
      join(overlay, weightsFile),
      Buffer.concat([bytes.subarray(0, headerEnd), Buffer.from(weights.buffer)]),
    );
  };
  const responses: { revision: string; file: string; status: number; conditional: boolean }[] = [];
  page.on('response', (res) => {
    const m = /\/hub\/revalidate\/splade-tiny-en-if\/resolve\/([^/]+)\/(.+)$/.exec(res.url());
    if (m)
      responses.push({
        revision: m[1]!,
        file: m[2]!,
        status: res.status(),
        conditional: 'if-none-match' in res.request().headers(),
      });
  });
  await openHarness(page);
  await page.evaluate(() => caches.delete('splade-web-test-revalidate'));
  const load = (revision: string) =>
    page.evaluate(async (revision) => {
      const events: any[] = [];
      const enc = await (window as any).splade.SparseEncoder.fromPretrained('revalidate/splade-tiny-en-if', {
        hubUrl: `${location.origin}/hub`,
        revision,
        queryOnly: true,
        cacheName: 'splade-web-test-revalidate',
        onProgress: (e: any) => events.push(e),
      });
      const q = await enc.encodeQuery('rebase a branch onto main');
      // The loader reads some files twice (once to see that they exist): keep the first read's.
      const fromCache: Record<string, boolean> = {};
      for (const e of events) if (e.status === 'done' && !(e.file in fromCache)) fromCache[e.file] = e.fromCache;
      return { fromCache, indices: Array.from(q.indices) as number[], values: Array.from(q.values) as number[] };
    }, revision);
  const since = (n: number) => responses.slice(n);
  /** [file, status, conditional] of the responses since `n`, one per distinct triple, sorted. */
  const seen = (n: number) =>
    [...new Set(since(n).map((r) => JSON.stringify([r.file, r.status, r.conditional])))]
      .sort()
      .map((x) => JSON.parse(x));

  const original = await load('main');
  expect(original.indices.length).toBeGreaterThan(3);
  const files = Object.keys(original.fromCache).sort();
  expect(files).toContain(weightsFile);
  expect(Object.values(original.fromCache).every((c) => c === false)).toBe(true);

  // Unchanged on the hub: every file is revalidated by a conditional request, answered 304.
  let mark = responses.length;
  const again = await load('main');
  expect(again.values).toEqual(original.values);
  expect(Object.values(again.fromCache).every((c) => c === true)).toBe(true);
  expect(seen(mark)).toEqual(files.map((f) => [f, 304, true]));

  // The weights change on the branch: picked up, the other files still 304.
  publishWeights(2);
  mark = responses.length;
  const changed = await load('main');
  expect(changed.indices).toEqual(original.indices);
  expect(changed.values).toEqual(original.values.map((v) => v * 2)); // doubling is exact in float32
  expect(changed.fromCache[weightsFile]).toBe(false);
  expect(seen(mark)).toEqual(files.map((f) => (f === weightsFile ? [f, 200, true] : [f, 304, true])));

  // Offline: the latest copy, from the cache.
  await context.setOffline(true);
  const offline = await load('main');
  expect(offline.values).toEqual(changed.values);
  expect(Object.values(offline.fromCache).every((c) => c === true)).toBe(true);
  await context.setOffline(false);

  // A commit: downloaded once (the weights are doubled on the hub at this point)...
  const commit = 'c0ffee0123456789abcdef0123456789abcdef01';
  mark = responses.length;
  const pinned = await load(commit);
  expect(pinned.values).toEqual(changed.values);
  expect(Object.values(pinned.fromCache).every((c) => c === false)).toBe(true);
  expect(seen(mark)).toEqual(files.map((f) => [f, 200, false]));
  expect(since(mark).every((r) => r.revision === commit)).toBe(true);
  // ...and then never asked for again, even when the hub's file changes.
  rmSync(overlay, { recursive: true, force: true });
  mark = responses.length;
  const pinnedAgain = await load(commit);
  expect(pinnedAgain.values).toEqual(changed.values);
  expect(Object.values(pinnedAgain.fromCache).every((c) => c === true)).toBe(true);
  expect(since(mark)).toEqual([]);
  // The branch follows the hub back to the original weights.
  const reverted = await load('main');
  expect(reverted.values).toEqual(original.values);
  await page.evaluate(() => caches.delete('splade-web-test-revalidate'));
});
