/**
 * splade-web, browser entry: re-exports only, no side effects.
 *   SparseEncoder        runs in the calling thread (WebGPU + WGSL pooling, or WASM)
 *   WorkerSparseEncoder  the same API inside a Web Worker (use this in pages)
 */
export { SparseEncoder } from './encode/browser.ts';
export { WorkerSparseEncoder } from './encode/worker/client.ts';
export { hardwareGpuAvailable } from './runtime/web.ts';
export * from './api.ts';
