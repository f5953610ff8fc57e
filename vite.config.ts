import { defineConfig } from 'vite';
import { hubMirror } from './e2e/support/hub-mirror.ts';

// Cross-origin isolation lets onnxruntime-web use WASM threads (SharedArrayBuffer).
const isolation = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

export default defineConfig({
  root: '.',
  publicDir: 'public',
  server: { host: '127.0.0.1', port: 5173, strictPort: true, headers: isolation, ...(process.env['E2E_NO_HMR'] ? { hmr: false } : {}) },
  preview: { host: '127.0.0.1', port: 4173, strictPort: true, headers: isolation },
  // onnxruntime-web locates its .wasm next to its own module; pre-bundling would move it.
  optimizeDeps: { exclude: ['onnxruntime-web'] },
  worker: { format: 'es' },
  // The demo site (`npm run build:demo`); dist/ holds the library (vite.lib.config.ts).
  build: {
    outDir: 'demo-dist',
    emptyOutDir: true,
    target: 'es2022',
    rollupOptions: { input: { demo: 'demo/index.html' } },
  },
  plugins: [hubMirror()],
});
