/**
 * Which onnxruntime-web the browser side runs, and the names of its runtime files, shared by the
 * browser runtime (web.ts), the site build that copies those files (cli/runtime-bundle.ts,
 * cli/query-side.ts) and the site's query encoder that points ORT at them (site/model-encoder.ts).
 *
 * `onnxruntime-web/webgpu`: the native WebGPU execution provider (onnxruntime's C++ WebGPU kernels
 * compiled to WebAssembly), not the default bundle's JSEP kernels (written in TypeScript). Measured
 * on the four seed architectures at full widths (bench/fused-head.mjs with BENCH_ORT, README "The
 * encoder"): less GPU memory per session and per batch, with the same vectors. Its WebAssembly is
 * the asyncify build, which also runs the WASM path (as fast as the JSEP build's, bench:models):
 * one ORT serves both.
 */
export const ORT_RUNTIME_BASENAME = 'ort-wasm-simd-threaded.asyncify';
