/**
 * What an encoder reports it runs on: the adapter on WebGPU, threads and isolation on WASM, in the
 * page and through the worker; known once loaded (the session starts while loading), and named by
 * the `ready` progress event, which also names the model as it was given.
 */
import { expect, test } from '@playwright/test';
import { openHarness } from './support/page.ts';

test('backendInfo names the WebGPU adapter, or the WASM threads and isolation; wasmThreads caps the threads', async ({
  page,
}) => {
  await openHarness(page);
  const r = await page.evaluate(async () => {
    const { SparseEncoder, WorkerSparseEncoder } = window.splade;
    const model = '/models/splade-tiny-en-if';
    const events: Record<string, { status: string; model: string; device?: string }[]> = {
      wasm: [],
      gpu: [],
      worker: [],
    };
    const listen = (name: string) => (e: { status: string; model: string; device?: string }) => events[name]!.push(e);
    const wasm = await SparseEncoder.fromPretrained(model, {
      device: 'wasm',
      cache: false,
      wasmThreads: 1,
      onProgress: listen('wasm'),
    });
    const before = wasm.backendInfo ?? null;
    await wasm.encodeDocument(['git rebase']);
    const wasmInfo = wasm.backendInfo;
    const gpu = await SparseEncoder.fromPretrained(model, {
      device: 'webgpu',
      cache: false,
      onProgress: listen('gpu'),
    });
    await gpu.encodeDocument(['git rebase']);
    const gpuInfo = gpu.backendInfo;
    // 'auto' in the worker: SwiftShader is a software adapter, so WASM, and ready says so (not 'auto').
    const worker = await WorkerSparseEncoder.fromPretrained(model, { cache: false, onProgress: listen('worker') });
    const workerBefore = { device: worker.device ?? null, info: worker.backendInfo ?? null };
    await worker.encodeDocument(['git rebase']);
    const workerInfo = worker.backendInfo;
    let bad = '';
    try {
      await SparseEncoder.fromPretrained(model, { wasmThreads: 0 });
    } catch (e: any) {
      bad = `${e.code}:${e.message}`;
    }
    await Promise.all([wasm.dispose(), gpu.dispose(), worker.dispose()]);
    const ready = Object.fromEntries(
      Object.entries(events).map(([name, list]) => [name, list.filter((e) => e.status === 'ready')]),
    );
    const last = Object.fromEntries(Object.entries(events).map(([name, list]) => [name, list.at(-1)?.status]));
    const models = [...new Set(Object.values(events).flatMap((list) => list.map((e) => e.model)))];
    return {
      before,
      wasmInfo,
      gpuInfo,
      workerBefore,
      workerInfo,
      ready,
      last,
      models,
      bad,
      isolated: crossOriginIsolated,
      cores: navigator.hardwareConcurrency,
    };
  });
  expect(r.before).toEqual(r.wasmInfo);
  expect(r.workerBefore).toEqual({ device: 'wasm', info: r.workerInfo });
  expect(r.ready).toEqual({
    wasm: [{ status: 'ready', model: '/models/splade-tiny-en-if', device: 'wasm' }],
    gpu: [{ status: 'ready', model: '/models/splade-tiny-en-if', device: 'webgpu' }],
    worker: [{ status: 'ready', model: '/models/splade-tiny-en-if', device: 'wasm' }],
  });
  expect(r.last).toEqual({ wasm: 'ready', gpu: 'ready', worker: 'ready' });
  expect(r.models).toEqual(['/models/splade-tiny-en-if']);
  expect(r.isolated).toBe(true); // the dev server sends COOP/COEP
  // The precision and the files the session was made from (issue 18 §3).
  const files = { dtype: 'fp32', modelFile: 'document_0_MLMTransformer/onnx/model.onnx', externalDataFiles: [] };
  // An ONNX file's logits: pooled in JS on WASM, by the WGSL pooler on WebGPU (BackendInfo.pooling).
  expect(r.wasmInfo).toEqual({ device: 'wasm', threads: 1, crossOriginIsolated: true, ...files, pooling: 'cpu' });
  expect(r.gpuInfo).toMatchObject({ device: 'webgpu', ...files, pooling: 'gpu' });
  expect(r.gpuInfo.adapter.architecture).toBe('swiftshader');
  // The worker has its own ORT: threads up to 4, as many as the cores.
  expect(r.workerInfo).toEqual({
    device: 'wasm',
    threads: Math.min(4, r.cores),
    crossOriginIsolated: true,
    ...files,
    pooling: 'cpu',
  });
  expect(r.bad).toMatch(/^invalid-option:wasmThreads must be a positive integer, got 0/);
});
