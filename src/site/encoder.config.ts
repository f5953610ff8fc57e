/**
 * The symmetric-model query encoder as one self-contained ES module (`npm run build:runtime` ->
 * dist/query-runtime/splade-encoder.js, beside splade.js): what `splade-web build` copies, content-
 * hashed, into the index folder of a site built with a model whose queries go through the
 * transformer. Everything is inlined (no bare imports) but onnxruntime-web's Emscripten module and
 * WebAssembly, which the build copies beside it and names in the entry file:
 *
 * - ORT is taken in its "extern wasm" form (ort.min.mjs): it imports the Emscripten module from the
 *   URL it is given (`ort.env.wasm.wasmPaths`) instead of carrying a copy inlined (the default
 *   ort.bundle.min.mjs), so the module is not shipped twice.
 * - `new URL('onnxruntime-web/…', import.meta.url)` in src/runtime/web.ts is for a page's own
 *   bundler; here it would inline the 28 MB .wasm as base64. The plugin below makes those URLs
 *   opaque to Vite, and model-encoder.ts sets the paths itself.
 */
import { fileURLToPath } from 'node:url';
import { defaultClientConditions, defineConfig, type Plugin } from 'vite';

export const encoderEntry = fileURLToPath(new URL('./model-encoder.ts', import.meta.url));

function opaqueOrtUrls(): Plugin {
  return {
    name: 'splade-web-opaque-ort-urls',
    enforce: 'pre',
    transform(code, id) {
      if (!code.includes("new URL('onnxruntime-web/")) return null;
      return {
        code: code.replace(
          /new URL\('(onnxruntime-web\/[^']+)'/g,
          (_all, path: string) => `new URL(String(${JSON.stringify(path)})`,
        ),
        map: null,
      };
    },
  };
}

export default defineConfig({
  publicDir: false,
  logLevel: 'warn',
  plugins: [opaqueOrtUrls()],
  resolve: { conditions: ['onnxruntime-web-use-extern-wasm', ...defaultClientConditions] },
  build: {
    outDir: fileURLToPath(new URL('../../dist/query-runtime', import.meta.url)),
    // splade.js (bundle.config.ts) is built into the same folder first.
    emptyOutDir: false,
    target: 'es2022',
    minify: true,
    sourcemap: false,
    copyPublicDir: false,
    assetsInlineLimit: 0,
    lib: { entry: encoderEntry, formats: ['es'], fileName: () => 'splade-encoder.js' },
    rollupOptions: { output: { codeSplitting: false } as never },
  },
});
