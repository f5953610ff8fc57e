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
const server = await createServer({ logLevel: 'warn', server: { port, strictPort: true, hmr: false } });
await server.listen();
const browser = await chromium.launch({ executablePath: chromiumPath, args });
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
const key = `${result.shape.vocab}x${result.shape.hidden}, ${result.shape.tokens} tokens, ${result.weightFormat}, ${result.adapter?.architecture ?? 'unknown'}`;
mkdirSync('bench/results', { recursive: true });
writeFileSync(file, `${JSON.stringify({ runs: { ...previous.runs, [key]: result } }, null, 2)}\n`);
const w = result.msPer512TokenWindow;
console.log(
  `fused head vs onnxruntime-web MatMul (${result.shape.vocab} x ${result.shape.hidden}, ${result.shape.tokens} tokens, W ${result.weightFormat}, ${result.adapter?.architecture ?? 'unknown adapter'}):`,
);
console.log(
  `  ms per 512-token window: fused ${w.fused.toFixed(1)}, ORT MatMul ${w.ortMatMul.toFixed(1)}, ORT MatMul + WGSL pool ${w.ortMatMulPool.toFixed(1)}`,
);
console.log(
  `  ratio fused / ORT MatMul: ${result.ratio.fusedOverOrtMatMul.toFixed(2)} (target <= 1.2); fused / (MatMul + pool): ${result.ratio.fusedOverOrtMatMulPool.toFixed(2)}`,
);
console.log(`  agreement with the unfused path: ${JSON.stringify(result.agreement)}`);
process.exit(0);
