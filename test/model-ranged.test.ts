/**
 * Weights read by range (src/model/ranged.ts, graph/tensor-reader.ts, graph/weights.ts): over HTTP
 * against a local hub (test/hub-server.ts) that answers Range requests, each safetensors file is
 * read as its 8-byte length, its header, then its tensors in a few requests, never whole; a host that
 * answers a Range request with the whole file (200) is detected and read once; a file that changes
 * between two reads, or is cut short on the host, fails naming the file and the bytes. Local files
 * (Node paths) are read through a file handle. Vectors are the same on every path.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SpladeError } from '../src/errors.ts';
import { TensorReader } from '../src/model/graph/tensor-reader.ts';
import { memoryFile } from '../src/model/ranged.ts';
import { SparseEncoder } from '../src/node.ts';
import { LocalHub } from './hub-server.ts';

const BERT = 'naver/splade-v3'; // two F32 shards
const DISTIL = 'opensearch-project/opensearch-neural-sparse-encoding-doc-v3-distill'; // BF16, in a subfolder
const TEXTS = ['sparse retrieval in the browser', 'the graph is built from safetensors weights'];

let hub: LocalHub;
beforeAll(async () => {
  hub = await new LocalHub().start();
});
afterAll(async () => {
  await hub.stop();
});
beforeEach(() => {
  hub.ranges = true;
  hub.overlay.clear();
  hub.truncate.clear();
  hub.onRequest = undefined;
  hub.requests.length = 0;
});

async function vectors(model: string, options: { hubUrl?: string } = { hubUrl: hub.url }) {
  const encoder = await SparseEncoder.fromPretrained(model, { ...options, cache: false });
  try {
    return (await encoder.encodeDocument(TEXTS)).map((v) => [Array.from(v.indices), Array.from(v.values)]);
  } finally {
    await encoder.dispose();
  }
}

/** Requests for the transformer's weights (a query table's safetensors is read whole: it is one small tensor). */
function safetensorsRequests() {
  return hub.requests.filter((r) => r.file.endsWith('.safetensors') && !r.file.includes('SparseStaticEmbedding'));
}

async function failure(promise: Promise<unknown>): Promise<SpladeError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(SpladeError);
  return error as SpladeError;
}

describe('safetensors weights read by range', () => {
  for (const model of [BERT, DISTIL]) {
    it(`${model}: length, header, then tensors by Range requests, never the whole file; same vectors`, async () => {
      const ranged = await vectors(model);
      const requests = safetensorsRequests();
      const files = [...new Set(requests.map((r) => r.file))];
      expect(files.length).toBe(model === BERT ? 2 : 1);
      for (const file of files) {
        const own = requests.filter((r) => r.file === file);
        const size = readFileSync(`test/fixtures/hub/${file}`).byteLength;
        const header = Number(readFileSync(`test/fixtures/hub/${file}`).readBigUInt64LE(0));
        expect(own.every((r) => r.status === 206 && r.range !== null)).toBe(true);
        expect(own[0]!.range).toBe('bytes=0-7');
        expect(own[1]!.range).toBe(`bytes=8-${8 + header - 1}`);
        expect(own.reduce((n, r) => n + r.bytes, 0)).toBeLessThanOrEqual(size);
        expect(own.length).toBeLessThanOrEqual(8); // of ~100 tensors a file: neighbours come together (16 MB chunks)
      }
      // The host without range support: the first request's 200 is the whole file, read once.
      hub.ranges = false;
      hub.requests.length = 0;
      expect(await vectors(model)).toEqual(ranged);
      const whole = safetensorsRequests();
      expect(whole.map((r) => r.status)).toEqual(files.map(() => 200));
      expect(whole.map((r) => r.range)).toEqual(files.map(() => 'bytes=0-7'));
    });
  }

  it('a local folder (Node path) is read through a file handle: same vectors as over HTTP', async () => {
    expect(await vectors(`./test/fixtures/hub/${BERT}`, {})).toEqual(await vectors(BERT));
  });

  it('a file that changes on the host between two reads fails, naming the file and both ETags', async () => {
    const shard = `${BERT}/model-00001-of-00002.safetensors`;
    const changed = new Uint8Array(readFileSync(`test/fixtures/hub/${shard}`));
    changed[changed.length - 1]! ^= 1;
    hub.onRequest = (request) => {
      if (request.file === shard && request.range?.startsWith('bytes=8-')) hub.overlay.set(shard, changed);
    };
    const error = await failure(vectors(BERT));
    expect(error.code).toBe('network');
    expect(error.file).toBe('model-00001-of-00002.safetensors');
    expect(error.message).toMatch(
      /^model-00001-of-00002\.safetensors at http:\S+ changed or stopped answering range requests while it was read \(its ETag went from "[^"]+" to "[^"]+"\): asked bytes \d+\.\.\d+ of \d+/,
    );
  });

  it('a file cut short on the host fails at open, naming the file, the tensor and its byte range', async () => {
    const shard = `${BERT}/model-00002-of-00002.safetensors`;
    const whole = readFileSync(`test/fixtures/hub/${shard}`);
    hub.overlay.set(shard, new Uint8Array(whole.subarray(0, whole.length - 1000)));
    const error = await failure(vectors(BERT));
    expect(error.code).toBe('model-file-invalid');
    expect(error.message).toMatch(
      new RegExp(
        `^model-00002-of-00002\\.safetensors is truncated: tensor "[\\w.]+" needs bytes \\d+\\.\\.${whole.length - 1000 + 1000} but the file has ${whole.length - 1000} bytes$`,
      ),
    );
    expect(safetensorsRequests().filter((r) => r.file === shard).length).toBe(2); // length and header only
  });
});

describe('TensorReader', () => {
  it('serves tensors in any order from few reads, holding at most its budget', async () => {
    const bytes = Uint8Array.from({ length: 10_000 }, (_, k) => (k * 7) & 255);
    const file = memoryFile('m.safetensors', bytes);
    const reads: [number, number][] = [];
    const counted = { ...file, inMemory: false, read: (b: number, e: number) => (reads.push([b, e]), file.read(b, e)) };
    // Tensors of 100..900 bytes back to back from byte 200, one large one (3000) in the middle.
    const spans: { begin: number; end: number }[] = [];
    for (let at = 200, k = 0; at < 9000; k++) {
      const size = k === 5 ? 3000 : 100 + ((k * 131) % 800);
      spans.push({ begin: at, end: Math.min(at + size, 9000) });
      at += size;
    }
    const reader = new TensorReader(counted, spans, { chunkBytes: 1500, heldBytes: 3000 });
    const order = [...spans.keys()].sort((a, b) => ((a * 5) % 7) - ((b * 5) % 7) || a - b);
    for (const k of order) {
      const { begin, end } = spans[k]!;
      expect(await reader.read(begin, end)).toEqual(bytes.subarray(begin, end));
    }
    expect(reads.length).toBeLessThan(spans.length);
    expect(reader.peakHeld).toBeLessThanOrEqual(3000 + 3000); // the budget, and the large tensor when asked for
    // Nothing is left held once every tensor was read.
    expect((reader as unknown as { held: number }).held).toBe(0);
  });
});
