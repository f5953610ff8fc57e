/**
 * Real SPLADE repository layouts, loaded by hub id through the real hub code path (a local HTTP
 * server in the hub's URL layout, `hubUrl` pointing at it) on onnxruntime-node: the document graph
 * is built from config.json + safetensors (repos without ONNX), or read from the ONNX file the
 * reference names (transformers.js and fastembed layouts, chosen by `dtype`), and every reference
 * vector (PyTorch, written from the published modeling code) is matched within 1e-4 (or the
 * reference's own tolerance: fp16 files are held to 2e-2 of the largest weight), each text encoded
 * alone and the reference's batch encoded together (with padding). Special-token ids are zeroed on
 * both sides (the encoder zeroes them; the references keep them).
 *
 * Data-driven over test/fixtures/hub/references/*.json: a reference that ships no ONNX and whose
 * architecture has no graph builder fails the first test. Optional reference fields:
 * `dtype` (passed as the option), `load` (more fromPretrained options, e.g. spladePooling),
 * `onnxFile` + `externalData` (the files the load must use), `tolerance` ({absolute} or {relative}).
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, normalize, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SparseEncoder } from '../src/node.ts';
import { ARCHITECTURES } from '../src/model/graph/architectures.ts';
import type { EncodedVector } from '../src/encode/merge.ts';
import { maxDifference } from './support.ts';
import type { EncoderOptions } from '../src/encode/types.ts';
import type { ModelDtype } from '../src/model/dtype.ts';

const HUB_DIR = resolve('test/fixtures/hub');
const TOLERANCE = 1e-4;

interface Reference {
  model: string;
  architecture: string;
  texts: string[];
  vectors: { indices: number[]; values: number[] }[];
  batch: number[];
  input_ids?: number[][];
  ids?: number[][];
  dtype?: ModelDtype;
  load?: EncoderOptions;
  onnxFile?: string;
  externalData?: string[];
  tolerance?: { absolute?: number; relative?: number };
}

const references: Reference[] = readdirSync(join(HUB_DIR, 'references'))
  .filter((f) => f.endsWith('.json'))
  .sort()
  .map((f) => JSON.parse(readFileSync(join(HUB_DIR, 'references', f), 'utf8')) as Reference);

/** The largest difference a reference allows: absolute, or relative to its largest weight. */
function toleranceOf(ref: Reference): number {
  if (ref.tolerance?.relative !== undefined)
    return ref.tolerance.relative * Math.max(...ref.vectors.flatMap((v) => v.values));
  return ref.tolerance?.absolute ?? TOLERANCE;
}

/** Serves test/fixtures/hub/<owner>/<name>/<path> at /<owner>/<name>/resolve/<revision>/<path>, with ETags. */
function hubServer(): Server {
  return createServer((req, res) => {
    const match = /^\/([^/]+)\/([^/]+)\/resolve\/[^/]+\/(.+)$/.exec((req.url ?? '').split('?')[0]!);
    const file = match
      ? normalize(join(HUB_DIR, ...[match[1]!, match[2]!, match[3]!].map(decodeURIComponent)))
      : undefined;
    if (!file || !file.startsWith(HUB_DIR + '/') || !existsSync(file) || !statSync(file).isFile()) {
      res.writeHead(404).end('Entry not found');
      return;
    }
    const body = readFileSync(file);
    res.writeHead(200, {
      etag: `"${createHash('sha1').update(body).digest('hex')}"`,
      'content-type': 'application/octet-stream',
      'content-length': String(body.length),
    });
    res.end(body);
  });
}

/** A sparse vector as a Map, `zeroed` ids left out. */
function entries(v: { indices: ArrayLike<number>; values: ArrayLike<number> }, zeroed: ReadonlySet<number>) {
  const map = new Map<number, number>();
  for (let k = 0; k < v.indices.length; k++) if (!zeroed.has(v.indices[k]!)) map.set(v.indices[k]!, v.values[k]!);
  return map;
}

/**
 * How far `got` is from the reference `want`: the largest difference over the largest reference
 * weight, the cosine, and the share of the reference's 10 heaviest entries among `got`'s 10.
 */
function agreement(got: EncodedVector, want: Reference['vectors'][number], zeroed: ReadonlySet<number>) {
  const a = entries(got, zeroed);
  const b = entries(want, zeroed);
  let worst = 0;
  let dot = 0;
  for (const id of new Set([...a.keys(), ...b.keys()])) {
    const [x, y] = [a.get(id) ?? 0, b.get(id) ?? 0];
    worst = Math.max(worst, Math.abs(x - y));
    dot += x * y;
  }
  const norm = (m: Map<number, number>) => Math.sqrt([...m.values()].reduce((s, x) => s + x * x, 0));
  const top = (m: Map<number, number>) =>
    [...m]
      .sort((p, q) => q[1] - p[1] || p[0] - q[0])
      .slice(0, 10)
      .map(([id]) => id);
  const wanted = new Set(top(b));
  return {
    relative: worst / Math.max(...b.values()),
    cosine: dot / (norm(a) * norm(b)),
    top10: top(a).filter((id) => wanted.has(id)).length / Math.min(10, wanted.size),
  };
}

/**
 * Bounds per dtype of a built graph against the fp32 PyTorch references, from the fixtures measured
 * with margin (random weights at tiny widths are harsher on quantization than trained models:
 * measured worst relative error / cosine / top-10 overlap: fp16 1.2e-2 / 1.0000 / 0.9, q8 0.11 /
 * 0.997 / 0.9, q4 and q4f16 0.87 / 0.83 / 0.4). That q4 and q8 compute exactly what their
 * quantized weights say is tested in graph-dtypes.test.ts.
 */
const DTYPE_BOUNDS: Record<'fp16' | 'q8' | 'q4' | 'q4f16', { relative: number; cosine: number; top10: number }> = {
  fp16: { relative: 3e-2, cosine: 0.9995, top10: 0.8 },
  q8: { relative: 0.2, cosine: 0.99, top10: 0.8 },
  q4: { relative: 1.2, cosine: 0.75, top10: 0.3 },
  q4f16: { relative: 1.2, cosine: 0.75, top10: 0.3 },
};

let server: Server;
let hubUrl: string;

beforeAll(async () => {
  server = hubServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  hubUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((done) => server.close(done));
});

describe('hub repositories by hub id, on onnxruntime-node', () => {
  it('has references to check, each shipping ONNX or with a graph builder for its architecture', () => {
    expect(references.length).toBeGreaterThan(0);
    const unbuilt = references.filter((r) => r.onnxFile === undefined && !(r.architecture in ARCHITECTURES));
    expect(unbuilt.map((r) => `${r.model} (${r.architecture})`)).toEqual([]);
  });

  for (const ref of references) {
    const tolerance = toleranceOf(ref);
    const what = ref.onnxFile ? `${ref.onnxFile}, ${ref.dtype ?? 'fp32'}` : ref.architecture;
    const name = `${ref.model} (${what}): texts alone and batched equal PyTorch within ${tolerance.toPrecision(2)}`;
    it(name, async () => {
      const options: EncoderOptions = { hubUrl, cache: false, ...ref.load };
      if (ref.dtype) options.dtype = ref.dtype;
      const encoder = await SparseEncoder.fromPretrained(ref.model, options);
      try {
        const route = encoder.spec.document;
        expect(route.kind).toBe('mlm');
        if (route.kind !== 'mlm') return;
        if (ref.onnxFile) {
          // Read from the repository's ONNX file (and its external data), not built.
          expect(route.built).toBeUndefined();
          expect(encoder.backendInfo).toMatchObject({
            device: 'cpu',
            dtype: ref.dtype ?? 'fp32',
            modelFile: ref.onnxFile,
            externalDataFiles: ref.externalData ?? [],
          });
        } else expect(route.built?.architecture).toBe(ref.architecture); // built from safetensors
        expect(encoder.device).toBe('cpu');
        const ids = ref.input_ids ?? ref.ids;
        if (ids) for (const [k, text] of ref.texts.entries()) expect(await encoder.windows(text)).toEqual([ids[k]]);

        const zeroed = new Set(Array.from(route.tokenizer.specialIds));
        const alone: number[] = [];
        for (const [k, text] of ref.texts.entries()) {
          alone.push(maxDifference(await encoder.encodeDocument(text), ref.vectors[k]!, zeroed));
        }
        const batched = await encoder.encodeDocument(ref.batch.map((k) => ref.texts[k]!));
        const together = batched.map((v, j) => maxDifference(v, ref.vectors[ref.batch[j]!]!, zeroed));
        expect(Math.max(...alone)).toBeLessThan(tolerance);
        expect(Math.max(...together)).toBeLessThan(tolerance);
        expect(encoder.lastStats.batches).toBe(1); // the batch really ran as one padded batch
        // A built graph pools inside itself on the CPU (graph/tail.ts): [windows, vocab] maxima reach
        // JavaScript, not [windows, tokens, vocab] logits. An ONNX file keeps its logits.
        const { windows, readbackBytes, logitsBytes } = encoder.lastStats;
        if (route.built) {
          expect(route.built.tail).toBe('max');
          expect(readbackBytes).toBe(windows * route.pooling.vocabSize * 4);
        } else expect(readbackBytes).toBe(logitsBytes);
      } finally {
        await encoder.dispose();
      }
    });
  }
});

describe('built graphs at each dtype, by hub id, on onnxruntime-node', () => {
  const built = references.filter((ref) => ref.onnxFile === undefined && ref.dtype === undefined);
  for (const ref of built) {
    for (const [dtype, bound] of Object.entries(DTYPE_BOUNDS) as [
      keyof typeof DTYPE_BOUNDS,
      typeof DTYPE_BOUNDS.q8,
    ][]) {
      const name = `${ref.model} at ${dtype}: within ${bound.relative} of the largest weight, cosine >= ${bound.cosine}, top-10 overlap >= ${bound.top10}; batched = alone`;
      it(name, async () => {
        const encoder = await SparseEncoder.fromPretrained(ref.model, { hubUrl, cache: false, dtype });
        try {
          const route = encoder.spec.document;
          if (route.kind !== 'mlm') throw new Error('expected a model route');
          expect(route.built?.architecture).toBe(ref.architecture);
          expect(encoder.backendInfo?.dtype).toBe(dtype);
          const zeroed = new Set(Array.from(route.tokenizer.specialIds));
          const alone: EncodedVector[] = [];
          for (const [k, text] of ref.texts.entries()) {
            const got = await encoder.encodeDocument(text);
            alone.push(got);
            const { relative, cosine, top10 } = agreement(got, ref.vectors[k]!, zeroed);
            expect(relative, `text ${k}`).toBeLessThan(bound.relative);
            expect(cosine, `text ${k}`).toBeGreaterThan(bound.cosine);
            expect(top10, `text ${k}`).toBeGreaterThanOrEqual(bound.top10);
          }
          // Padding changes nothing at any dtype (the float16 mask stays finite; quantized rows are independent).
          const batched = await encoder.encodeDocument(ref.batch.map((k) => ref.texts[k]!));
          batched.forEach((v, j) => {
            const own = alone[ref.batch[j]!]!;
            const ownPlain = { indices: Array.from(own.indices), values: Array.from(own.values) };
            expect(maxDifference(v, ownPlain, zeroed)).toBeLessThan(dtype.endsWith('16') ? 1e-2 : 1e-4);
          });
        } finally {
          await encoder.dispose();
        }
      });
    }
  }
});
