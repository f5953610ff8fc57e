/**
 * The query runtime as one self-contained ES module (`npm run build:runtime` -> dist/query-runtime/splade.js; dist/runtime/ holds the library's ORT runtimes):
 * what `splade-web build` copies into a site's index folder as `splade.js`. Everything it imports
 * is inlined (no bare imports: a static site has no bundler), and it never pulls in onnxruntime-web.
 */
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

export const runtimeEntry = fileURLToPath(new URL('./runtime.ts', import.meta.url));

export default defineConfig({
  publicDir: false,
  logLevel: 'warn',
  build: {
    outDir: fileURLToPath(new URL('../../dist/query-runtime', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    minify: true,
    sourcemap: false,
    copyPublicDir: false,
    lib: { entry: runtimeEntry, formats: ['es'], fileName: () => 'splade.js' },
    rollupOptions: { output: { codeSplitting: false } as never },
  },
});
