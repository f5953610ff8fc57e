// BENCH_ORT: which onnxruntime-web backend a benchmark page runs (issue 19 §3), for the Vite servers
// of bench/fused-head.mjs and bench/models.mjs. 'webgpu' (default) is what the library imports,
// `onnxruntime-web/webgpu`: the native WebGPU execution provider (WASM from its
// ort-wasm-simd-threaded.asyncify.wasm). 'jsep' aliases it to the default bundle, `onnxruntime-web`
// (the JSEP WebGPU kernels; WASM from ort-wasm-simd-threaded.jsep.wasm), for the whole page, the
// library included, which is what the library ran before. One ORT per page either way. Results
// are keyed by it where it is not 'jsep' (keys without it are runs from before the switch).
export const ORT_BACKEND = process.env.BENCH_ORT ?? 'webgpu';
if (!['jsep', 'webgpu'].includes(ORT_BACKEND)) {
  console.error(`BENCH_ORT takes jsep or webgpu, got ${ORT_BACKEND}`);
  process.exit(2);
}

/** Vite options that make the library's `onnxruntime-web/webgpu` resolve to the chosen backend's bundle. */
export function ortBackendViteConfig() {
  if (ORT_BACKEND === 'webgpu') return {};
  return {
    resolve: { alias: [{ find: /^onnxruntime-web\/webgpu$/, replacement: 'onnxruntime-web' }] },
    // Vite's dependency pre-bundling would otherwise serve its own copy under the old name.
    optimizeDeps: { exclude: ['onnxruntime-web', 'onnxruntime-web/webgpu'] },
  };
}
