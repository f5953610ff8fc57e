import { defineConfig, type Plugin } from 'vite';
import { hubMirror } from './e2e/support/hub-mirror.ts';
import { CSP } from './demo/serve.mjs';

/**
 * The built demo carries its Content-Security-Policy in a meta tag too, so it holds on any static
 * host (demo/serve.mjs also sends it as a header). Build only: the dev server injects inline
 * styles for hot reloading, which this policy forbids.
 */
function demoCsp(): Plugin {
  return {
    name: 'splade-demo-csp',
    apply: 'build',
    transformIndexHtml: {
      order: 'post',
      handler: (html, ctx) =>
        ctx.path.endsWith('/demo/index.html')
          ? html.replace(
              '<meta charset="utf-8">',
              `<meta charset="utf-8">\n  <meta http-equiv="Content-Security-Policy" content="${CSP.replace(/; frame-ancestors 'none'/, '')}">`,
            )
          : html,
    },
  };
}

// Cross-origin isolation lets onnxruntime-web use WASM threads (SharedArrayBuffer).
const isolation = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

export default defineConfig({
  root: '.',
  publicDir: 'public',
  server: {
    host: '127.0.0.1',
    port: 5173,
    strictPort: true,
    headers: isolation,
    // Benchmarks keep built sites and model copies under .cache (tens of thousands of files): watching
    // them would exhaust the system's file watchers, and nothing there is the app's source.
    watch: { ignored: ['**/.cache/**', '**/demo-dist/**', '**/dist/**'] },
    ...(process.env['E2E_NO_HMR'] ? { hmr: false } : {}),
  },
  preview: { host: '127.0.0.1', port: 4173, strictPort: true, headers: isolation },
  // onnxruntime-web locates its .wasm next to its own module; pre-bundling would move it.
  optimizeDeps: { exclude: ['onnxruntime-web', 'onnxruntime-web/webgpu'] },
  worker: { format: 'es' },
  // The demo site (`npm run build:demo`); dist/ holds the library (vite.lib.config.ts).
  build: {
    outDir: 'demo-dist',
    emptyOutDir: true,
    target: 'es2022',
    rollupOptions: { input: { demo: 'demo/index.html' } },
  },
  plugins: [hubMirror(), demoCsp()],
});
