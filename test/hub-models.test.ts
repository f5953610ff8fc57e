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
 * Data-driven over test/fixtures/hub/references/*.json: a reference whose architecture has no graph
 * builder yet is listed as skipped, with the reason in its name. Optional reference fields:
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

/** The largest |a - b| over every vocabulary entry, `zeroed` ids dropped from the reference. */
function maxDifference(got: EncodedVector, want: Reference['vectors'][number], zeroed: ReadonlySet<number>): number {
  const dense = new Map<number, number>();
  want.indices.forEach((id, k) => {
    if (!zeroed.has(id)) dense.set(id, want.values[k]!);
  });
  let worst = 0;
  got.indices.forEach((id, k) => {
    worst = Math.max(worst, Math.abs(got.values[k]! - (dense.get(id) ?? 0)));
    dense.delete(id);
  });
  for (const value of dense.values()) worst = Math.max(worst, Math.abs(value));
  return worst;
}

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
  it('has references to check', () => {
    expect(references.length).toBeGreaterThan(0);
  });

  for (const ref of references) {
    // A repo that ships ONNX needs no graph builder.
    const registered = ref.onnxFile !== undefined || ref.architecture in ARCHITECTURES;
    const tolerance = toleranceOf(ref);
    const what = ref.onnxFile ? `${ref.onnxFile}, ${ref.dtype ?? 'fp32'}` : ref.architecture;
    const name = registered
      ? `${ref.model} (${what}): texts alone and batched equal PyTorch within ${tolerance.toPrecision(2)}`
      : `${ref.model}: skipped, no graph builder for ${ref.architecture} yet`;
    it.skipIf(!registered)(name, async () => {
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
      } finally {
        await encoder.dispose();
      }
    });
  }
});
