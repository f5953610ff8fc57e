// The dtypes of a graph built from safetensors, side by side (issue 18 §3): for each dtype, the
// graph and external data bytes, build and session creation time, documents per second on
// onnxruntime-node and on onnxruntime-web's WASM (run in Node: the same .wasm a page runs), and,
// against fp32 of the same model on real passages, the maximum relative error of document weights,
// the top-10 term overlap and the top-10 overlap of a small retrieval. Prints a table and writes
// bench/results/dtypes.json.
//
//   npx tsx bench/dtypes.ts [--model ./.cache/bench-models/naver/splade-v3] [--dtypes fp32,fp16,q8,q4,q4f16]
//                           [--corpus git-doc|gimp-help-ko] (--paths '' measures accuracy only)
//                           [--paths node,wasm] [--docs 200] [--speed-docs 16] [--rounds 3] [--batch 8]
//                           [--threads 1]
//                           [--out bench/results/dtypes.json]
//
// The default model is BERT-base at its real size with random weights: `/usr/bin/python3
// bench/make_models.py bert` writes it under .cache/ (never committed). Any local folder in the
// sentence-transformers or bare transformers layout works, e.g. ./test/fixtures/hub/naver/splade-v3.
// Both runtimes run one thread by default (the machine is shared), so node vs wasm compares kernels.
// Weights are compared after the activation, special-token ids zeroed, as the encoder reports them.
import { mkdirSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import * as ortNode from 'onnxruntime-node';
import * as ortWeb from 'onnxruntime-web';
import { isModelDtype, type ModelDtype } from '../src/model/dtype.ts';
import { buildFromSafetensors, type BuiltModel } from '../src/model/graph/load.ts';
import { loadModelSpec, type MlmRoute } from '../src/model/layout.ts';
import { openModelSource } from '../src/model/source.ts';
import { benchDocuments, koreanBenchDocuments } from './corpus.mjs';

const { values: args } = parseArgs({
  options: {
    model: { type: 'string', default: './.cache/bench-models/naver/splade-v3' },
    dtypes: { type: 'string', default: 'fp32,fp16,q8,q4,q4f16' },
    paths: { type: 'string', default: 'node,wasm' },
    docs: { type: 'string', default: '200' },
    corpus: { type: 'string', default: 'git-doc' },
    'speed-docs': { type: 'string', default: '16' },
    batch: { type: 'string', default: '8' },
    threads: { type: 'string', default: '1' },
    rounds: { type: 'string', default: '3' },
    out: { type: 'string', default: 'bench/results/dtypes.json' },
  },
});
const dtypes = args.dtypes.split(',').filter(isModelDtype);
if (!dtypes.includes('fp32')) dtypes.unshift('fp32'); // the baseline every error is measured against
const paths = args.paths.split(',').filter(Boolean) as ('node' | 'wasm')[]; // '' = accuracy only
const docCount = Number(args.docs);
const speedDocs = Number(args['speed-docs']);
const batchSize = Number(args.batch);
const threads = Number(args.threads);
const rounds = Number(args.rounds);
ortWeb.env.wasm.numThreads = threads;

type Ort = typeof ortNode;
interface Session {
  ort: Ort;
  session: ortNode.InferenceSession;
}

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
const config = JSON.parse(new TextDecoder().decode(await files.read(configFile)));
const special = Array.from(route.tokenizer.specialIds as ArrayLike<number>);
if (args.corpus !== 'git-doc' && args.corpus !== 'gimp-help-ko')
  throw new Error(`--corpus takes git-doc or gimp-help-ko, got '${args.corpus}'`);
const passages = args.corpus === 'git-doc' ? benchDocuments : koreanBenchDocuments;
const { source, texts } = passages(Math.max(docCount, speedDocs));
const windows = texts.map((t) => route.tokenizer.withSpecial(t).slice(0, route.maxSeqLength));

/** `threads` 0: onnxruntime-node's default (every core). */
async function createSession(built: BuiltModel, path: 'node' | 'wasm', threads: number): Promise<Session> {
  const ort = (path === 'node' ? ortNode : ortWeb) as unknown as Ort;
  const session = await ort.InferenceSession.create(built.onnx, {
    executionProviders: [path === 'node' ? 'cpu' : 'wasm'],
    graphOptimizationLevel: 'all',
    externalData: built.externalData,
    ...(path === 'node' && threads > 0 ? { intraOpNumThreads: threads, interOpNumThreads: 1 } : {}),
  } as ortNode.InferenceSession.SessionOptions);
  return { ort, session };
}

/** Document vectors (dense, after the activation, special ids zeroed) of `rows`, in batches. */
async function encode(s: Session, rows: number[][]): Promise<Float32Array[]> {
  const out: Float32Array[] = [];
  for (let at = 0; at < rows.length; at += batchSize) {
    const batch = rows.slice(at, at + batchSize);
    const T = Math.max(...batch.map((r) => r.length));
    const B = batch.length;
    const ids = new BigInt64Array(B * T);
    const mask = new BigInt64Array(B * T);
    batch.forEach((r, b) =>
      r.forEach((id, t) => {
        ids[b * T + t] = BigInt(id);
        mask[b * T + t] = 1n;
      }),
    );
    const feeds: Record<string, ortNode.Tensor> = {
      input_ids: new s.ort.Tensor('int64', ids, [B, T]),
      attention_mask: new s.ort.Tensor('int64', mask, [B, T]),
    };
    if (s.session.inputNames.includes('token_type_ids'))
      feeds['token_type_ids'] = new s.ort.Tensor('int64', new BigInt64Array(B * T), [B, T]);
    const result = await s.session.run(feeds);
    const logits = result['logits']!.data as Float32Array;
    const V = result['logits']!.dims[2]!;
    batch.forEach((r, b) => {
      const v = new Float32Array(V);
      for (let t = 0; t < r.length; t++) {
        const row = (b * T + t) * V;
        for (let j = 0; j < V; j++) if (logits[row + j]! > v[j]!) v[j] = logits[row + j]!;
      }
      for (let j = 0; j < V; j++) {
        const y = Math.log1p(v[j]!); // max then activation: both monotonic (relu done by starting at 0)
        v[j] = route.pooling.activation === 'log1p_relu' ? Math.log1p(y) : y;
      }
      for (const id of special) v[id] = 0;
      out.push(v);
    });
  }
  return out;
}

function topK(v: Float32Array, k: number): number[] {
  return Array.from(v.keys())
    .sort((a, b) => v[b]! - v[a]! || a - b)
    .slice(0, k);
}

function overlap(a: readonly number[], b: readonly number[]): number {
  const set = new Set(b);
  return a.filter((x) => set.has(x)).length / a.length;
}

/** Error figures of `got` against the fp32 vectors `want`. */
function compare(got: Float32Array[], want: Float32Array[]) {
  let maxRel = 0;
  let sumRel = 0;
  let minTop = 1;
  let sumTop = 0;
  got.forEach((v, d) => {
    const w = want[d]!;
    let peak = 0;
    let worst = 0;
    for (let j = 0; j < w.length; j++) {
      peak = Math.max(peak, w[j]!);
      worst = Math.max(worst, Math.abs(v[j]! - w[j]!));
    }
    const rel = peak > 0 ? worst / peak : 0;
    maxRel = Math.max(maxRel, rel);
    sumRel += rel;
    const top = overlap(topK(v, 10), topK(w, 10));
    minTop = Math.min(minTop, top);
    sumTop += top;
  });
  // Retrieval: each document's 5 heaviest fp32 terms as a query over all documents; the top-10
  // documents by dot product at this dtype against fp32.
  let retrieval = 0;
  const queries = want.map((w) => topK(w, 5).map((id) => [id, w[id]!] as const));
  const rank = (vectors: Float32Array[], q: readonly (readonly [number, number])[]) =>
    topK(
      Float32Array.from(vectors, (v) => q.reduce((s, [id, x]) => s + x * v[id]!, 0)),
      10,
    );
  for (const q of queries) retrieval += overlap(rank(got, q), rank(want, q));
  return {
    maxRelativeError: maxRel,
    meanRelativeError: sumRel / got.length,
    top10TermOverlapMin: minTop,
    top10TermOverlapMean: sumTop / got.length,
    retrievalTop10Overlap: retrieval / queries.length,
  };
}

const fmt = (x: number, digits = 1) => x.toFixed(digits);
console.log(
  `${args.model} (${config.architectures?.[0]}): ${docCount} passages of ${source}; speed: best of ${rounds} ` +
    `interleaved rounds of ${speedDocs} passages in batches of ${batchSize}, ${threads} thread(s)`,
);

// 1. Build every dtype (kept: the speed rounds below interleave them).
const builds = new Map<ModelDtype, { built: BuiltModel; buildMs: number }>();
const rows = new Map<ModelDtype, Record<string, unknown>>();
for (const dtype of dtypes) {
  const started = performance.now();
  const built = (await buildFromSafetensors(files, route.dir, config, { dtype }))!;
  const buildMs = performance.now() - started;
  builds.set(dtype, { built, buildMs });
  rows.set(dtype, {
    dtype,
    graphBytes: built.onnx.byteLength,
    externalBytes: built.externalData.reduce((n, f) => n + f.data.byteLength, 0),
    buildMs,
  });
}

// 2. Accuracy against fp32, on onnxruntime-node (every thread: it is not timed).
let reference: Float32Array[] | undefined;
for (const dtype of dtypes) {
  const s = await createSession(builds.get(dtype)!.built, 'node', 0);
  const vectors = await encode(s, windows.slice(0, docCount));
  await s.session.release();
  if (dtype === 'fp32') reference = vectors;
  Object.assign(rows.get(dtype)!, compare(vectors, reference!));
}

// 3. Speed: per runtime, every dtype's session, then rounds that run each in turn (the machine is
// shared: a slow spell then hits every dtype, and the best round is kept).
for (const path of paths) {
  const sessions = new Map<ModelDtype, Session>();
  for (const dtype of dtypes) {
    const t0 = performance.now();
    try {
      const s = await createSession(builds.get(dtype)!.built, path, threads);
      sessions.set(dtype, s);
      rows.get(dtype)![path] = { sessionMs: performance.now() - t0 };
      await encode(s, windows.slice(0, batchSize)); // warm-up
    } catch (error) {
      rows.get(dtype)![path] = { error: (error as Error).message };
    }
  }
  const best = new Map<ModelDtype, number>();
  for (let round = 0; round < rounds; round++) {
    for (const [dtype, s] of sessions) {
      const t1 = performance.now();
      await encode(s, windows.slice(0, speedDocs));
      best.set(dtype, Math.min(best.get(dtype) ?? Infinity, performance.now() - t1));
    }
  }
  for (const [dtype, s] of sessions) {
    Object.assign(rows.get(dtype)![path] as object, { docsPerSecond: speedDocs / (best.get(dtype)! / 1000) });
    await s.session.release();
  }
}

const results = dtypes.map((d) => rows.get(d)!);
for (const row of results) {
  const speeds = paths
    .map((p) => {
      const r = row[p] as { docsPerSecond?: number; sessionMs?: number; error?: string };
      return r.error ? `${p} error` : `${p} ${fmt(r.docsPerSecond!, 2)} docs/s (session ${fmt(r.sessionMs!, 0)} ms)`;
    })
    .join(', ');
  console.log(
    `${(row['dtype'] as string).padEnd(6)} graph ${fmt((row['graphBytes'] as number) / 1024)} KiB + data ` +
      `${fmt((row['externalBytes'] as number) / 2 ** 20)} MiB, build ${fmt(row['buildMs'] as number, 0)} ms, ${speeds}; ` +
      `vs fp32: max rel ${(row['maxRelativeError'] as number).toExponential(2)}, ` +
      `top-10 terms ${fmt(row['top10TermOverlapMean'] as number, 3)} (min ${fmt(row['top10TermOverlapMin'] as number, 2)}), ` +
      `retrieval top-10 ${fmt(row['retrievalTop10Overlap'] as number, 3)}`,
  );
}
mkdirSync('bench/results', { recursive: true });
writeFileSync(
  args.out,
  JSON.stringify(
    {
      model: args.model,
      architecture: config.architectures?.[0],
      corpus: source,
      docs: docCount,
      speedDocs,
      rounds,
      batch: batchSize,
      threads,
      results,
    },
    null,
    2,
  ) + '\n',
);
console.log(`wrote ${args.out}`);
