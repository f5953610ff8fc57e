/**
 * The demo's download size (demo/download-size.ts), before a download starts: from the hub's file
 * listing and from HEAD requests, against a local server in the hub's layout (e2e/support/hub-fixtures.ts)
 * serving the fixture repositories; checked against what a real load of each repository downloads
 * (onnxruntime-node, the hub code path, every byte of every response counted).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { estimateDownload, filesToDownload, type ListedFile } from '../demo/download-size.ts';
import { SparseEncoder } from '../src/node.ts';
import { serveHubFixtures, type HubServer } from '../e2e/support/hub-fixtures.ts';

const REPOS = [
  'naver/splade-v3',
  'opensearch-project/opensearch-neural-sparse-encoding-doc-v3-distill',
  'opensearch-project/opensearch-neural-sparse-encoding-doc-v3-gte',
  'telepix/PIXIE-Splade-Preview',
  'sparse-encoder-testing/splade-xlm-roberta-tiny',
];

let hub: HubServer;
beforeAll(async () => {
  hub = await serveHubFixtures();
});
afterAll(async () => hub?.close());

const listed = (paths: Record<string, number>): ListedFile[] =>
  Object.entries(paths).map(([path, bytes]) => ({ path, bytes }));

describe('files a first load downloads', () => {
  it('the GTE layout: configs, tokenizer, the root safetensors and the query table; never other weights', () => {
    const chosen = filesToDownload(
      listed({
        '.gitattributes': 1,
        'README.md': 9,
        'config.json': 1,
        'modules.json': 1,
        'router_config.json': 1,
        'special_tokens_map.json': 1,
        'idf.json': 600,
        'model.safetensors': 550_000_000,
        'pytorch_model.bin': 550_000_000,
        'vocab.txt': 200,
        'tokenizer.json': 700,
        'document_1_SpladePooling/config.json': 1,
        'query_0_SparseStaticEmbedding/config.json': 1,
        'query_0_SparseStaticEmbedding/model.safetensors': 122_000,
        'query_0_SparseStaticEmbedding/tokenizer.json': 700,
      }),
    ).map((f) => f.path);
    expect(chosen).toEqual([
      'config.json',
      'document_1_SpladePooling/config.json',
      'model.safetensors',
      'modules.json',
      'query_0_SparseStaticEmbedding/model.safetensors',
      'query_0_SparseStaticEmbedding/tokenizer.json',
      'router_config.json',
      'tokenizer.json',
    ]);
  });

  it('an ONNX file the loader takes replaces that folder’s safetensors; other variants and exports are not counted', () => {
    const chosen = filesToDownload(
      listed({
        'config.json': 1,
        'model.safetensors': 500,
        'onnx/model.onnx': 530,
        'onnx/model.onnx_data': 40,
        'onnx/model_quantized.onnx': 130,
        'onnx/config.json': 1,
        'openvino/openvino_config.json': 1,
        'tokenizer.json': 7,
      }),
    ).map((f) => f.path);
    expect(chosen).toEqual(['config.json', 'onnx/model.onnx', 'onnx/model.onnx_data', 'tokenizer.json']);
    // A root model.onnx counts only where there is no onnx/model.onnx (the loader's order).
    expect(filesToDownload(listed({ 'model.onnx': 5, 'model.safetensors': 5 })).map((f) => f.path)).toEqual([
      'model.onnx',
    ]);
  });

  it('idf.json counts where it is the query table: a bare repository, or a static folder without weights', () => {
    const bare = filesToDownload(listed({ 'config.json': 1, 'idf.json': 5, 'model.safetensors': 9 }));
    expect(bare.map((f) => f.path)).toEqual(['config.json', 'idf.json', 'model.safetensors']);
    const router = filesToDownload(listed({ 'modules.json': 1, 'idf.json': 5, 'query_0/idf.json': 5 }));
    expect(router.map((f) => f.path)).toEqual(['modules.json', 'query_0/idf.json']);
  });

  it('sharded weights: the shards, not a stray model.safetensors', () => {
    const chosen = filesToDownload(
      listed({
        'model.safetensors.index.json': 1,
        'model-00001-of-00002.safetensors': 5,
        'model-00002-of-00002.safetensors': 5,
        'model.safetensors': 10,
      }),
    ).map((f) => f.path);
    expect(chosen).toEqual([
      'model-00001-of-00002.safetensors',
      'model-00002-of-00002.safetensors',
      'model.safetensors.index.json',
    ]);
  });
});

describe('estimateDownload against the fixture repositories', () => {
  for (const id of REPOS) {
    it(`${id}: the listing and HEAD requests agree, and equal the bytes a load downloads`, async () => {
      const byListing = await estimateDownload(id, { hubUrl: hub.url });
      expect(byListing.via).toBe('listing');
      expect(byListing.unknown).toBe(0);
      expect(byListing.dtype).toBe('fp32');
      const seen = hub.requests.length;
      const byHead = await estimateDownload(`${hub.url}/${id}/resolve/main`);
      expect(byHead.via).toBe('head');
      // Nothing big was downloaded to find the sizes: only JSON files were read whole.
      const gets = hub.requests.slice(seen).filter((r) => r.startsWith('GET '));
      expect(gets.every((r) => r.endsWith('.json'))).toBe(true);
      expect(byHead.files).toEqual(byListing.files);

      const downloaded = new Map<string, number>();
      const counting: typeof fetch = async (input, init) => {
        const response = await fetch(input, init);
        if (response.ok) {
          const body = new Uint8Array(await response.arrayBuffer());
          downloaded.set(String(input).replace(/^.*\/resolve\/[^/]+\//, ''), body.byteLength);
          return new Response(body, { status: response.status, headers: response.headers });
        }
        return response;
      };
      const encoder = await SparseEncoder.fromPretrained(id, { hubUrl: hub.url, fetch: counting });
      await encoder.dispose();
      const loaded = [...downloaded].map(([path, bytes]) => ({ path, bytes }));
      // The files and bytes shown before the download are those the load downloads.
      const byPath = (a: ListedFile, b: ListedFile) => (a.path < b.path ? -1 : 1);
      expect(byListing.files).toEqual(loaded.sort(byPath));
    });
  }

  it('an unknown repository is model-not-found, a refused listing says why; an unreachable hub is a network error', async () => {
    const missing = await estimateDownload('nobody/no-such-model', { hubUrl: hub.url }).catch((e) => e);
    expect(missing.code).toBe('model-not-found');
    expect(missing.message).toMatch(/^nobody\/no-such-model has neither modules\.json nor config\.json/);
    // A hub answering 401 (huggingface.co, for a missing, private or gated repository without a token).
    const refusing: typeof fetch = async () => new Response('Unauthorized', { status: 401 });
    const gated = await estimateDownload('naver/splade-v3', { fetch: refusing }).catch((e) => e);
    expect(gated.code).toBe('model-not-found');
    expect(gated.message).toMatch(/^the hub refused to list naver\/splade-v3 \(HTTP 401\): .* gated/);
    const down = await estimateDownload('naver/splade-v3', { hubUrl: 'http://127.0.0.1:9' }).catch((e) => e);
    expect(down.code).toBe('network');
    expect(down.message).toMatch(/^could not reach http:\/\/127\.0\.0\.1:9/);
  });
});
