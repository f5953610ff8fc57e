/**
 * The package as a user gets it: `npm pack` (which builds dist/), installed from the tarball into
 * a separate app (e2e/consumer-app, copied to a temp folder), bundled by `vite build` with no
 * configuration, served as plain files, and run in Chromium with and without cross-origin
 * isolation. Also: the app's TypeScript checks against the shipped declarations (strict, no
 * skipLibCheck), and a missing worker or .wasm is reported with its URL and HTTP status.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import type { Outcome } from './consumer-app/outcome.ts';
import { serveStatic, type StaticServer } from './support/static-server.ts';

const repo = resolve(import.meta.dirname, '..');
const bin = (name: string) => join(repo, 'node_modules', '.bin', name);

/**
 * The environment for nested npm/vite runs: the variables npm sets for `npm test` (npm_package_*,
 * npm_lifecycle_*, prefixes) would steer them at the repo; where to fetch from and cache is kept.
 */
const keptNpmConfig =
  /^npm_config_(cache|registry|userconfig|globalconfig|proxy|https?_proxy|noproxy|no_proxy|strict_ssl|cafile|offline|prefer_offline|.*:registry)$/i;
const cleanEnv = Object.fromEntries(
  Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k) || keptNpmConfig.test(k)),
);

function sh(cmd: string, args: string[], cwd: string): string {
  try {
    return execFileSync(cmd, args, {
      cwd,
      env: { ...cleanEnv, FORCE_COLOR: '0' },
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string; message: string };
    throw new Error(`${cmd} ${args.join(' ')} (in ${cwd}) failed: ${e.message}\n${e.stdout ?? ''}\n${e.stderr ?? ''}`);
  }
}

let work: string;
let app: string;
const timings: Record<string, number> = {};

test.beforeAll(async () => {
  test.setTimeout(300_000);
  work = mkdtempSync(join(tmpdir(), 'splade-web-package-'));
  app = join(work, 'app');
  let t = Date.now();
  // prepack builds dist/ (library + declarations) first.
  sh('npm', ['pack', '--pack-destination', work, '--loglevel', 'error'], repo);
  timings['npm pack'] = Date.now() - t;
  const tarball = readdirSync(work).find((f) => f.endsWith('.tgz'));
  if (!tarball) throw new Error(`npm pack left no tarball in ${work}`);
  cpSync(join(repo, 'e2e', 'consumer-app'), app, { recursive: true });
  cpSync(join(repo, 'public', 'models', 'splade-tiny-en-if'), join(app, 'public', 'models', 'splade-tiny-en-if'), {
    recursive: true,
  });
  t = Date.now();
  // The package's dependencies come from npm's cache (filled by the repo's own install) or the registry.
  // onnxruntime-node too: the `splade-web` command encodes in Node (its CPU binary ships in the package;
  // --ignore-scripts skips the install script that would fetch GPU binaries).
  sh(
    'npm',
    [
      'install',
      '--no-audit',
      '--no-fund',
      '--prefer-offline',
      '--ignore-scripts',
      '--loglevel',
      'error',
      join(work, tarball),
      'onnxruntime-node@1.30.0',
    ],
    app,
  );
  timings['npm install'] = Date.now() - t;
  t = Date.now();
  // The repo's Vite, run in the app: the app has no vite.config, so this is Vite's defaults.
  sh(bin('vite'), ['build', '--logLevel', 'warn'], app);
  timings['vite build'] = Date.now() - t;
});

test.afterAll(() => {
  console.log(
    `[package] ${Object.entries(timings)
      .map(([k, v]) => `${k} ${(v / 1000).toFixed(1)} s`)
      .join(', ')}`,
  );
  if (work) rmSync(work, { recursive: true, force: true });
});

async function runApp(page: Page, server: StaticServer, query = ''): Promise<Outcome> {
  page.on('pageerror', (e) => console.log('[pageerror]', e.message));
  if (process.env['E2E_CONSOLE']) page.on('console', (m) => console.log('[page]', m.text()));
  await page.goto(`${server.url}/${query}`);
  await page.waitForFunction(() => window.outcome !== undefined, undefined, { timeout: 120_000 });
  return (await page.evaluate(() => window.outcome)) as Outcome;
}

declare global {
  interface Window {
    outcome?: unknown;
  }
}

test('the installed `splade-web build` command indexes a site with the bundled default model', () => {
  const out = join(work, 'site-index');
  const log = sh(
    join(app, 'node_modules', '.bin', 'splade-web'),
    // --jobs 2 with small units: the encode runs on worker threads, from the package's dist/cli/encode-worker.js.
    [
      'build',
      join(repo, 'test', 'fixtures', 'site'),
      '--out',
      out,
      '--cache',
      join(work, 'vector-cache'),
      '--jobs',
      '2',
      '--batch-size',
      '8',
    ],
    app,
  );
  expect(log).toMatch(/splade-web build: \d+ pages, \d+ sections/);
  const entry = JSON.parse(readFileSync(join(out, 'splade-entry.json'), 'utf8'));
  expect(entry.model).toBe('splade-tiny-en-if (bundled)');
  expect(entry.sections).toBeGreaterThan(10);
  expect(readFileSync(join(out, 'splade.js'), 'utf8')).not.toMatch(/onnxruntime/);
  // The widget's script, prebuilt in the package (dist/cdn/), written beside the index.
  expect(readFileSync(join(out, 'splade-search.js'))).toEqual(
    readFileSync(join(app, 'node_modules', 'splade-web', 'dist', 'cdn', 'splade-search.js')),
  );
});

test('the installed package: exports, declarations and no `.ts` or `?raw` left for the bundler', () => {
  const pkg = JSON.parse(readFileSync(join(app, 'node_modules', 'splade-web', 'package.json'), 'utf8'));
  expect(pkg.private).toBeUndefined();
  expect(pkg.exports['.']).toMatchObject({ types: './dist/types/browser.d.ts', browser: './dist/browser.js' });
  expect(pkg.exports['./node']).toMatchObject({ types: './dist/types/node.d.ts', node: './dist/node.js' });
  expect(pkg.exports['./widget']).toMatchObject({
    types: './dist/types/widget/define.d.ts',
    default: './dist/widget/define.js',
  });
  // The script-tag files: the element, and the engine of the idb/page sources with its worker and runtime.
  const cdn = join(app, 'node_modules', 'splade-web', 'dist', 'cdn');
  const assets = readdirSync(join(cdn, 'assets'));
  expect(readdirSync(cdn).sort()).toEqual(['assets', 'splade-engine.js', 'splade-search.js']);
  for (const re of [
    /^worker-.*\.js$/,
    /^ort-wasm-simd-threaded\.asyncify-.*\.wasm$/,
    /^ort-wasm-simd-threaded\.asyncify-.*\.mjs$/,
  ])
    expect(
      assets.some((f) => re.test(f)),
      String(re),
    ).toBe(true);
  expect(pkg.dependencies['@huggingface/transformers']).toBeUndefined();
  const dist = join(app, 'node_modules', 'splade-web', 'dist');
  const js = readdirSync(dist, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.js'));
  for (const f of js) {
    const code = readFileSync(join(dist, f), 'utf8');
    expect(code, f).not.toMatch(/(?:\bfrom|\bimport)\s*\(?\s*['"][^'"]+(?:\.ts|\?raw)['"]/);
  }
  // The shader is a string in the built code.
  expect(js.some((f) => readFileSync(join(dist, f), 'utf8').includes('@compute @workgroup_size'))).toBe(true);
  // The app's own TypeScript, strict and checking library declarations too.
  sh(bin('tsc'), ['-p', '.'], app);
});

for (const isolated of [true, false]) {
  test(`the consumer's vite build runs ${isolated ? 'cross-origin isolated (WASM threads)' : 'without isolation (one thread)'}`, async ({
    page,
  }) => {
    const server = await serveStatic(join(app, 'dist'), { isolated });
    try {
      const started = Date.now();
      const outcome = await runApp(page, server);
      console.log(`[package] isolated=${isolated}: ${Date.now() - started} ms, ${JSON.stringify(outcome)}`);
      expect(outcome.error).toBeUndefined();
      expect(outcome).toMatchObject({ ok: true, isolated, device: 'wasm' });
      expect(outcome.hits![0]!.id).toBe('rebase');
      expect(outcome.hits![0]!.score).toBeGreaterThan(0);
      // <splade-search> from splade-web/widget, searching the app's own index.
      expect(outcome.widget).toEqual({ defined: true, shown: outcome.hits!.map((h) => h.id) });
      const count = (re: RegExp) => server.requests.filter((p) => re.test(p)).length;
      // The encoder worker is loaded once: onnxruntime's threads load its own module, not the worker.
      expect(count(/\/assets\/worker-[^/]*\.js$/)).toBe(1);
      expect(count(/\/assets\/ort-wasm-simd-threaded\.asyncify-[^/]*\.wasm$/)).toBe(1);
      // Isolated: the module is loaded by the encoder worker and again by each WASM thread.
      const module = count(/\/assets\/ort-wasm-simd-threaded\.asyncify-[^/]*\.mjs$/);
      if (isolated) expect(module).toBeGreaterThan(1);
      else expect(module).toBe(1);
    } finally {
      await server.close();
    }
  });
}

test("the consumer's vite build runs on WebGPU: the WGSL pooling kernel is in the bundle", async ({ page }) => {
  const server = await serveStatic(join(app, 'dist'), { isolated: true });
  try {
    const outcome = await runApp(page, server, '?device=webgpu');
    expect(outcome.error).toBeUndefined();
    expect(outcome).toMatchObject({ ok: true, device: 'webgpu' });
    expect(outcome.hits![0]!.id).toBe('rebase');
  } finally {
    await server.close();
  }
});

test('a worker file that is missing is reported with its URL and HTTP status', async ({ page }) => {
  const server = await serveStatic(join(app, 'dist'), { isolated: false });
  server.hide = (path) => /\/assets\/worker-[^/]*\.js$/.test(path);
  try {
    const outcome = await runApp(page, server);
    expect(outcome.ok).toBe(false);
    expect(outcome.error?.code).toBe('runtime');
    expect(outcome.error?.message).toMatch(
      /^the encoder worker failed to start: GET http:\/\/127\.0\.0\.1:\d+\/assets\/worker-[^ ]+\.js answered HTTP 404/,
    );
  } finally {
    await server.close();
  }
});

test("onnxruntime-web's .wasm missing is reported with its URL and HTTP status", async ({ page }) => {
  const server = await serveStatic(join(app, 'dist'), { isolated: true });
  server.hide = (path) => path.endsWith('.wasm');
  try {
    const outcome = await runApp(page, server);
    expect(outcome.ok).toBe(false);
    expect(outcome.error?.code).toBe('runtime');
    expect(outcome.error?.message).toMatch(
      /^onnxruntime-web could not load its WebAssembly runtime: GET http:\/\/127\.0\.0\.1:\d+\/assets\/ort-wasm-simd-threaded\.asyncify-[^ ]+\.wasm answered HTTP 404/,
    );
  } finally {
    await server.close();
  }
});
