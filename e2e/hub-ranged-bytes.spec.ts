/**
 * What a model load downloads in Chromium, counted where it is sent: a safetensors model loaded by
 * hub id from a local hub that answers Range requests and counts the body bytes of every answer.
 * The weights are read by range (src/model/ranged.ts), tensor by tensor in chunks, with the next
 * chunk prefetched while the builder converts (graph/tensor-reader.ts), so two Range requests for the
 * same file are in flight at once. Chromium's HTTP cache handled that badly: the later answer waited
 * for the cache entry the earlier one was writing, was dropped mid-body and asked for again (the full
 * GTE-base load sent 756 MB for the 551 MB the loader read). Each byte of the weights must be sent once.
 *
 * The fixture repositories' weights (2 MB at most) fit in one chunk, so they never have two requests
 * in flight: the model here is naver/splade-v3's fixture (its tokenizer, its config) widened to a
 * hidden size of 160, which makes its word embeddings (30 522 x 160 floats, 19.5 MB) a chunk of their
 * own followed by a prefetch, as in a full-size model. Its weights are random (only bytes are checked),
 * written at the start of the run. The hub sends every answer in 20 slices 15 ms apart, so that an
 * answer is still arriving when the next request is made, as over a real network.
 */
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { writeSafetensors } from '../src/model/safetensors.ts';
import { mulberry32 } from '../test/support.ts';
import { openHarness } from './support/page.ts';

const FIXTURE = 'test/fixtures/hub/naver/splade-v3';
const MODEL = 'splade-web-test/ranged-bytes';
const HIDDEN = 160;
const INTERMEDIATE = 64;
const SLICES = 20;
const SLICE_MS = 15;

/** One answer of the hub: what was asked and how many body bytes were sent before it ended. */
interface Answer {
  path: string;
  range: string | undefined;
  status: number;
  sent: number;
  /** When the request came and when its answer ended (ms, server clock). */
  began: number;
  ended?: number;
}

// Made in beforeAll, not at load: Playwright loads this file in its runner process too, which runs no hooks.
let work = '';
let repo = '';
let server: Server;
let hubUrl = '';
const answers: Answer[] = [];

/** A BERT MLM of naver/splade-v3's layout at HIDDEN wide, one layer, tensors in name order (as the hub's files are). */
function writeModel(): void {
  mkdirSync(repo, { recursive: true });
  for (const file of ['tokenizer.json', 'tokenizer_config.json', 'special_tokens_map.json', 'vocab.txt'])
    copyFileSync(join(FIXTURE, file), join(repo, file));
  const config = JSON.parse(readFileSync(join(FIXTURE, 'config.json'), 'utf8')) as Record<string, unknown>;
  Object.assign(config, { hidden_size: HIDDEN, intermediate_size: INTERMEDIATE, num_hidden_layers: 1 });
  writeFileSync(join(repo, 'config.json'), JSON.stringify(config, null, 2));
  const vocab = config['vocab_size'] as number;
  const random = mulberry32(7);
  const tensor = (...shape: number[]) => {
    const data = new Float32Array(shape.reduce((a, b) => a * b, 1));
    for (let k = 0; k < data.length; k++) data[k] = (random() - 0.5) * 0.04;
    return { shape, data };
  };
  const norm = (prefix: string) => ({ [`${prefix}.bias`]: tensor(HIDDEN), [`${prefix}.weight`]: tensor(HIDDEN) });
  const dense = (prefix: string, out: number, inp: number) => ({
    [`${prefix}.bias`]: tensor(out),
    [`${prefix}.weight`]: tensor(out, inp),
  });
  const layer = 'bert.encoder.layer.0';
  const tensors = {
    ...norm('bert.embeddings.LayerNorm'),
    'bert.embeddings.position_embeddings.weight': tensor(config['max_position_embeddings'] as number, HIDDEN),
    'bert.embeddings.token_type_embeddings.weight': tensor(2, HIDDEN),
    'bert.embeddings.word_embeddings.weight': tensor(vocab, HIDDEN),
    ...norm(`${layer}.attention.output.LayerNorm`),
    ...dense(`${layer}.attention.output.dense`, HIDDEN, HIDDEN),
    ...dense(`${layer}.attention.self.key`, HIDDEN, HIDDEN),
    ...dense(`${layer}.attention.self.query`, HIDDEN, HIDDEN),
    ...dense(`${layer}.attention.self.value`, HIDDEN, HIDDEN),
    ...dense(`${layer}.intermediate.dense`, INTERMEDIATE, HIDDEN),
    ...norm(`${layer}.output.LayerNorm`),
    ...dense(`${layer}.output.dense`, HIDDEN, INTERMEDIATE),
    'cls.predictions.bias': tensor(vocab),
    ...norm('cls.predictions.transform.LayerNorm'),
    ...dense('cls.predictions.transform.dense', HIDDEN, HIDDEN),
  };
  writeFileSync(join(repo, 'model.safetensors'), writeSafetensors(tensors));
}

/**
 * The hub's file URLs over `work` (/<owner>/<name>/resolve/<revision>/<path>), with CORS as the hub
 * sends it (the page is on another origin), an ETag, and one byte range answered with 206.
 */
function serveHub(): Promise<void> {
  server = createServer((req, res) => {
    res.setHeader('access-control-allow-origin', '*');
    res.setHeader('access-control-expose-headers', 'etag, content-length, content-range, accept-ranges');
    if (req.method === 'OPTIONS') {
      res.setHeader('access-control-allow-headers', 'range, if-none-match');
      res.writeHead(204).end();
      return;
    }
    const match = /^\/([^/]+)\/([^/]+)\/resolve\/[^/]+\/(.+)$/.exec((req.url ?? '').split('?')[0]!);
    const path = match ? decodeURIComponent(match[3]!) : '';
    const file = match ? join(work, decodeURIComponent(match[1]!), decodeURIComponent(match[2]!), path) : '';
    if (!match || path.includes('..') || !statSync(file, { throwIfNoEntry: false })?.isFile()) {
      res.writeHead(404).end('Entry not found');
      return;
    }
    const body = readFileSync(file);
    const etag = `"${createHash('sha1').update(body).digest('hex')}"`;
    res.setHeader('etag', etag);
    res.setHeader('accept-ranges', 'bytes');
    res.setHeader('content-type', 'application/octet-stream');
    const answer: Answer = { path, range: req.headers.range, status: 200, sent: 0, began: Date.now() };
    answers.push(answer);
    res.on('close', () => (answer.ended = Date.now()));
    if (req.headers['if-none-match'] === etag) {
      answer.status = 304;
      res.writeHead(304).end();
      return;
    }
    let [begin, end] = [0, body.length];
    const range = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? '');
    if (range) {
      begin = Number(range[1]);
      end = Math.min(range[2] ? Number(range[2]) + 1 : body.length, body.length);
      answer.status = 206;
      res.setHeader('content-range', `bytes ${begin}-${end - 1}/${body.length}`);
    }
    res.writeHead(answer.status, { 'content-length': String(end - begin) });
    // In slices, so that an answer takes a while (>= 285 ms) and the next request comes meanwhile;
    // an answer the browser drops stops being sent when its connection closes.
    const slice = Math.max(1, Math.ceil((end - begin) / SLICES));
    const send = () => {
      if (res.destroyed) return;
      if (begin >= end) return void res.end();
      const next = Math.min(end, begin + slice);
      res.write(body.subarray(begin, next));
      answer.sent += next - begin;
      begin = next;
      setTimeout(send, SLICE_MS);
    };
    send();
  });
  return new Promise((ok) =>
    server.listen(0, '127.0.0.1', () => {
      hubUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      ok();
    }),
  );
}

test.beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'splade-ranged-bytes-'));
  repo = join(work, ...MODEL.split('/'));
  writeModel();
  await serveHub();
});

test.afterAll(async () => {
  server.closeAllConnections();
  await new Promise((done) => server.close(done));
  rmSync(work, { recursive: true, force: true });
});

test('wasm: a safetensors model loaded by hub id is sent each byte of its weights once, with prefetches in flight', async ({
  page,
}) => {
  await openHarness(page);
  const loaded = await page.evaluate(
    async ({ model, hubUrl }) => {
      const done: Record<string, number> = {};
      // cache: false turns off the library's caches (Cache API, built graphs), not the browser's HTTP cache.
      const encoder = await window.splade.SparseEncoder.fromPretrained(model, {
        hubUrl,
        device: 'wasm',
        cache: false,
        onProgress: (event: { status: string; file: string; bytes: number }) => {
          if (event.status === 'done') done[event.file] = (done[event.file] ?? 0) + event.bytes;
        },
      });
      const built = encoder.spec.document.built?.architecture as string | undefined;
      await encoder.dispose();
      return { done, built };
    },
    { model: MODEL, hubUrl },
  );
  expect(loaded.built).toBe('BertForMaskedLM'); // built from the safetensors by range, not an ONNX file

  const size = statSync(join(repo, 'model.safetensors')).size;
  const weights = answers.filter((a) => a.path === 'model.safetensors');
  const sent = weights.reduce((n, a) => n + a.sent, 0);
  const spans = weights.map((a) => {
    const [, first, last] = /^bytes=(\d+)-(\d+)$/.exec(a.range ?? '') ?? [];
    return { range: a.range, begin: Number(first), end: Number(last) + 1 };
  });
  console.log(
    `model.safetensors (${size} bytes): ${weights.length} requests, ${sent} bytes sent, ` +
      `${loaded.done['model.safetensors']} counted by the loader; ${spans.map((s) => s.range).join(', ')}`,
  );
  // Read by range only (never downloaded whole), every answer a 206 of exactly what was asked.
  expect(weights.map((a) => a.status)).toEqual(weights.map(() => 206));
  expect(spans.every((s) => Number.isSafeInteger(s.begin) && s.end > s.begin)).toBe(true);
  // The case this guards: a request made while an answer for the same file was still arriving.
  const overlapped = weights.filter((b, k) => weights.some((a, j) => j < k && (a.ended ?? Infinity) > b.began));
  expect(overlapped.length).toBeGreaterThan(0);
  // No range asked twice, and no two ranges sharing a byte: the first 8 bytes (the header's length)
  // and the header are read once each, then tensors, so the bytes sent are at most the file's size.
  const sorted = [...spans].sort((a, b) => a.begin - b.begin);
  const shared = sorted.filter((s, k) => k > 0 && s.begin < sorted[k - 1]!.end).map((s) => s.range);
  expect(shared).toEqual([]);
  expect(sent).toBeLessThanOrEqual(size);
  expect(sent).toBe(spans.reduce((n, s) => n + s.end - s.begin, 0));
  // And what the loader reports is what was sent.
  expect(loaded.done['model.safetensors']).toBe(sent);
});
