#!/usr/bin/env node
// `npm run bench:models`: real SPLADE architectures at full size, loaded by hub id from
// config.json + safetensors (the graph built in TypeScript), on onnxruntime-node, on onnxruntime-web
// WASM in Chromium and on WebGPU (SwiftShader here: software). Writes bench/results/models.json and
// prints a table. See bench/README.md ("bench:models") for what each figure is.
//
//   node bench/models.mjs [--models bert,distill,gte,modernbert] [--docs 16] [--gpu-docs 1]
//                         [--warmup 2] [--paths node,wasm,webgpu] [--out bench/results/models.json]
//
// 1. bench/make_models.py writes the repos (random weights, real configs) under .cache/bench-models/
//    unless they are there already (a stamp file holds the hash of the script and config).
// 2. Those folders are served in the hub's URL layout (bench/hub-server.mjs), which counts the bytes
//    it sends; everything loads by hub id with `hubUrl` pointing there.
// 3. Node: one process per model (bench/models-node.ts). Browser: one Chromium per model and device,
//    driven phase by phase through bench/models.html, its memory read through the DevTools protocol
//    (JS heap) and /proc (the renderer's and the GPU process's peak RSS), the WASM memory size read
//    from the WebAssembly.Memory objects the page created.
import { execSync, spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';
import { createServer, searchForWorkspaceRoot } from 'vite';
import { benchDocuments, koreanBenchDocuments } from './corpus.mjs';
import { hubHandler, startHubServer } from './hub-server.mjs';
import { ORT_BACKEND, ortBackendViteConfig } from './ort-backend.mjs';

const MODELS = {
  bert: { id: 'naver/splade-v3', label: 'BERT-base', corpus: 'git-doc' },
  distill: {
    id: 'opensearch-project/opensearch-neural-sparse-encoding-doc-v3-distill',
    label: 'DistilBERT',
    corpus: 'git-doc',
  },
  gte: { id: 'opensearch-project/opensearch-neural-sparse-encoding-doc-v3-gte', label: 'GTE-base', corpus: 'git-doc' },
  modernbert: { id: 'telepix/PIXIE-Splade-Preview', label: 'ModernBERT-base', corpus: 'gimp-help-ko' },
};
const PATHS = ['node', 'wasm', 'webgpu'];
// BENCH_HUB_ROOT serves another folder of the same repositories (e.g. copies whose config.json has
// fewer layers, to compare backends sooner); bench/make_models.py still makes the full ones first.
const REPOS = process.env.BENCH_HUB_ROOT ?? '.cache/bench-models';
const WINDOW_CAP = 512; // bench/models-common.ts

const { values: args } = parseArgs({
  options: {
    models: { type: 'string', default: Object.keys(MODELS).join(',') },
    docs: { type: 'string', default: '16' },
    'gpu-docs': { type: 'string', default: '1' },
    'gpu-chars': { type: 'string', default: '150' },
    warmup: { type: 'string', default: '2' },
    paths: { type: 'string', default: PATHS.join(',') },
    out: { type: 'string', default: 'bench/results/models.json' },
    'path-timeout': { type: 'string', default: '900' },
  },
});
const keys = args.models.split(',').filter(Boolean);
const paths = args.paths.split(',').filter(Boolean);
for (const k of keys)
  if (!MODELS[k]) throw new Error(`unknown model ${k}; accepted: ${Object.keys(MODELS).join(', ')}`);
for (const p of paths) if (!PATHS.includes(p)) throw new Error(`unknown path ${p}; accepted: ${PATHS.join(', ')}`);
const DOCS = Number(args.docs);
const GPU_DOCS = Number(args['gpu-docs']);
const GPU_CHARS = Number(args['gpu-chars']);
const WARMUP = Number(args.warmup);
const PATH_TIMEOUT_MS = Number(args['path-timeout']) * 1000;
const started = Date.now();

// 1. The repositories.
const made = spawnSync('/usr/bin/python3', ['bench/make_models.py', ...keys], { stdio: 'inherit' });
if (made.status !== 0) throw new Error(`bench/make_models.py failed (exit ${made.status})`);

const passagesOf = (corpus, n, chars = 600) =>
  corpus === 'gimp-help-ko' ? koreanBenchDocuments(n, chars) : benchDocuments(n, chars);
const MB = 1024 * 1024;

/** Rejects after `ms`, so one stuck path does not end the whole run. */
function withTimeout(promise, ms, what) {
  let timer;
  return Promise.race([
    promise,
    new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`${what} took over ${ms / 1000} s`)), ms))),
  ]).finally(() => clearTimeout(timer));
}

// 2-3. Node: one process per model, against a hub server in this process.
async function nodePath(model) {
  const hub = await startHubServer(REPOS);
  try {
    const job = { id: model.id, hubUrl: hub.url, corpus: model.corpus, docs: DOCS, warmup: WARMUP };
    const child = spawn('npx', ['tsx', 'bench/models-node.ts', JSON.stringify(job)], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    const code = await withTimeout(
      new Promise((ok) => child.on('close', ok)),
      PATH_TIMEOUT_MS,
      `node ${model.id}`,
    ).catch((error) => {
      child.kill('SIGKILL');
      throw error;
    });
    const line = out.split('\n').find((l) => l.startsWith('RESULT '));
    if (code !== 0 || !line) throw new Error(`bench/models-node.ts exited ${code}: ${err.trim().slice(-2000)}`);
    return JSON.parse(line.slice('RESULT '.length));
  } finally {
    await hub.close();
  }
}

// Browser: the page and the hub layout from one Vite server (same origin: no CORS), one Chromium
// per model and device.
// BENCH_ADAPTER=default leaves the adapter to Chromium (a hardware GPU where there is one: bench/gpu.sh);
// otherwise SwiftShader, the only adapter a machine without a GPU has.
const chromiumArgs = [
  '--no-sandbox',
  '--enable-unsafe-webgpu',
  ...(process.env.BENCH_ADAPTER === 'default' ? ['--ignore-gpu-blocklist'] : ['--use-webgpu-adapter=swiftshader']),
  '--enable-features=Vulkan',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const hub = hubHandler(REPOS, '/bench-hub');
let vite;
let chromiumVersion;
/** The browser (context) of the path under way, closed when that path runs out of time. */
let openBrowser;

async function startVite() {
  const port = Number(process.env.BENCH_PORT ?? 5173);
  vite = await createServer({
    logLevel: 'warn',
    ...ortBackendViteConfig(),
    // node_modules may be a link (a snapshot of the tree run beside a busy checkout): allow its target.
    server: { port, hmr: false, fs: { allow: [searchForWorkspaceRoot(process.cwd()), realpathSync('node_modules')] } },
    plugins: [
      {
        name: 'bench-models-hub',
        configureServer(server) {
          server.middlewares.use((req, res, next) => hub.handle(req, res, next));
        },
      },
    ],
  });
  await vite.listen();
  return `http://127.0.0.1:${port}`;
}

// Every WebAssembly.Memory the page makes or gets from an instance, so its size can be read: a
// WASM memory only grows, so its size after a phase is that phase's peak.
const WASM_MEMORY_PROBE = () => {
  const memories = [];
  const Memory = WebAssembly.Memory;
  WebAssembly.Memory = new Proxy(Memory, {
    construct(target, argv, newTarget) {
      const m = Reflect.construct(target, argv, newTarget);
      memories.push(m);
      return m;
    },
  });
  const keep = (result) => {
    const instance = result?.instance ?? result;
    for (const v of Object.values(instance?.exports ?? {}))
      if (v instanceof Memory && !memories.includes(v)) memories.push(v);
    return result;
  };
  for (const name of ['instantiate', 'instantiateStreaming']) {
    const original = WebAssembly[name];
    WebAssembly[name] = function (...a) {
      return original.apply(this, a).then(keep);
    };
  }
  window.__benchWasmMemoryBytes = () => memories.reduce((n, m) => n + m.buffer.byteLength, 0);
};

function procMemory(pid) {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (key) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN) * 1024;
    return { rss: kb('VmRSS'), peakRss: kb('VmHWM') };
  } catch {
    return { rss: NaN, peakRss: NaN };
  }
}

function resetPeak(pid) {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
  } catch {
    // not Linux, or not ours: the peak is then the process's so far
  }
}

async function withBrowser(origin, fn) {
  const executablePath = process.env.CHROMIUM_PATH ?? execSync('command -v chromium', { encoding: 'utf8' }).trim();
  // A profile on disk, as a returning visitor has (an incognito context keeps the Cache API in memory).
  const profile = mkdtempSync(join(os.tmpdir(), 'bench-models-'));
  const context = await chromium.launchPersistentContext(profile, { executablePath, args: chromiumArgs });
  openBrowser = context;
  try {
    const browser = context.browser();
    chromiumVersion = browser.version();
    const page = context.pages()[0] ?? (await context.newPage());
    page.on('console', (m) => {
      if (m.type() === 'error' && !/status of 404/.test(m.text())) console.log(`[page] ${m.text()}`);
    });
    await page.addInitScript(WASM_MEMORY_PROBE);
    await page.goto(`${origin}/bench/models.html`);
    await page.waitForFunction(() => 'benchModels' in window);
    const cdp = await context.newCDPSession(page);
    await cdp.send('Performance.enable');
    const browserCdp = await browser.newBrowserCDPSession();
    /** Runs `run` (one page.evaluate) and the peak memory and CPU time it took. */
    const phase = async (run) => {
      const processes = async () => (await browserCdp.send('SystemInfo.getProcessInfo')).processInfo;
      const before = await processes();
      const renderers = before.filter((p) => p.type === 'renderer').map((p) => p.id);
      const gpus = before.filter((p) => /gpu/i.test(p.type)).map((p) => p.id);
      for (const pid of [...renderers, ...gpus]) resetPeak(pid);
      let peakJsHeap = 0;
      let running = true;
      const sampler = (async () => {
        while (running) {
          try {
            const { metrics } = await cdp.send('Performance.getMetrics');
            peakJsHeap = Math.max(peakJsHeap, metrics.find((m) => m.name === 'JSHeapUsedSize')?.value ?? 0);
          } catch {
            // the page is between states; the next sample counts
          }
          await new Promise((ok) => setTimeout(ok, 200));
        }
      })();
      let result;
      try {
        result = await run();
      } finally {
        running = false;
        await sampler;
      }
      const { metrics } = await cdp.send('Performance.getMetrics');
      peakJsHeap = Math.max(peakJsHeap, metrics.find((m) => m.name === 'JSHeapUsedSize')?.value ?? 0);
      const after = await processes();
      const cpu = (type) =>
        after.filter((p) => type.test(p.type)).reduce((n, p) => n + p.cpuTime, 0) -
        before.filter((p) => type.test(p.type)).reduce((n, p) => n + p.cpuTime, 0);
      const peak = (pids) => Math.max(0, ...pids.map((pid) => procMemory(pid).peakRss).filter(Number.isFinite));
      return {
        result,
        memory: {
          peakJsHeap,
          wasmMemory: await page.evaluate(() => window.__benchWasmMemoryBytes?.() ?? null),
          // The largest renderer is the page's (a spare renderer may idle beside it).
          rendererPeakRss: peak(renderers),
          gpuProcessPeakRss: peak(gpus),
        },
        cpuSeconds: { renderer: cpu(/^renderer$/), gpu: cpu(/gpu/i) },
      };
    };
    return await fn(page, phase);
  } finally {
    await context.close().catch(() => {});
    rmSync(profile, { recursive: true, force: true });
  }
}

/** Field by field, the larger figure of two phases. */
const maxOf = (a, b) => Object.fromEntries(Object.keys(b).map((k) => [k, Math.max(a[k] ?? 0, b[k] ?? 0)]));

async function browserPath(origin, model, device) {
  const docs = device === 'webgpu' ? GPU_DOCS : DOCS;
  const warmup = device === 'webgpu' ? 0 : WARMUP;
  const { source, texts: all } = passagesOf(model.corpus, docs + warmup, device === 'webgpu' ? GPU_CHARS : 600);
  const hubUrl = `${origin}/bench-hub`;
  return withBrowser(origin, async (page, phase) => {
    const load = (p) =>
      phase(() =>
        page.evaluate(([id, url, dev]) => window.benchModels.load(id, url, dev), [model.id, hubUrl, device]),
      ).then((r) => ({
        ...r,
        served: { bytes: hub.stats.bytes - p.bytes, requests: hub.stats.requests - p.requests },
      }));
    let before = { ...hub.stats };
    const first = await load(before);
    // The warm-up in a phase of its own, so the encode phase's CPU time is the timed encode's.
    const warm = warmup
      ? await phase(() => page.evaluate((texts) => window.benchModels.encode(texts, []), all.slice(0, warmup)))
      : undefined;
    const encoded = await phase(() =>
      page.evaluate((texts) => window.benchModels.encode(texts, []), all.slice(warmup)),
    );
    await page.evaluate(() => window.benchModels.dispose());
    const result = {
      corpus: source,
      load: { ...first.result, servedBytes: first.served.bytes, requests: first.served.requests },
      loadMemory: first.memory,
      encode: {
        ...encoded.result,
        warmupDocuments: warmup,
        warmupSeconds: warm?.result.seconds ?? 0,
        cpuSeconds: encoded.cpuSeconds.renderer + encoded.cpuSeconds.gpu,
      },
      encodeMemory: warm ? maxOf(warm.memory, encoded.memory) : encoded.memory,
    };
    if (device === 'wasm') {
      // The second load, as a page that loaded the model before would do it (same origin, same caches).
      before = { ...hub.stats };
      const notModified = hub.stats.notModified;
      const second = await load(before);
      await page.evaluate(() => window.benchModels.dispose());
      result.secondLoad = {
        ...second.result,
        servedBytes: second.served.bytes,
        requests: second.served.requests,
        notModified: hub.stats.notModified - notModified,
      };
      result.secondLoadMemory = second.memory;
    }
    return result;
  });
}

const versions = () => {
  const version = (pkg) => JSON.parse(readFileSync(`node_modules/${pkg}/package.json`, 'utf8')).version;
  let torch = null;
  try {
    torch = execSync(`/usr/bin/python3 -c "import torch; print(torch.__version__)"`, { encoding: 'utf8' }).trim();
  } catch {
    // only the maker needs it
  }
  return {
    node: process.version,
    chromium: chromiumVersion ?? null,
    'onnxruntime-node': version('onnxruntime-node'),
    'onnxruntime-web': version('onnxruntime-web'),
    'playwright-core': version('playwright-core'),
    'splade-web': JSON.parse(readFileSync('package.json', 'utf8')).version,
    // BENCH_COMMIT: the commit a snapshot of the tree (no .git) was taken from.
    commit: process.env.BENCH_COMMIT ?? execSync('git rev-parse --short HEAD', { encoding: 'utf8' }).trim(),
    torch,
  };
};

const results = {};
let origin;
for (const key of keys) {
  const model = MODELS[key];
  const entry = { id: model.id, label: model.label, corpus: model.corpus };
  results[key] = entry;
  for (const path of paths) {
    console.log(`${model.label} (${model.id}) on ${path}...`);
    const t0 = Date.now();
    try {
      if (path === 'node') entry.node = await nodePath(model);
      else {
        origin ??= await startVite();
        entry[path] = await withTimeout(browserPath(origin, model, path), PATH_TIMEOUT_MS, `${path} ${model.id}`).catch(
          async (error) => {
            await openBrowser?.close().catch(() => {});
            throw error;
          },
        );
      }
      const r = entry[path];
      entry.architecture ??= r.load.architecture;
      entry.weightBytes ??= r.load.weightBytes;
      console.log(
        `  loaded in ${(r.load.loadMs / 1000).toFixed(1)} s, ${r.encode.docsPerSec.toFixed(3)} docs/s ` +
          `(${((Date.now() - t0) / 1000).toFixed(0)} s)`,
      );
    } catch (error) {
      entry[path] = { error: String(error?.message ?? error).slice(0, 2000) };
      console.log(`  failed: ${entry[path].error}`);
    }
  }
  if (entry.node?.encode && entry.wasm?.encode) {
    entry.wasmVsNode = {
      docsPerSec: entry.node.encode.docsPerSec / entry.wasm.encode.docsPerSec,
      cpuSecondsPerDoc: cpuPerDoc(entry.wasm) / cpuPerDoc(entry.node),
      // Same first passage on both: its ten heaviest entries should be the same, with the same weights.
      firstDocumentTop10: agreement(entry.node.encode.firstTop, entry.wasm.encode.firstTop),
    };
  }
}
await vite?.close();

const result = {
  date: new Date().toISOString(),
  machine: {
    cores: os.cpus().length,
    cpu: os.cpus()[0]?.model ?? null,
    memoryBytes: os.totalmem(),
    platform: `${os.platform()} ${os.release()}`,
    note: 'a shared development machine: other jobs ran at the same time; compare ratios, not absolute speeds',
  },
  versions: versions(),
  options: {
    ortBackend: ORT_BACKEND,
    documents: DOCS,
    gpuDocuments: GPU_DOCS,
    warmupDocuments: WARMUP,
    windowCap: WINDOW_CAP,
    paths,
    dtype: 'fp32 (weights stored F32)',
    batchSize: 'the encoder default (16 windows; WebGPU splits to fit its buffer limits)',
  },
  notes: [
    'Random weights at the real configs, made locally by bench/make_models.py (never committed).',
    `Windows capped at ${WINDOW_CAP} tokens: the encoder has no option for it, so the benchmark sets the loaded route's maxSeqLength (GTE and ModernBERT say 8192); the passages are shorter anyway.`,
    'WebGPU runs on SwiftShader (a software Vulkan): correct but slow, it says nothing of a hardware GPU.',
    'Node memory: peak RSS is the kernel high-water mark (VmHWM) of the model process per phase; browser: the renderer (and, for WebGPU, the GPU process) VmHWM per phase, JS heap from Performance.getMetrics sampled every 200 ms, WASM memory the size of the page WebAssembly memories after the phase.',
    'servedBytes: body bytes the hub server sent for the load; networkBytes / cacheBytes: what the loader reports (progress events).',
  ],
  seconds: (Date.now() - started) / 1000,
  models: results,
};
mkdirSync('bench/results', { recursive: true });
writeFileSync(args.out, `${JSON.stringify(result, null, 2)}\n`);
printTable(result);
console.log(`\nwrote ${args.out} (${result.seconds.toFixed(0)} s)`);

function agreement(a, b) {
  const weights = new Map(a);
  const shared = b.filter(([id]) => weights.has(id));
  return {
    sameIds: shared.length,
    of: a.length,
    maxWeightDiff: Math.max(0, ...shared.map(([id, w]) => Math.abs(w - weights.get(id)))),
  };
}

function cpuPerDoc(p) {
  return p.encode?.cpuSeconds === undefined ? undefined : p.encode.cpuSeconds / p.encode.documents;
}

function printTable(r) {
  const mb = (b) => (Number.isFinite(b) && b !== null ? (b / MB).toFixed(0) : '-');
  const s = (ms) => (Number.isFinite(ms) ? (ms / 1000).toFixed(1) : '-');
  const rows = [
    [
      'model',
      'runtime',
      'download MB',
      'build s',
      'session s',
      'load peak MB',
      'encode peak MB',
      'JS heap MB',
      'WASM MB',
      'tokens/doc',
      'docs/s',
      'CPU s/doc',
      'node/this (CPU)',
      '2nd load s',
      '2nd load MB',
    ],
  ];
  for (const e of Object.values(r.models)) {
    for (const path of PATHS) {
      const p = e[path];
      if (!p) continue;
      const runtime = { node: 'onnxruntime-node', wasm: 'web WASM', webgpu: 'web WebGPU (software)' }[path];
      if (p.error) {
        rows.push([e.label, runtime, `failed: ${p.error.slice(0, 60)}`]);
        continue;
      }
      const browser = path !== 'node';
      const loadPeak = browser ? p.loadMemory.rendererPeakRss : p.loadMemory.peakRss;
      const encodePeak = browser ? p.encodeMemory.rendererPeakRss : p.encodeMemory.peakRss;
      const gpu =
        path === 'webgpu'
          ? ` +${mb(Math.max(p.loadMemory.gpuProcessPeakRss, p.encodeMemory.gpuProcessPeakRss))} GPU`
          : '';
      rows.push([
        e.label,
        runtime + (p.load.threads ? ` (${p.load.threads} thr)` : ''),
        mb(p.load.servedBytes),
        s(p.load.buildMs),
        s(p.load.sessionMs),
        mb(loadPeak) + gpu,
        mb(encodePeak),
        mb(browser ? Math.max(p.loadMemory.peakJsHeap, p.encodeMemory.peakJsHeap) : p.encodeMemory.peakHeapUsed),
        browser ? mb(Math.max(p.loadMemory.wasmMemory ?? NaN, p.encodeMemory.wasmMemory ?? NaN)) : '-',
        p.encode.meanTokens.toFixed(0),
        `${p.encode.docsPerSec.toFixed(p.encode.docsPerSec < 0.1 ? 4 : 2)} (${p.encode.documents})`,
        cpuPerDoc(p) === undefined ? '-' : cpuPerDoc(p).toFixed(2),
        path !== 'wasm' || !e.node?.encode
          ? ''
          : `${(e.node.encode.docsPerSec / p.encode.docsPerSec).toFixed(2)}x` +
            (cpuPerDoc(p) && cpuPerDoc(e.node) ? ` (${(cpuPerDoc(p) / cpuPerDoc(e.node)).toFixed(2)}x)` : ''),
        p.secondLoad ? s(p.secondLoad.loadMs) : '',
        p.secondLoad ? mb(p.secondLoad.servedBytes) : '',
      ]);
    }
  }
  const widths = rows[0].map((_, c) => Math.max(...rows.map((row) => String(row[c] ?? '').length)));
  const line = (row) => `| ${row.map((v, c) => String(v ?? '').padEnd(widths[c])).join(' | ')} |`;
  console.log(`\n${line(rows[0])}\n|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  for (const row of rows.slice(1)) console.log(line(row));
}
