/**
 * Bad input, broken model files, a lost GPU device, a browser without WebGPU, a device at the
 * WebGPU default limits, and the hub code path with its offline cache.
 */
import { expect, test, type Page } from '@playwright/test';
import { expectMatchesGolden, loadGolden, type PlainVector } from './support/golden.ts';
import { openHarness } from './support/page.ts';

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
    const odd = await enc.encodeDocument(['emoji 🙂👍🏽 party', 'ctrl \u0001\u0007 bell\u0000', 'lone \uD800 surrogate', 'lone \uFFFD surrogate', '<b>bold</b> &amp; <script>alert(1)</script>', '\u200d\u200b']);
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
    const plain = (v: any) => ({ indices: Array.from(v.indices), values: Array.from(v.values) });
    return { empty: empty.map(plain), afterEmpty, emptyQuery: plain(emptyQuery), hugeNnz: hugeVec.indices.length, hugeStats, hugeWindows: enc.windows(huge).length, odd: odd.map(plain), errors };
  }, EN);
  expect(r.empty).toEqual([{ indices: [], values: [] }, { indices: [], values: [] }]);
  // Empty text never reaches the model: no session was even created.
  expect(r.afterEmpty).toEqual({ device: null, batches: 0 });
  expect(r.emptyQuery).toEqual({ indices: [], values: [] });
  expect(r.hugeNnz).toBeGreaterThan(5);
  expect(r.hugeStats.windows).toBe(r.hugeWindows);
  expect(r.hugeWindows).toBeGreaterThan(100);
  for (const v of r.odd) expect(v.values.every((x: number) => Number.isFinite(x) && x > 0)).toBe(true);
  // A lone surrogate is encoded as U+FFFD, exactly like the well-formed text.
  expect(r.odd[2]).toEqual(r.odd[3]);
  expect(r.errors['number']).toMatch(/^true:invalid-input:splade-web: expected a string or an array of strings, got number/);
  expect(r.errors['null']).toMatch(/^true:invalid-input:/);
  expect(r.errors['arrayOfNumber']).toMatch(/^true:invalid-input:splade-web: texts must be strings/);
  expect(r.errors['device']).toMatch(/^invalid-option:splade-web: device "tpu" is not supported; accepted: auto, webgpu, wasm, cpu/);
});

/** Loads a model whose files pass through `mutate` on their way to the page. */
async function loadBroken(page: Page, file: string, mutate: (body: Buffer) => Buffer | null): Promise<{ code: string; message: string; file?: string }> {
  await page.route(`**/models/splade-tiny-en-if/${file}`, async (route) => {
    const response = await route.fetch();
    const body = mutate(await response.body());
    if (body === null) await route.fulfill({ status: 404, body: 'not found' });
    else await route.fulfill({ response, body });
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
    const e = await loadBroken(page, 'document_0_MLMTransformer/onnx/model.onnx', (b) => b.subarray(0, Math.floor(b.length / 3)));
    expect(e.code).toBe('model-file-invalid');
    expect(e.file).toBe('document_0_MLMTransformer/onnx/model.onnx');
    expect(e.message).toMatch(/^splade-web: document_0_MLMTransformer\/onnx\/model\.onnx could not be loaded by onnxruntime/);
  });

  test('modules.json naming an unknown module', async ({ page }) => {
    const e = await loadBroken(page, 'modules.json', () => Buffer.from(JSON.stringify([{ idx: 0, name: '0', path: '', type: 'sentence_transformers.models.Dense' }])));
    expect(e.code).toBe('unsupported-module');
    expect(e.message).toMatch(/modules\.json names module type "sentence_transformers\.models\.Dense".*supported module types/);
  });

  test('a missing tokenizer', async ({ page }) => {
    await page.route('**/models/splade-tiny-en-if/*/tokenizer.json', (route) => route.fulfill({ status: 404, body: '' }));
    const e = await loadBroken(page, 'tokenizer.json', () => null);
    expect(e.code).toBe('model-not-found');
    expect(e.message).toMatch(/no tokenizer in \/models\/splade-tiny-en-if: looked for query_0_SparseStaticEmbedding\/tokenizer\.json, tokenizer\.json/);
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
    expect(e.message).toMatch(/is not a valid safetensors file: tensor "weight" claims bytes 0\.\.\d+ but only \d+ data bytes exist/);
  });
});

test('a GPU device lost during a batch: the batch is redone on WASM and results equal the golden ones', async ({ page }) => {
  const golden = loadGolden('splade-tiny-en-if');
  const docs = golden.cases.filter((c) => c.route === 'document');
  await openHarness(page);
  const r = await page.evaluate(async ({ texts }) => {
    const { SparseEncoder } = (window as any).splade;
    const ort = (window as any).ort;
    const enc = await SparseEncoder.fromPretrained('/models/splade-tiny-en-if', { device: 'webgpu', batchSize: 2 });
    let lostAt = -1;
    const vectors = await enc.encodeDocument(texts, {
      onBatch: async ({ done, device }: any) => {
        if (lostAt < 0 && device === 'webgpu') {
          lostAt = done;
          (await ort.env.webgpu.device).destroy(); // the next batch meets a lost device
        }
      },
    });
    return { vectors: vectors.map((v: any) => ({ indices: Array.from(v.indices), values: Array.from(v.values) })), stats: enc.lastStats, device: enc.device, lostAt };
  }, { texts: docs.map((c) => c.text) });
  expect(r.lostAt).toBeGreaterThan(0);
  expect(r.stats.recovered).toBe(1);
  expect(r.device).toBe('wasm');
  docs.forEach((c, k) => expectMatchesGolden(r.vectors[k] as PlainVector, c, 'after device loss'));
});

test.describe('a browser without WebGPU', () => {
  test.beforeEach(async ({ page }) => {
    await page.addInitScript(() => {
      delete (Navigator.prototype as any).gpu;
      if (typeof WorkerNavigator !== 'undefined') delete (WorkerNavigator.prototype as any).gpu;
    });
  });

  test("'auto' falls back to WASM with golden results; 'webgpu' gives a clear error", async ({ page }) => {
    const golden = loadGolden('splade-tiny-ko');
    await openHarness(page);
    const r = await page.evaluate(async (texts) => {
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
      return { hasGpu: 'gpu' in navigator, device: enc.device, vectors: vectors.map((v: any) => ({ indices: Array.from(v.indices), values: Array.from(v.values) })), error };
    }, golden.cases.map((c) => c.text));
    expect(r.hasGpu).toBe(false);
    expect(r.device).toBe('wasm');
    golden.cases.forEach((c, k) => expectMatchesGolden(r.vectors[k] as PlainVector, c, 'no WebGPU'));
    expect(r.error).toMatch(/^gpu-unavailable:splade-web: device 'webgpu' was requested but this browser has no WebGPU/);
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

test('a GPU device at the WebGPU default limits: batches are split to fit and results stay golden', async ({ page }) => {
  test.setTimeout(900_000);
  const golden = loadGolden('splade-tiny-ko');
  // The long document (several windows) and a few short ones: enough rows to need two batches.
  const all = golden.cases.filter((c) => c.route === 'document');
  const docs = [...all.filter((c) => c.windows.length > 1).slice(0, 1), ...all.filter((c) => c.windows.length === 1).slice(0, 4)];
  await openHarness(page);
  const r = await page.evaluate(async (texts) => {
    const { SparseEncoder } = (window as any).splade;
    const real = (await navigator.gpu.requestAdapter())!;
    // An adapter that only offers the WebGPU default limits: onnxruntime requests its device with
    // the adapter's limits, so its device gets the defaults (128 MiB per storage binding).
    const probe = await (await navigator.gpu.requestAdapter())!.requestDevice(); // an adapter is spent after one device
    const defaults = probe.limits;
    probe.destroy();
    const adapter = { limits: defaults, features: real.features, info: real.info, requestDevice: (d: GPUDeviceDescriptor) => real.requestDevice({ ...d, requiredLimits: {} }) };
    const enc = await SparseEncoder.fromPretrained('/models/splade-tiny-ko', { device: 'webgpu', gpuAdapter: adapter, batchSize: 64 });
    const vectors = await enc.encodeDocument(texts);
    const ortDevice = await (window as any).ort.env.webgpu.device;
    return { limit: ortDevice.limits.maxStorageBufferBindingSize, stats: enc.lastStats, vectors: vectors.map((v: any) => ({ indices: Array.from(v.indices), values: Array.from(v.values) })) };
  }, docs.map((c) => c.text));
  expect(r.limit).toBe(128 * 1024 * 1024);
  // 128 tokens x 50000 entries x 4 bytes = 25.6 MB per window: at most 5 windows per batch.
  expect(r.stats.windows).toBeGreaterThan(5);
  expect(r.stats.batches).toBeGreaterThanOrEqual(Math.ceil(r.stats.windows / 5));
  expect(r.stats.logitsBytes / r.stats.batches).toBeLessThanOrEqual(128 * 1024 * 1024);
  docs.forEach((c, k) => expectMatchesGolden(r.vectors[k] as PlainVector, c, 'default limits'));
});

test('hub ids load through the hub URL layout, with progress events, and then offline from the cache', async ({ page }) => {
  await openHarness(page);
  const first = await page.evaluate(async () => {
    const { SparseEncoder, clearModelCache } = (window as any).splade;
    await clearModelCache();
    const events: any[] = [];
    const enc = await SparseEncoder.fromPretrained('splade-web/splade-tiny-en-if', { hubUrl: `${location.origin}/hub`, device: 'wasm', onProgress: (e: any) => events.push(e) });
    const v = await enc.encodeDocument('offline search in the browser');
    return { events, nnz: v.indices.length, values: Array.from(v.values) };
  });
  expect(first.events.some((e) => e.status === 'progress' && e.file === 'document_0_MLMTransformer/onnx/model.onnx' && e.loaded > 0)).toBe(true);
  expect(first.events.some((e) => e.status === 'done' && e.fromCache === false)).toBe(true);
  expect(first.events.at(-1).status).toBe('ready');
  // Now the hub is unreachable: every request to it fails.
  await page.route('**/hub/**', (route) => route.abort('internetdisconnected'));
  const second = await page.evaluate(async () => {
    const { SparseEncoder } = (window as any).splade;
    const events: any[] = [];
    const enc = await SparseEncoder.fromPretrained('splade-web/splade-tiny-en-if', { hubUrl: `${location.origin}/hub`, device: 'wasm', onProgress: (e: any) => events.push(e) });
    const v = await enc.encodeDocument('offline search in the browser');
    return { events, nnz: v.indices.length, values: Array.from(v.values) };
  });
  expect(second.events.filter((e) => e.status === 'done').every((e) => e.fromCache)).toBe(true);
  expect(second.values).toEqual(first.values);
  // A model that was never cached fails clearly when the hub is unreachable.
  const third = await page.evaluate(async () => {
    try {
      await (window as any).splade.SparseEncoder.fromPretrained('splade-web/never-downloaded', { hubUrl: `${location.origin}/hub` });
      return 'loaded';
    } catch (e: any) {
      return `${e.code}:${e.message}`;
    }
  });
  expect(third).toMatch(/^network:splade-web: could not download modules\.json from .* and no cached copy exists/);
});
