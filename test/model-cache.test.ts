/**
 * The cache of built graphs in Node (src/model/build-cache.ts, src/runtime/node-build-cache.ts) and
 * of downloaded files (src/runtime/node-file-cache.ts), against a local hub (test/hub-server.ts) that
 * counts what it sends: a second load of a safetensors repository by hub id fetches no byte and
 * converts nothing (the kept model.onnx and its weights files are loaded by path); it loads with the
 * network off; a changed weights file, a kept entry cut short, a graph file damaged in place or an
 * unreadable manifest are each found and rebuilt; a local folder is keyed by its files' content.
 */
import {
  cpSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { BUILD_FORMAT, checksum, findBuild, parseManifest, type BuildStore } from '../src/model/build-cache.ts';
import { SparseEncoder } from '../src/node.ts';
import { LocalHub } from './hub-server.ts';

const REPO = 'naver/splade-v3'; // bare BERT, two shards
const TEXTS = ['sparse retrieval in the browser', 'the graph is built from safetensors weights'];

let hub: LocalHub;
let work: string;
let cacheDir: string;

beforeAll(async () => {
  hub = await new LocalHub().start();
  work = mkdtempSync(join(tmpdir(), 'splade-cache-'));
});
afterAll(async () => {
  await hub.stop();
  rmSync(work, { recursive: true, force: true });
});
beforeEach(() => {
  cacheDir = mkdtempSync(join(work, 'cache-'));
  hub.overlay.clear();
  hub.requests.length = 0;
});

interface Loaded {
  vectors: [number[], number[]][];
  fromCache: boolean | undefined;
  modelPath: string | undefined;
  ms: number;
  bytes: number;
  weightBytes: number;
}

async function load(source = REPO, extra: { fetch?: typeof fetch } = {}): Promise<Loaded> {
  const before = hub.requests.length;
  const started = performance.now();
  const encoder = await SparseEncoder.fromPretrained(source, { hubUrl: hub.url, cacheDir, ...extra });
  const ms = performance.now() - started;
  try {
    const route = encoder.spec.document;
    if (route.kind !== 'mlm') throw new Error('expected a model route');
    const sent = hub.requests.slice(before);
    return {
      vectors: (await encoder.encodeDocument(TEXTS)).map((v) => [Array.from(v.indices), Array.from(v.values)]),
      fromCache: route.built?.fromCache,
      modelPath: route.built?.modelPath,
      ms,
      bytes: sent.reduce((n, r) => n + r.bytes, 0),
      weightBytes: sent.filter((r) => r.file.endsWith('.safetensors')).reduce((n, r) => n + r.bytes, 0),
    };
  } finally {
    await encoder.dispose();
  }
}

/** The one slot folder of the cache and the build folder its manifest names. */
function entry(): { slot: string; build: string } {
  const slots = readdirSync(join(cacheDir, 'built'));
  expect(slots.length).toBe(1);
  const slot = join(cacheDir, 'built', slots[0]!);
  const { buildId } = JSON.parse(readFileSync(join(slot, 'manifest.json'), 'utf8')) as { buildId: string };
  return { slot, build: join(slot, buildId) };
}

describe('built graphs cached in Node', () => {
  it('a second load by hub id fetches no byte and converts nothing; offline it loads too', async () => {
    const first = await load();
    expect(first.fromCache).toBe(false);
    expect(first.weightBytes).toBeGreaterThan(2_000_000);
    const { build } = entry();
    expect(first.modelPath).toBe(join(build, 'model.onnx'));
    expect(readdirSync(build).filter((f) => f.endsWith('.bin')).length).toBeGreaterThan(10); // weights beside it

    const second = await load();
    expect(second.fromCache).toBe(true);
    expect(second.bytes).toBe(0); // config, tokenizer: 304s; the weights: conditional 1-byte checks, 304
    expect(second.vectors).toEqual(first.vectors);
    const checks = hub.requests.slice(-20).filter((r) => r.file.endsWith('.safetensors'));
    expect(checks.every((r) => r.status === 304 && r.range === 'bytes=0-0' && r.ifNoneMatch !== null)).toBe(true);

    const offline: typeof fetch = async () => {
      throw new TypeError('fetch failed (offline)');
    };
    const asked = hub.requests.length;
    const third = await load(REPO, { fetch: offline });
    expect(third.fromCache).toBe(true);
    expect(third.vectors).toEqual(first.vectors);
    expect(hub.requests.length).toBe(asked);
    console.log(
      `${REPO} (fixture, ${(first.weightBytes / 1e6).toFixed(1)} MB of weights) on onnxruntime-node: first load ${first.ms.toFixed(0)} ms, second ${second.ms.toFixed(0)} ms (0 bytes), offline ${third.ms.toFixed(0)} ms`,
    );
  });

  it('a weights file changed on the hub is rebuilt, and replaces the old entry', async () => {
    const first = await load();
    const old = entry();
    const shard = `${REPO}/model-00002-of-00002.safetensors`;
    const changed = new Uint8Array(readFileSync(`test/fixtures/hub/${shard}`));
    changed[changed.length - 1]! ^= 1; // the last byte of the last tensor: same header, another ETag
    hub.overlay.set(shard, changed);
    const second = await load();
    expect(second.fromCache).toBe(false);
    expect(second.weightBytes).toBeGreaterThan(0);
    const now = entry();
    expect(now.build).not.toBe(old.build);
    expect(existsSync(old.build)).toBe(false);
    expect((await load()).fromCache).toBe(true);
    expect(first.vectors.length).toBe(2);
  });

  for (const [damage, harm] of [
    ['a weights file cut short', (e: { build: string; slot: string }) => truncateSync(join(e.build, 'w3.bin'), 10)],
    [
      'the graph damaged in place (same size)',
      (e: { build: string }) => {
        const path = join(e.build, 'model.onnx');
        const bytes = readFileSync(path);
        bytes[bytes.length >> 1]! ^= 0xff;
        writeFileSync(path, bytes);
      },
    ],
    ['an unreadable manifest', (e: { slot: string }) => writeFileSync(join(e.slot, 'manifest.json'), '{"format": 1, ')],
    ['a build folder gone', (e: { build: string }) => rmSync(e.build, { recursive: true })],
  ] as const) {
    it(`${damage}: found when loading, rebuilt, then loaded from the cache again`, async () => {
      const first = await load();
      (harm as (e: { build: string; slot: string }) => void)(entry());
      const second = await load();
      expect(second.fromCache).toBe(false);
      expect(second.weightBytes).toBeGreaterThan(0);
      expect(second.vectors).toEqual(first.vectors);
      const third = await load();
      expect(third.fromCache).toBe(true);
      expect(third.bytes).toBe(0);
    });
  }

  it('a build kept by an earlier format (its graph ended in logits) is never served, and is removed', async () => {
    const first = await load();
    const { slot } = entry();
    // The entry as format 1 kept it: in the slot of location and dtype, its manifest without a tail.
    const legacy = join(
      cacheDir,
      'built',
      checksum(`${hub.url}/${REPO}/resolve/main/model.safetensors.index.json\u0000fp32`),
    );
    const manifest = JSON.parse(readFileSync(join(slot, 'manifest.json'), 'utf8')) as Record<string, unknown>;
    delete manifest['tail'];
    cpSync(slot, legacy, { recursive: true });
    writeFileSync(join(legacy, 'manifest.json'), JSON.stringify({ ...manifest, format: 1 }));
    rmSync(slot, { recursive: true });
    const second = await load();
    expect(second.fromCache).toBe(false);
    expect(second.weightBytes).toBeGreaterThan(0);
    expect(second.vectors).toEqual(first.vectors);
    expect(existsSync(legacy)).toBe(false);
    expect(entry().slot).toBe(slot);
  });

  it('a local folder is keyed by its files’ content: an edit rebuilds', async () => {
    const folder = join(work, 'local-splade-v3');
    cpSync(`test/fixtures/hub/${REPO}`, folder, { recursive: true });
    const first = await load(folder);
    expect(first.fromCache).toBe(false);
    expect((await load(folder)).fromCache).toBe(true);
    const shard = join(folder, 'model-00002-of-00002.safetensors');
    const bytes = readFileSync(shard);
    bytes[bytes.length - 1]! ^= 1;
    writeFileSync(shard, bytes);
    expect((await load(folder)).fromCache).toBe(false);
    expect((await load(folder)).fromCache).toBe(true);
  });

  it('cache: false keeps nothing', async () => {
    const encoder = await SparseEncoder.fromPretrained(REPO, { hubUrl: hub.url, cacheDir, cache: false });
    await encoder.dispose();
    expect(readdirSync(cacheDir)).toEqual([]);
  });
});

describe('build cache keys', () => {
  it('the slot is the weights file’s location, the dtype and the graph tail; a source that changed is a miss', async () => {
    const seen: string[] = [];
    const store: BuildStore = {
      kind: 'memory',
      async manifest(slot) {
        seen.push(slot);
        return undefined;
      },
      load: async () => undefined,
      save: async () => undefined,
    };
    const files = {
      builds: store,
      locate: (p: string) => `https://hub.test/o/m/resolve/main/${p}`,
      isCurrent: async () => true,
    };
    const where = 'https://hub.test/o/m/resolve/main/model.safetensors';
    await findBuild(files, 'model.safetensors', ['model.safetensors'], 'fp32');
    await findBuild(files, 'model.safetensors', ['model.safetensors'], 'fp16');
    await findBuild(files, 'model.safetensors', ['model.safetensors'], 'fp32', 'max');
    // On a miss the slot of format 1 (location and dtype) is read too: its manifest, unreadable now,
    // is removed by the store, so a graph an earlier version built is never served nor kept.
    expect(seen).toEqual([
      checksum(`${where}\u0000fp32\u0000logits`),
      checksum(`${where}\u0000fp32`),
      checksum(`${where}\u0000fp16\u0000logits`),
      checksum(`${where}\u0000fp16`),
      checksum(`${where}\u0000fp32\u0000max`),
      checksum(`${where}\u0000fp32`),
    ]);
  });

  it('a manifest of format 1 (graphs that ended in logits whatever the device) is unreadable', () => {
    const manifest = {
      format: BUILD_FORMAT,
      buildId: 'abc',
      dtype: 'fp32',
      tail: 'max',
      sources: [{ path: 'model.safetensors', version: '"e1"' }],
      architecture: 'BertForMaskedLM',
      weightsFile: 'model.safetensors',
      weightBytes: 4,
      onnx: { bytes: 10, checksum: '0123456789abcdef' },
      data: [{ path: 'w0.bin', bytes: 4 }],
    };
    expect(parseManifest(JSON.stringify(manifest))).toEqual(manifest);
    const { tail: _, ...withoutTail } = manifest;
    expect(parseManifest(JSON.stringify({ ...withoutTail, format: 1 }))).toBeUndefined();
    expect(parseManifest(JSON.stringify({ ...manifest, format: 1 }))).toBeUndefined();
    expect(parseManifest(JSON.stringify({ ...manifest, tail: 'hidden' }))).toBeUndefined();
  });
});
