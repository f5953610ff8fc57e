/**
 * splade-web, browser entry: re-exports only, no side effects.
 *   SparseEncoder        runs in the calling thread (WebGPU + WGSL pooling, or WASM)
 *   WorkerSparseEncoder  the same API inside a Web Worker (use this in pages)
 */
export { SparseEncoder } from './encoder/browser.ts';
export { WorkerSparseEncoder } from './encoder/worker-client.ts';
export { hardwareGpuAvailable } from './runtime/web.ts';
export * from './shared-exports.ts';
export {
  SparseIndex,
  INDEX_FORMAT,
  INDEX_SCHEMA,
  type IndexDocument,
  type IndexOptions,
  type IndexEncoder,
  type IndexSnapshot,
  type SearchOptions,
  type Hit,
  type Filter,
  type Fields,
} from './index/sparse-index.ts';
