#!/usr/bin/env node
// `npm run bench:fused`: serves the project with Vite, drives the system Chromium (WebGPU: a
// hardware adapter when Chromium has one, SwiftShader here) through bench/fused-head.html, prints
// the figures and adds them to bench/results/fused-head.json (one entry per shape, weight format
// and adapter). The fused SPLADE head against onnxruntime-web's MatMul for the same projection, on
// ORT's own device; see bench/fused-head.ts.
//
// BENCH_VOCAB (30522), BENCH_HIDDEN (768), BENCH_TOKENS (512), BENCH_REPS (3) and BENCH_WEIGHTS
// (float32 | float16) size the run. On SwiftShader (2 shared cores) a BERT-size head over 512
// tokens takes ~40 s fused and ~2.5 min through ORT's MatMul per repetition (each repetition runs
// ORT twice), so BENCH_TOKENS=128 or BENCH_HIDDEN=128 give the ratio sooner. BENCH_FUSED_ONLY=1
// and BENCH_TILING=wgVocab,wgTokens,tileK compare tilings alone. BENCH_PORT (5173) moves the
// server, CHROMIUM_PATH picks the browser, BENCH_ADAPTER=default leaves the adapter to Chromium (a
// GPU machine) instead of forcing SwiftShader.
import { execSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { chromium } from 'playwright-core';
import { createServer } from 'vite';
import { hubHandler } from './hub-server.mjs';
import { ORT_BACKEND, ortBackendViteConfig } from './ort-backend.mjs';

const config = {
  vocab: Number(process.env.BENCH_VOCAB ?? 30522),
  hidden: Number(process.env.BENCH_HIDDEN ?? 768),
  tokens: Number(process.env.BENCH_TOKENS ?? 512),
  reps: Number(process.env.BENCH_REPS ?? 3),
  weightFormat: process.env.BENCH_WEIGHTS ?? 'float32',
  fusedOnly: process.env.BENCH_FUSED_ONLY === '1',
};
// BENCH_TILING=wgVocab,wgTokens,tileK (e.g. 16,16,16): another tiling than the head's default.
if (process.env.BENCH_TILING) {
  const [wgVocab, wgTokens, tileK] = process.env.BENCH_TILING.split(',').map(Number);
  config.tiling = { wgVocab, wgTokens, tileK };
}
const args = [
  '--no-sandbox',
  '--enable-unsafe-webgpu',
  '--enable-features=Vulkan',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
if (process.env.BENCH_ADAPTER !== 'default') args.push('--use-webgpu-adapter=swiftshader');

const chromiumPath = process.env.CHROMIUM_PATH ?? execSync('command -v chromium', { encoding: 'utf8' }).trim();
const port = Number(process.env.BENCH_PORT ?? 5173);
// BENCH_MODEL: the full-size random-weight repositories bench/make_models.py writes, served as a hub.
// BENCH_HUB_ROOT serves another folder of them (e.g. a copy whose config.json has fewer layers).
const hub = hubHandler(process.env.BENCH_HUB_ROOT ?? '.cache/bench-models', '/bench-hub');
const server = await createServer({
  logLevel: 'warn',
  ...ortBackendViteConfig(),
  server: { port, strictPort: true, hmr: false },
  plugins: [
    {
      name: 'bench-hub',
      configureServer(vite) {
        vite.middlewares.use((req, res, next) => hub.handle(req, res, next));
      },
    },
  ],
});
await server.listen();
const browser = await chromium.launch({ executablePath: chromiumPath, args });
if (process.env.BENCH_MODEL) {
  await modelBench(process.env.BENCH_MODEL);
  process.exit(0);

  /**
   * BENCH_MODEL=naver/splade-v3 (any repository under .cache/bench-models; `python3 bench/make_models.py
   * bert` writes it): the whole model, fused against unfused, BENCH_ROWS (1) windows of each of
   * BENCH_WINDOWS (512; e.g. 512,2048 for a model with that many positions) tokens, each path in a page
   * of its own; bench/results/fused-head-model.json (BENCH_NOTE is kept with the run, e.g. to say the
   * repository served was a copy with fewer layers). See runModelBench in bench/fused-head.ts.
   */
  async function modelBench(model) {
    const windows = (process.env.BENCH_WINDOWS ?? '512').split(',').map(Number);
    const rows = Number(process.env.BENCH_ROWS ?? 1);
    const runs = [];
    try {
      for (const tokens of windows) {
        for (const path of ['fused', 'unfused']) {
          const page = await browser.newPage();
          // onnxruntime's warning when some nodes run on the CPU instead of WebGPU (which ones, only a
          // non-minimal build of onnxruntime would say).
          const placements = [];
          page.on('console', (m) => {
            const text = m.text();
            if (/placed on \[|not assigned to the preferred/i.test(text)) placements.push(text);
            else if (!/\[V:onnxruntime/.test(text)) console.log(`[page] ${text}`);
          });
          page.on('pageerror', (e) => console.log(`[pageerror] ${e.message}`));
          await page.goto(`http://127.0.0.1:${port}/bench/fused-head.html`);
          await page.waitForFunction(() => 'runModelBench' in window);
          const hubUrl = `http://127.0.0.1:${port}/bench-hub`;
          const run = await page.evaluate((cfg) => window.runModelBench(cfg), {
            model,
            hubUrl,
            path,
            rows,
            tokens,
            ortLogLevel: 'warning',
          });
          run.ort = ORT_BACKEND;
          run.placements = placements;
          runs.push(run);
          await page.close();
        }
      }
    } finally {
      await browser.close();
      await server.close();
    }
    const mib = (n) => `${(n / 2 ** 20).toFixed(1)} MiB`;
    const out = [];
    for (const tokens of windows) {
      const [fused, unfused] = ['fused', 'unfused'].map((p) => runs.find((r) => r.path === p && r.tokens === tokens));
      // The same batch, two paths: the largest difference between their vectors.
      let maxDifference = 0;
      fused.vectors.forEach((v, k) => {
        const other = new Map(unfused.vectors[k].indices.map((id, j) => [id, unfused.vectors[k].values[j]]));
        v.indices.forEach((id, j) => {
          maxDifference = Math.max(maxDifference, Math.abs(v.values[j] - (other.get(id) ?? 0)));
          other.delete(id);
        });
        for (const x of other.values()) maxDifference = Math.max(maxDifference, x);
      });
      for (const r of [fused, unfused]) delete r.vectors;
      out.push({
        tokens,
        rows,
        ...(process.env.BENCH_NOTE ? { note: process.env.BENCH_NOTE } : {}),
        fused,
        unfused,
        maxDifference,
      });
      console.log(`${model}, ${rows} x ${tokens} tokens (${fused.adapter?.architecture ?? 'unknown adapter'}):`);
      for (const r of [fused, unfused])
        console.log(
          `  ${r.path.padEnd(7)} (${r.pooling}): session ${mib(r.sessionGpuBytes)}, batch peak ${mib(r.batchPeakGpuBytes)} above it, ` +
            `logits ${mib(r.logitsBytes)}, read back ${r.readbackBytes} bytes, batch ${(r.batchMs / 1000).toFixed(1)} s`,
        );
      for (const r of [fused, unfused])
        for (const line of r.placements) console.log(`  ${r.path} ORT: ${line.slice(0, 400)}`);
      console.log(`  vectors: largest difference ${maxDifference.toExponential(2)}`);
    }
    const file = 'bench/results/fused-head-model.json';
    const previous = existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : {};
    const runsByKey = { ...previous.runs };
    for (const r of out)
      runsByKey[
        `${model}, ${rows} x ${r.tokens} tokens, ${r.fused.adapter?.architecture ?? 'unknown'}${ORT_BACKEND === 'jsep' ? '' : `, ORT ${ORT_BACKEND}`}`
      ] = r;
    mkdirSync('bench/results', { recursive: true });
    writeFileSync(
      file,
      `${JSON.stringify({ machine: { cores: cpus().length, loadAverage: loadavg() }, date: new Date().toISOString(), runs: runsByKey }, null, 2)}\n`,
    );
  }
}
let result;
try {
  const page = await browser.newPage();
  page.on('console', (m) => console.log(`[page] ${m.text()}`));
  page.on('pageerror', (e) => console.log(`[pageerror] ${e.message}`));
  await page.goto(`http://127.0.0.1:${port}/bench/fused-head.html`);
  await page.waitForFunction(() => 'runFusedBench' in window);
  result = await page.evaluate((cfg) => window.runFusedBench(cfg), config);
} finally {
  await browser.close();
  await server.close();
}
result.machine = { cores: cpus().length, loadAverage: loadavg() };
result.date = new Date().toISOString();
// Runs of other shapes accumulate in one file, keyed by shape, weight format and adapter.
const file = 'bench/results/fused-head.json';
const previous = existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : {};
result.ort = ORT_BACKEND;
const key = `${result.shape.vocab}x${result.shape.hidden}, ${result.shape.tokens} tokens, ${result.weightFormat}, ${result.adapter?.architecture ?? 'unknown'}${ORT_BACKEND === 'jsep' ? '' : `, ORT ${ORT_BACKEND}`}`;
mkdirSync('bench/results', { recursive: true });
writeFileSync(file, `${JSON.stringify({ runs: { ...previous.runs, [key]: result } }, null, 2)}\n`);
const w = result.msPer512TokenWindow;
console.log(
  `fused head vs onnxruntime-web (${ORT_BACKEND}) MatMul (${result.shape.vocab} x ${result.shape.hidden}, ${result.shape.tokens} tokens, W ${result.weightFormat}, ${result.adapter?.architecture ?? 'unknown adapter'}):`,
);
console.log(
  `  ms per 512-token window: fused ${w.fused.toFixed(1)}, ORT MatMul ${w.ortMatMul.toFixed(1)}, ORT MatMul + WGSL pool ${w.ortMatMulPool.toFixed(1)}`,
);
console.log(
  `  ratio fused / ORT MatMul: ${result.ratio.fusedOverOrtMatMul.toFixed(2)} (target <= 1.2); fused / (MatMul + pool): ${result.ratio.fusedOverOrtMatMulPool.toFixed(2)}`,
);
console.log(`  agreement with the unfused path: ${JSON.stringify(result.agreement)}`);
process.exit(0);
