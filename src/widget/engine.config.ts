/**
 * The widget engine (`npm run build:widget` -> dist/cdn/splade-engine.js and dist/cdn/assets/):
 * the encoder worker, onnxruntime-web's module and .wasm, and the engine's own chunk, emitted as
 * files beside it (not inlined as data: or blob: URLs, which a strict CSP refuses). Only the `idb`
 * and `page` sources load it. Built as an app (not a library) so that Vite emits the worker and
 * the runtime files the way a page's own bundler would.
 */
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

export default defineConfig({
  root: fileURLToPath(new URL('../..', import.meta.url)),
  // URLs relative to the module (import.meta.url), wherever the folder is served from.
  base: './',
  publicDir: false,
  logLevel: 'warn',
  worker: { format: 'es' },
  build: {
    outDir: fileURLToPath(new URL('../../dist/cdn', import.meta.url)),
    emptyOutDir: false,
    target: 'es2022',
    minify: true,
    sourcemap: false,
    copyPublicDir: false,
    modulePreload: false,
    assetsInlineLimit: 0,
    rollupOptions: {
      input: { 'splade-engine': fileURLToPath(new URL('./engine.ts', import.meta.url)) },
      preserveEntrySignatures: 'strict',
      output: {
        entryFileNames: '[name].js',
        chunkFileNames: 'assets/[name]-[hash].js',
        assetFileNames: 'assets/[name]-[hash][extname]',
      },
    },
  },
});
