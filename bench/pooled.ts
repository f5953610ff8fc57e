// SPLADE pooling inside the graph against the copy-out path (issue 19 §1), on the CPU backends:
// the same model built twice from safetensors, once ending in `logits` [rows, tokens, vocab] (copied
// out of onnxruntime and pooled in JS by poolCpu, what WASM did before) and once ending in the pooled
// tail (src/model/graph/tail.ts: [rows, vocab] maxima and their tokens, merged in JS by
// src/pooling/pooled.ts), each run through the runtime's own backend (src/runtime/ort.ts) on
// onnxruntime-web's WASM (in Node: the same .wasm a page runs) and on onnxruntime-node, one thread
// each, on 512-token windows of real text. Prints documents per second, bytes that reached JS per
// document and the ratios, checks the two paths give the same vectors, and writes
// bench/results/pooled.json.
//
// Two models: the whole model, and its head alone (the same weights with 0 encoder layers:
// embeddings, then the MLM head and the tail). What the tail changes (the projection's output copied
// out and pooled in JS, or pooled in the graph) is a few percent of a full-size model's time, less
// than this machine's noise between rounds; the head alone shows it, over more rounds.
//
//   npx tsx bench/pooled.ts [--model ./.cache/bench-models/naver/splade-v3] [--docs 8] [--batch 4]
//                           [--rounds 3] [--head-rounds 5] [--tokens 512] [--paths wasm,node]
//                           [--threads 1] [--models head,full] [--strategy max|sum]
//                           [--dtype fp32] [--out bench/results/pooled.json]
//   npm run bench:pooled
//
// The default model is BERT-base at its real size (110M parameters, 30522-entry vocabulary) with
// random weights: `/usr/bin/python3 bench/make_models.py bert` writes it under .cache/ (never
// committed). Any local folder in the sentence-transformers or bare transformers layout works.
// The machine is shared and noisy: every round runs each path in turn and the best round is kept.
// Max pooling is run with positions (what indexing with explanation spans asks for).
import { mkdirSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import * as ortNode from 'onnxruntime-node';
import * as ortWeb from 'onnxruntime-web';
import { batchInputs, planBatches } from '../src/encode/plan.ts';
import { isModelDtype } from '../src/model/dtype.ts';
import { buildFromSafetensors, type BuiltModel } from '../src/model/graph/load.ts';
import { graphTailFor, type GraphTail } from '../src/model/graph/tail.ts';
import { loadModelSpec, type MlmRoute } from '../src/model/layout.ts';
import { openModelSource } from '../src/model/source.ts';
import type { PooledVector } from '../src/pooling/cpu.ts';
import { createOrtBackend } from '../src/runtime/ort.ts';
import type { BackendRunOptions, ExecutionBackend, ModelBatch } from '../src/runtime/types.ts';
import { benchDocuments } from './corpus.mjs';

type Model = 'full' | 'head';

const { values: args } = parseArgs({
  options: {
    model: { type: 'string', default: './.cache/bench-models/naver/splade-v3' },
    docs: { type: 'string', default: '8' },
    batch: { type: 'string', default: '4' },
    rounds: { type: 'string', default: '3' },
    'head-rounds': { type: 'string', default: '5' },
    models: { type: 'string', default: 'head,full' },
    strategy: { type: 'string' },
    tokens: { type: 'string', default: '512' },
    paths: { type: 'string', default: 'wasm,node' },
    threads: { type: 'string', default: '1' },
    dtype: { type: 'string', default: 'fp32' },
    out: { type: 'string', default: 'bench/results/pooled.json' },
  },
});
const docCount = Number(args.docs);
const batchSize = Number(args.batch);
const rounds = Number(args.rounds);
const headRounds = Number(args['head-rounds']);
const models = args.models.split(',') as Model[];
const windowTokens = Number(args.tokens);
const threads = Number(args.threads);
const paths = args.paths.split(',') as ('wasm' | 'node')[];
if (!isModelDtype(args.dtype)) throw new Error(`--dtype ${args.dtype}: not a dtype`);
const dtype = args.dtype;
ortWeb.env.wasm.numThreads = threads;

const readLocalFile = async (path: string): Promise<Uint8Array | undefined> => {
  try {
    const b = await readFile(path);
    return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
  } catch {
    return undefined;
  }
};

const files = openModelSource(args.model, { readLocalFile });
const spec = await loadModelSpec(files, { queryOnly: true });
const route = spec.document as MlmRoute;
const configFile = route.dir === '' ? 'config.json' : `${route.dir}/config.json`;
const config = JSON.parse(new TextDecoder().decode(await files.read(configFile))) as {
  architectures?: string[];
  hidden_size?: number;
  num_hidden_layers?: number;
  n_layers?: number;
  dim?: number;
};
const hidden = config.hidden_size ?? config.dim;
const layers = config.num_hidden_layers ?? config.n_layers;
// The head alone: the same config with no encoder layer (DistilBERT names the count n_layers).
const headConfig = { ...config, ...('n_layers' in config ? { n_layers: 0 } : { num_hidden_layers: 0 }) };

const vocab = route.pooling.vocabSize;
// --strategy: pool otherwise than the model's SpladePooling says (sum: the activation runs on every logit in the graph).
if (args.strategy === 'max' || args.strategy === 'sum') route.pooling = { ...route.pooling, strategy: args.strategy };

// Windows of exactly `windowTokens` tokens: long passages cut to the window, the last id (the
// suffix special token) kept.
const { source, texts } = benchDocuments(docCount * 4, 4000);
const windows: number[][] = [];
for (const text of texts) {
  const ids = route.tokenizer.withSpecial(text);
  if (ids.length < windowTokens) continue;
  windows.push([...ids.slice(0, windowTokens - 1), ids[ids.length - 1]!]);
  if (windows.length === docCount) break;
}
if (windows.length < docCount)
  throw new Error(`only ${windows.length} passages of ${windowTokens} tokens in ${source}`);

/** The batches of the documents, one window each, as the encoder plans them. */
const batches: ModelBatch[] = planBatches(
  windows.map((w) => [w]),
  batchSize,
).map((planned) => ({
  ...batchInputs(planned, route.tokenizer.padId),
  rows: planned.rows.length,
  tokens: planned.tokens,
  vocab,
  segments: planned.segments,
}));
const runOptions: BackendRunOptions = {
  zeroIds: route.tokenizer.specialIds,
  threshold: 0,
  positions: route.pooling.strategy === 'max',
};

const pooledTail = graphTailFor('wasm', route.pooling);
const tails: GraphTail[] = ['logits', pooledTail];
const label = (tail: GraphTail) => (tail === 'logits' ? 'copy-out' : 'in-graph');

console.log(
  `${args.model} (${config.architectures?.[0]}, hidden ${hidden}, ${layers} layers, ` +
    `vocabulary ${vocab}, ${dtype}, ${route.pooling.strategy}/${route.pooling.activation}): ${docCount} windows of ` +
    `${windowTokens} tokens from ${source}, batches of ${batchSize}, ${threads} thread(s), best of ${rounds} interleaved rounds (head alone: ${headRounds})`,
);

// 1. Each model built with each tail.
const builds = new Map<string, BuiltModel>();
for (const model of models) {
  for (const tail of tails) {
    const started = performance.now();
    const json = model === 'full' ? config : headConfig;
    builds.set(`${model}/${tail}`, (await buildFromSafetensors(files, route.dir, json, { dtype, tail }))!);
    console.log(`built ${model} ${tail}: ${((performance.now() - started) / 1000).toFixed(1)} s`);
  }
}

async function backendOf(path: 'wasm' | 'node', model: Model, tail: GraphTail): Promise<ExecutionBackend> {
  const built = builds.get(`${model}/${tail}`)!;
  return createOrtBackend({
    ort: (path === 'node' ? ortNode : ortWeb) as never,
    model: built.onnx,
    modelFile: built.weightsFile,
    externalData: built.externalData,
    device: path === 'node' ? 'cpu' : 'wasm',
    pooling: 'cpu',
    ...(path === 'node' ? { sessionOptions: { intraOpNumThreads: threads, interOpNumThreads: 1 } } : {}),
  });
}

async function encodeAll(backend: ExecutionBackend): Promise<{ vectors: PooledVector[]; readbackBytes: number }> {
  const vectors: PooledVector[] = [];
  let readbackBytes = 0;
  for (const batch of batches) {
    const result = await backend.run(batch, route.pooling, runOptions);
    vectors.push(...result.vectors);
    readbackBytes += result.readbackBytes;
  }
  return { vectors, readbackBytes };
}

/**
 * Whether two runs gave the same vectors: max pooling bit for bit (indices, values, positions); sum
 * pooling the same indices and values within 1e-6 of the largest (float32 sums in another order).
 */
function same(a: PooledVector[], b: PooledVector[]): boolean {
  const exact = route.pooling.strategy === 'max';
  const eq = (x: ArrayLike<number> | undefined, y: ArrayLike<number> | undefined, tolerance = 0) =>
    x === y || (!!x && !!y && x.length === y.length && Array.from(x).every((v, k) => Math.abs(v - y[k]!) <= tolerance));
  return (
    a.length === b.length &&
    a.every((v, k) => {
      const w = b[k]!;
      const tolerance = exact ? 0 : 1e-6 * Math.max(0, ...Array.from(w.values));
      return eq(v.indices, w.indices) && eq(v.values, w.values, tolerance) && eq(v.positions, w.positions);
    })
  );
}

// 2. Per runtime and model: both sessions, a warm-up that checks the paths agree, then interleaved
// rounds (the order alternates, so neither path always runs first); the best round is kept.
const results: Record<string, unknown>[] = [];
for (const path of paths) {
  for (const model of models) {
    const backends = new Map<GraphTail, ExecutionBackend>();
    const rows = new Map<GraphTail, Record<string, unknown>>();
    const vectors = new Map<GraphTail, PooledVector[]>();
    for (const tail of tails) {
      const started = performance.now();
      const backend = await backendOf(path, model, tail);
      const sessionMs = performance.now() - started;
      backends.set(tail, backend);
      const warm = await encodeAll(backend);
      vectors.set(tail, warm.vectors);
      rows.set(tail, {
        runtime: path === 'node' ? 'onnxruntime-node' : 'onnxruntime-web WASM',
        model,
        path: label(tail),
        tail,
        sessionMs,
        readbackBytesPerDoc: warm.readbackBytes / docCount,
      });
    }
    const agree = same(vectors.get('logits')!, vectors.get(pooledTail)!);
    const times = new Map<GraphTail, number[]>(tails.map((t) => [t, []]));
    for (let round = 0; round < (model === 'full' ? rounds : headRounds); round++) {
      for (const tail of round % 2 === 0 ? tails : [...tails].reverse()) {
        const started = performance.now();
        await encodeAll(backends.get(tail)!);
        times.get(tail)!.push((performance.now() - started) / docCount);
      }
    }
    for (const tail of tails) {
      const msPerDoc = Math.min(...times.get(tail)!);
      Object.assign(rows.get(tail)!, {
        msPerDoc,
        docsPerSecond: 1000 / msPerDoc,
        roundsMsPerDoc: times.get(tail)!.map((ms) => Math.round(ms)),
        sameVectorsAsCopyOut: agree,
      });
      results.push(rows.get(tail)!);
      await backends.get(tail)!.dispose();
    }
    const list = (tail: GraphTail) =>
      times
        .get(tail)!
        .map((t) => t.toFixed(0))
        .join(' ');
    console.log(`  ${path} ${model}: ms/doc by round, copy-out ${list('logits')}; in-graph ${list(pooledTail)}`);
  }
}

const find = (runtime: string, model: Model, path: string) =>
  results.find((r) => (r['runtime'] as string).includes(runtime) && r['model'] === model && r['path'] === path) as
    { docsPerSecond: number; msPerDoc: number } | undefined;
const ratios: Record<string, number> = {};
for (const model of ['full', 'head'] as const) {
  for (const runtime of ['WASM', 'node']) {
    const copy = find(runtime, model, 'copy-out');
    const graph = find(runtime, model, 'in-graph');
    const name = runtime === 'WASM' ? 'wasm' : 'node';
    if (!copy || !graph) continue;
    ratios[`${model}.${name}.inGraphSpeedup`] = graph.docsPerSecond / copy.docsPerSecond;
    ratios[`${model}.${name}.msSavedPerDoc`] = copy.msPerDoc - graph.msPerDoc;
  }
  const wasmGraph = find('WASM', model, 'in-graph');
  const wasmCopy = find('WASM', model, 'copy-out');
  const nodeGraph = find('node', model, 'in-graph');
  if (wasmGraph && nodeGraph) ratios[`${model}.wasmInGraphVsNodeTime`] = wasmGraph.msPerDoc / nodeGraph.msPerDoc;
  if (wasmCopy && nodeGraph) ratios[`${model}.wasmCopyOutVsNodeTime`] = wasmCopy.msPerDoc / nodeGraph.msPerDoc;
}

for (const r of results) {
  const kib = (r['readbackBytesPerDoc'] as number) / 1024;
  console.log(
    `${String(r['runtime']).padEnd(21)} ${String(r['model']).padEnd(4)} ${String(r['path']).padEnd(8)} ` +
      `${(r['docsPerSecond'] as number).toFixed(3)} docs/s (${(r['msPerDoc'] as number).toFixed(0)} ms/doc), ` +
      `${kib.toFixed(0)} KiB to JS per doc, session ${((r['sessionMs'] as number) / 1000).toFixed(1)} s, ` +
      `same vectors: ${r['sameVectorsAsCopyOut']}`,
  );
}
for (const [name, value] of Object.entries(ratios)) console.log(`${name}: ${value.toFixed(3)}`);

mkdirSync('bench/results', { recursive: true });
writeFileSync(
  args.out,
  JSON.stringify(
    {
      model: args.model,
      architecture: config.architectures?.[0],
      hidden,
      layers,
      vocab,
      dtype,
      pooling: route.pooling,
      corpus: source,
      docs: docCount,
      windowTokens,
      batch: batchSize,
      threads,
      rounds,
      headRounds,
      positions: runOptions.positions,
      results,
      ratios,
    },
    null,
    2,
  ) + '\n',
);
console.log(`wrote ${args.out}`);
