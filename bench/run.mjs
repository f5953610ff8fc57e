#!/usr/bin/env node
// `npm run bench:encode`: serves the project with Vite, drives the system Chromium (WebGPU through
// SwiftShader here) through bench/encode.html, runs the native CPU baseline in Node, then prints
// and writes bench/results/encode.json. Figures are from one run on this machine: compare ratios.
import { execSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { chromium } from 'playwright-core';
import { createServer } from 'vite';
import { benchDocuments } from './corpus.mjs';

const which = process.argv[2] ?? 'encode';
if (!['encode', 'index'].includes(which)) throw new Error(`unknown benchmark ${which}; accepted: encode, index`);

const chromiumArgs = [
  '--no-sandbox',
  '--enable-unsafe-webgpu',
  '--use-webgpu-adapter=swiftshader',
  '--enable-features=Vulkan',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

async function withPage(path, fn) {
  const chromiumPath = process.env.CHROMIUM_PATH ?? execSync('command -v chromium', { encoding: 'utf8' }).trim();
  // BENCH_PORT: another port when a dev server (e.g. of the e2e tests) already holds 5173.
  const port = Number(process.env.BENCH_PORT ?? 5173);
  const server = await createServer({ logLevel: 'warn', server: { port, hmr: false } });
  await server.listen();
  const browser = await chromium.launch({ executablePath: chromiumPath, args: chromiumArgs });
  try {
    const page = await browser.newPage();
    page.on('console', (m) => console.log(`[page] ${m.text()}`));
    await page.goto(`http://127.0.0.1:${port}${path}`);
    return await fn(page);
  } finally {
    await browser.close();
    await server.close();
  }
}

if (which === 'index') {
  const sizes = (process.env.BENCH_SIZES ?? '10000,100000,1000000').split(',').map(Number);
  const result = await withPage('/bench/index.html', async (page) => {
    await page.waitForFunction(() => 'runIndexBench' in window);
    return page.evaluate((cfg) => window.runIndexBench(cfg), {
      sizes,
      queries: Number(process.env.BENCH_QUERIES ?? 200),
      miniSearchUpTo: Number(process.env.BENCH_MINISEARCH_UP_TO ?? 100000),
    });
  });
  // Sizes run separately (BENCH_SIZES) accumulate in one results file.
  const previous = existsSync('bench/results/index.json')
    ? JSON.parse(readFileSync('bench/results/index.json', 'utf8'))
    : { sizes: {} };
  result.sizes = { ...previous.sizes, ...result.sizes };
  result.machine = { cores: (await import('node:os')).cpus().length };
  result.corpus =
    'synthetic: Zipfian term use (exponent 1) over 30522 ids, 150-250 non-zeros per document; queries of 5 and 40 terms';
  mkdirSync('bench/results', { recursive: true });
  writeFileSync('bench/results/index.json', `${JSON.stringify(result, null, 2)}\n`);
  console.log(JSON.stringify(result, null, 2));
  process.exit(0);
}

const MODEL = '/models/splade-tiny-en-if';
const DOCS = Number(process.env.BENCH_DOCS ?? 64);
const GPU_DOCS = Number(process.env.BENCH_GPU_DOCS ?? 8);
const BATCH = 32;
const { source, texts } = benchDocuments(DOCS);
const queries = [
  'how to rebase a branch',
  'undo last commit',
  'git stash pop conflict',
  'configure remote url',
  'cherry pick range',
  'bisect a regression',
  'sparse checkout',
  'sign tags with gpg',
  'submodule update recursive',
  'garbage collection of loose objects',
];

const browserResult = await withPage('/bench/encode.html', async (page) => {
  await page.waitForFunction(() => 'runEncodeBench' in window);
  return page.evaluate((cfg) => window.runEncodeBench(cfg), {
    model: MODEL,
    texts,
    queries,
    batchSize: BATCH,
    gpuTexts: GPU_DOCS,
  });
});

const native = spawnSync('npx', ['tsx', 'bench/native.ts', `./public${MODEL}`, String(DOCS), String(BATCH)], {
  encoding: 'utf8',
});
if (native.status !== 0) throw new Error(`native baseline failed: ${native.stderr}`);
const nativeResult = JSON.parse(native.stdout.trim().split('\n').pop());

const paths = { ...browserResult.paths, 'native-cpu': nativeResult };
const result = {
  machine: {
    adapter: browserResult.adapter,
    wasmThreads: browserResult.wasmThreads,
    crossOriginIsolated: browserResult.crossOriginIsolated,
    cores: (await import('node:os')).cpus().length,
  },
  corpus: source,
  documents: DOCS,
  gpuDocuments: GPU_DOCS,
  batchSize: BATCH,
  paths,
  poolMs: browserResult.poolMs,
  poolBench: {
    logits: '[8, 128, 30522] f32',
    logitsBytes: browserResult.logitsBytes,
    bandwidthGBps: browserResult.bandwidthGBps,
  },
  queryEncodeMs: browserResult.queryEncodeMs,
  ratios: {
    readbackReduction: paths['webgpu-wgsl'].logitsBytesPerDoc / paths['webgpu-wgsl'].readbackBytesPerDoc,
    wasmVsNative: paths['native-cpu'].docsPerSec / paths['wasm'].docsPerSec,
    wgslPoolVsCopyBandwidth: browserResult.bandwidthGBps.wgslPool / browserResult.bandwidthGBps.copyReadPlusWrite,
    wgslPoolVsJsPool: browserResult.poolMs.js / browserResult.poolMs.wgsl,
  },
};
mkdirSync('bench/results', { recursive: true });
writeFileSync('bench/results/encode.json', `${JSON.stringify(result, null, 2)}\n`);
console.log(JSON.stringify(result, null, 2));
