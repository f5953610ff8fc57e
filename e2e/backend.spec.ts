/** What an encoder reports it runs on: the adapter on WebGPU, threads and isolation on WASM, in the page and through the worker. */
import { expect, test } from '@playwright/test';
import { openHarness } from './support/page.ts';

test('backendInfo names the WebGPU adapter, or the WASM threads and isolation; wasmThreads caps the threads', async ({ page }) => {
  await openHarness(page);
  const r = await page.evaluate(async () => {
    const { SparseEncoder, WorkerSparseEncoder } = window.splade;
    const model = '/models/splade-tiny-en-if';
    const wasm = await SparseEncoder.fromPretrained(model, { device: 'wasm', cache: false, wasmThreads: 1 });
    const before = wasm.backendInfo ?? null;
    await wasm.encodeDocument(['git rebase']);
    const wasmInfo = wasm.backendInfo;
    const gpu = await SparseEncoder.fromPretrained(model, { device: 'webgpu', cache: false });
    await gpu.encodeDocument(['git rebase']);
    const gpuInfo = gpu.backendInfo;
    const worker = await WorkerSparseEncoder.fromPretrained(model, { device: 'wasm', cache: false });
    await worker.encodeDocument(['git rebase']);
    const workerInfo = worker.backendInfo;
    let bad = '';
    try {
      await SparseEncoder.fromPretrained(model, { wasmThreads: 0 });
    } catch (e: any) {
      bad = `${e.code}:${e.message}`;
    }
    await Promise.all([wasm.dispose(), gpu.dispose(), worker.dispose()]);
    return { before, wasmInfo, gpuInfo, workerInfo, bad, isolated: crossOriginIsolated, cores: navigator.hardwareConcurrency };
  });
  expect(r.before).toBeNull();
  expect(r.isolated).toBe(true); // the dev server sends COOP/COEP
  expect(r.wasmInfo).toEqual({ device: 'wasm', threads: 1, crossOriginIsolated: true });
  expect(r.gpuInfo.device).toBe('webgpu');
  expect(r.gpuInfo.adapter.architecture).toBe('swiftshader');
  // The worker has its own ORT: threads up to 4, as many as the cores.
  expect(r.workerInfo).toEqual({ device: 'wasm', threads: Math.min(4, r.cores), crossOriginIsolated: true });
  expect(r.bad).toMatch(/^invalid-option:splade-web: wasmThreads must be a positive integer, got 0/);
});
