/**
 * The widget as one self-contained ES module (`npm run build:widget` -> dist/cdn/splade-search.js):
 * what a site loads with a script tag, and what `splade-web build` copies beside the index. It holds
 * the element only; the query runtime (splade.js) and, for the idb/page sources, the engine are
 * imported by URL when a widget first opens.
 */
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

export const widgetEntry = fileURLToPath(new URL('./script.ts', import.meta.url));

export default defineConfig({
  publicDir: false,
  logLevel: 'warn',
  build: {
    outDir: fileURLToPath(new URL('../../dist/cdn', import.meta.url)),
    emptyOutDir: false,
    target: 'es2022',
    minify: true,
    sourcemap: false,
    copyPublicDir: false,
    lib: { entry: widgetEntry, formats: ['es'], fileName: () => 'splade-search.js' },
    rollupOptions: { output: { codeSplitting: false } as never },
  },
});
