// BENCH_ORT: which onnxruntime-web backend a benchmark page runs (issue 19 §3), for the Vite servers
// of bench/fused-head.mjs and bench/models.mjs. 'jsep' (default) is what the library imports,
// `onnxruntime-web` (the JSEP WebGPU kernels; WASM from ort-wasm-simd-threaded.jsep.wasm); 'webgpu'
// aliases the package to `onnxruntime-web/webgpu`, the native WebGPU backend, for the whole page,
// the library included (WASM then from its ort-wasm-simd-threaded.asyncify.wasm). One ORT per page
// either way.
export const ORT_BACKEND = process.env.BENCH_ORT ?? 'jsep';
if (!['jsep', 'webgpu'].includes(ORT_BACKEND)) {
  console.error(`BENCH_ORT takes jsep or webgpu, got ${ORT_BACKEND}`);
  process.exit(2);
}

/** Vite options that make `onnxruntime-web` resolve to the chosen backend's bundle. */
export function ortBackendViteConfig() {
  if (ORT_BACKEND === 'jsep') return {};
  return {
    resolve: { alias: [{ find: /^onnxruntime-web$/, replacement: 'onnxruntime-web/webgpu' }] },
    // Vite's dependency pre-bundling would otherwise serve its own copy under the old name.
    optimizeDeps: { exclude: ['onnxruntime-web', 'onnxruntime-web/webgpu'] },
  };
}
