/**
 * The library build (`npm run build:lib`): src/ as ES modules in dist/, for a page's own bundler.
 *
 *   dist/browser.js                 the `.` entry (src/browser.ts)
 *   dist/node.js                    the `./node` entry (src/node.ts)
 *   dist/encode/worker/worker.js    the encoder worker
 *   dist/cli/main.js                the `splade-web` command (src/cli/bin.mjs runs it)
 *   dist/cli/encode-worker.js       a build's encode worker thread (src/cli/encode-pool.ts starts it)
 *   dist/widget/define.js           the `./widget` entry: <splade-search> for a page's own bundler
 *   dist/cdn/                       the widget as script-tag files (npm run build:widget, after this)
 *   dist/query-runtime/splade.js    the static-site query runtime (npm run build:runtime, after this)
 *   dist/**\/*.js                    one file per source module (see preserveModules)
 *
 * Dependencies stay imports (`onnxruntime-web`, ...): the consumer's bundler resolves them, so a
 * page holds one onnxruntime-web. The WGSL shader (`?raw`) is inlined as a string here, so no
 * bundler needs to know that suffix. Type declarations come from scripts/build-types.mjs.
 */
import { builtinModules } from 'node:module';
import { dirname, posix, relative } from 'node:path';
import { defineConfig, type Plugin } from 'vite';

const pkg = (await import('./package.json', { with: { type: 'json' } })).default as {
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
};
// vite and tsx: only a source checkout's CLI reaches them (it bundles the query runtime itself).
const externalPackages = [
  ...Object.keys(pkg.dependencies ?? {}),
  ...Object.keys(pkg.peerDependencies ?? {}),
  'onnxruntime-common',
  'vite',
  'tsx',
];
const isExternal = (id: string) =>
  id.startsWith('node:') ||
  builtinModules.includes(id) ||
  externalPackages.some((name) => id === name || id.startsWith(`${name}/`));

/** Where a `new URL('<relative source>', import.meta.url)` points, relative to dist/. */
const relativeUrlTargets: Record<string, string> = {
  'src/encode/worker/worker.ts': 'encode/worker/worker.js',
  'src/cli/encode-worker.ts': 'cli/encode-worker.js',
  // The build command's default model ships beside dist/ (package.json "files").
  'public/models/splade-tiny-en-if': '../public/models/splade-tiny-en-if',
};

/**
 * Leaves every `new URL('…', import.meta.url)` in src/ for the consumer's bundler, which is the one
 * that knows where files end up. Vite would otherwise act on them here: bundle the worker into an
 * asset (with its dependencies inlined, and in a form the consumer's bundler no longer recognises as
 * a worker) and inline onnxruntime-web's 28 MB .wasm as base64. The literal is hidden behind a
 * placeholder while Vite transforms, and put back when the chunk is written: a relative worker path
 * is pointed at dist/worker.js; a package path (`onnxruntime-web/…`) stays as it is.
 */
function keepImportMetaUrls(): Plugin {
  const literals: string[] = [];
  const root = process.cwd();
  return {
    name: 'splade-web-keep-import-meta-urls',
    enforce: 'pre',
    transform(code, id) {
      if (!id.startsWith(`${root}/src/`) || !code.includes('import.meta.url')) return null;
      const from = relative(root, dirname(id));
      const out = code.replace(
        /new URL\(\s*(['"])([^'"]+)\1\s*,\s*import\.meta\.url\s*\)/g,
        (_all, _quote, url: string) => {
          let target = url;
          if (url.startsWith('.')) {
            const source = posix.join(from, url);
            const built = relativeUrlTargets[source];
            if (!built)
              this.error(
                `splade-web build: ${id} points new URL() at ${url}, which dist/ has no file for; add it to relativeUrlTargets in vite.lib.config.ts`,
              );
            target = `@dist/${built}`;
          }
          literals.push(target);
          return `new URL(__SPLADE_URL_${literals.length - 1}__, import.meta.url)`;
        },
      );
      return out === code ? null : { code: out, map: null };
    },
    renderChunk(code, chunk) {
      if (!code.includes('__SPLADE_URL_')) return null;
      const out = code.replace(/__SPLADE_URL_(\d+)__/g, (_all, n: string) => {
        const target = literals[Number(n)]!;
        if (!target.startsWith('@dist/')) return JSON.stringify(target);
        const path = posix.relative(posix.dirname(chunk.fileName), target.slice('@dist/'.length));
        return JSON.stringify(path.startsWith('.') ? path : `./${path}`);
      });
      return { code: out, map: null };
    },
  };
}

export default defineConfig({
  publicDir: false,
  plugins: [keepImportMetaUrls()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    // The consumer's bundler minifies; readable output keeps stack traces and reviews useful.
    minify: false,
    sourcemap: true,
    copyPublicDir: false,
    lib: {
      entry: {
        browser: 'src/browser.ts',
        node: 'src/node.ts',
        'encode/worker/worker': 'src/encode/worker/worker.ts',
        'cli/main': 'src/cli/main.ts',
        'cli/encode-worker': 'src/cli/encode-worker.ts',
        'widget/define': 'src/widget/define.ts',
      },
      formats: ['es'],
    },
    rollupOptions: {
      external: isExternal,
      output: {
        // One file per module, so the consumer's bundler tree-shakes by module: a page that uses only
        // WorkerSparseEncoder and SparseIndex does not pull onnxruntime-web into its main thread
        // (with package.json "sideEffects", only the worker entry counts as having side effects).
        preserveModules: true,
        preserveModulesRoot: 'src',
        entryFileNames: '[name].js',
      },
    },
  },
});
