/**
 * `splade-web build` with a symmetric model (public/models/splade-tiny-ko: queries and documents
 * both through the masked-LM): the entry names a content-hashed model folder holding exactly the
 * files the loader reads (plus special_tokens_map.json), the encoder module and onnxruntime-web's
 * runtime files, all content-hashed; the query side's bytes are reported apart from the index;
 * splade.js stays free of onnxruntime; and a model that is neither inference-free nor symmetric is
 * refused before anything is encoded, with the previous output intact.
 */
import { spawnSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { build, type BuildSummary } from '../src/cli/build.ts';
import { SpladeError } from '../src/errors.ts';
import type { SiteEntry, ModelQuery } from '../src/site/site.ts';

const MODEL = 'public/models/splade-tiny-ko';
const work = mkdtempSync(join(tmpdir(), 'splade-docs-model-'));
const site = join(work, 'site');
const out = join(work, 'out');
let summary: BuildSummary;
let entry: SiteEntry;

const page = (title: string, sections: [string, string, string][]) =>
  `<!DOCTYPE html><html lang="ko"><head><meta charset="utf-8"><title>${title}</title></head><body><nav>탐색 메뉴</nav><main><h1>${title}</h1>${sections.map(([id, h, p]) => `<h2 id="${id}">${h}</h2><p>${p}</p>`).join('')}</main></body></html>`;

const filesUnder = (dir: string) =>
  readdirSync(dir, { recursive: true })
    .map(String)
    .filter((n) => statSync(join(dir, n)).isFile())
    .sort();

beforeAll(async () => {
  mkdirSync(join(site, 'tools'), { recursive: true });
  writeFileSync(
    join(site, 'layers.html'),
    page('레이어', [
      ['new', '새 레이어 만들기', '레이어 메뉴에서 새 레이어를 만들고 이름과 크기를 정합니다.'],
      ['mask', '레이어 마스크', '마스크를 추가하면 레이어의 일부를 투명하게 만들 수 있습니다.'],
    ]),
  );
  writeFileSync(
    join(site, 'tools', 'crop.html'),
    page('자르기 도구', [
      ['use', '이미지 자르기', '자르기 도구로 이미지의 가장자리를 잘라 냅니다.'],
      ['keys', '단축키', 'Shift+C 를 누르면 자르기 도구가 선택됩니다.'],
    ]),
  );
  summary = await build({ site, out, model: MODEL, cache: join(work, 'cache') });
  entry = JSON.parse(readFileSync(join(out, 'splade-entry.json'), 'utf8')) as SiteEntry;
}, 300_000);
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('build with a symmetric model', () => {
  it('names a model query side in the entry: model folder, encoder module, ORT runtime, all content-hashed', () => {
    expect(summary.pages).toBe(2);
    expect(entry.query.kind).toBe('model');
    const q = entry.query as ModelQuery;
    expect(q.model).toMatch(/^model\.[0-9a-f]{16}\/$/);
    expect(q.encoder).toMatch(/^splade-encoder\.[0-9a-f]{16}\.js$/);
    expect(q.runtime.mjs).toMatch(/^ort-wasm-simd-threaded\.asyncify\.[0-9a-f]{16}\.mjs$/);
    expect(q.runtime.wasm).toMatch(/^ort-wasm-simd-threaded\.asyncify\.[0-9a-f]{16}\.wasm$/);
    for (const f of [q.encoder, q.runtime.mjs, q.runtime.wasm]) expect(existsSync(join(out, f))).toBe(true);
    // Buffer.equals, not toEqual: a deep comparison of 28 MB element by element runs out of memory.
    expect(
      readFileSync(join(out, q.runtime.wasm)).equals(
        readFileSync('node_modules/onnxruntime-web/dist/ort-wasm-simd-threaded.asyncify.wasm'),
      ),
    ).toBe(true);
    // Everything but the two fixed names is content-hashed (a file's name, or its folder's).
    for (const n of filesUnder(out).filter((n) => !['splade.js', 'splade-search.js', 'splade-entry.json'].includes(n)))
      expect(n).toMatch(/(\.[0-9a-f]{12,16}\.[a-z]+$)|(^(model|index)\.[0-9a-f]{16}\/)/);
  });

  it('copies exactly the model files the loader reads (and special_tokens_map.json), byte for byte', () => {
    const q = entry.query as ModelQuery;
    const copied = filesUnder(join(out, q.model));
    expect(copied).toEqual([
      '1_SpladePooling/config.json',
      'config.json',
      'config_sentence_transformers.json',
      'modules.json',
      'onnx/model.onnx',
      'sentence_bert_config.json',
      'special_tokens_map.json',
      'tokenizer.json',
      'tokenizer_config.json',
    ]);
    for (const f of copied)
      expect(readFileSync(join(out, q.model, f)).equals(readFileSync(join(MODEL, f))), f).toBe(true);
  });

  it('reports the query side apart from the index: encoder, runtime and model, raw and gzip', () => {
    const q = entry.query as ModelQuery;
    const s = summary.querySide;
    expect(s.kind).toBe('model');
    const part = (name: string) => s.parts.find((p) => p.name === name)!;
    expect(part('encoder').bytes).toBe(statSync(join(out, q.encoder)).size);
    expect(part('runtime').bytes).toBe(
      statSync(join(out, q.runtime.mjs)).size + statSync(join(out, q.runtime.wasm)).size,
    );
    const modelFiles = filesUnder(join(out, q.model));
    expect(part('model').files).toBe(modelFiles.length);
    expect(part('model').bytes).toBe(modelFiles.reduce((n, f) => n + statSync(join(out, q.model, f)).size, 0));
    expect(part('encoder').gzip).toBe(gzipSync(readFileSync(join(out, q.encoder))).length);
    expect(s.bytes).toBe(s.parts.reduce((n, p) => n + p.bytes, 0));
    expect(s.gzip).toBeLessThan(s.bytes);
    // Index + query side + splade.js + the widget's script = everything written.
    expect(
      summary.indexBytes +
        s.bytes +
        statSync(join(out, 'splade.js')).size +
        statSync(join(out, 'splade-search.js')).size,
    ).toBe(summary.bytes);
    expect(summary.indexBytes).toBeLessThan(s.bytes);
  });

  it('keeps onnxruntime out of splade.js; the encoder module is self-contained', () => {
    const runtime = readFileSync(join(out, 'splade.js'), 'utf8');
    expect(runtime).not.toMatch(/onnxruntime|InferenceSession/);
    // ~30 KB gzipped (the engine's read side, the page search, the sharded tokenizer): onnxruntime
    // inside would be hundreds of KB.
    expect(gzipSync(runtime).length).toBeLessThan(32_000);
    const encoder = readFileSync(join(out, (entry.query as ModelQuery).encoder), 'utf8');
    expect(encoder).toMatch(/export\s*\{[^}]*loadQueryEncoder/);
    // No static or dynamic import of a bare specifier: a static site has no bundler.
    expect(encoder).not.toMatch(/(?:^|[;\s])import\s*(?:[\w*{][^'"]*from\s*)?["'](?![./])/m);
    expect(encoder).not.toMatch(/import\(\s*["'](?![./])/);
    // The 28 MB WebAssembly ships as its own file, never inlined.
    expect(encoder.length).toBeLessThan(2_000_000);
  });

  it('a changed model file gives another model folder', async () => {
    const copy = join(work, 'model-copy');
    cpSync(MODEL, copy, { recursive: true });
    const config = join(copy, 'tokenizer_config.json');
    writeFileSync(config, `${readFileSync(config, 'utf8').trimEnd()}\n\n`);
    const other = await build({ site, out: join(work, 'out-copy'), model: copy, cache: join(work, 'cache') });
    const q = JSON.parse(readFileSync(join(other.out, 'splade-entry.json'), 'utf8')).query as ModelQuery;
    expect(q.model).not.toBe((entry.query as ModelQuery).model);
    expect(q.encoder).toBe((entry.query as ModelQuery).encoder);
    expect(other.encoded).toBe(0); // the vectors depend on the ONNX bytes and settings, not on this file
  }, 120_000);

  it('the command prints the query side bytes apart from the index', () => {
    const r = spawnSync(
      process.execPath,
      ['src/cli/bin.mjs', 'build', site, '--out', out, '--model', MODEL, '--cache', join(work, 'cache')],
      { encoding: 'utf8', timeout: 120_000 },
    );
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^ {2}index: \d+ KiB/m);
    expect(r.stdout).toMatch(
      /^ {2}query side \(model, loaded by the first search, then cached\): .*encoder [\d.]+ KiB.*runtime [\d.]+ MiB.* = [\d.]+ MiB raw, [\d.]+ MiB gzip$/m,
    );
  }, 120_000);
});

describe('a model that is neither inference-free nor symmetric', () => {
  it('is refused before encoding, naming what is accepted, the previous output intact', async () => {
    // A static table on both sides: documents cannot be encoded by the transformer.
    const model = join(work, 'static-only');
    cpSync(
      'public/models/splade-tiny-en-if/query_0_SparseStaticEmbedding',
      join(model, 'query_0_SparseStaticEmbedding'),
      { recursive: true },
    );
    writeFileSync(
      join(model, 'modules.json'),
      JSON.stringify([
        {
          idx: 0,
          name: '0',
          path: 'query_0_SparseStaticEmbedding',
          type: 'sentence_transformers.sparse_encoder.models.SparseStaticEmbedding',
        },
      ]),
    );
    const before = readFileSync(join(out, 'splade-entry.json'), 'utf8');
    const cache = join(work, 'cache-refused');
    const error = await build({ site, out, model, cache }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SpladeError);
    expect((error as SpladeError).code).toBe('unsupported-module');
    expect((error as Error).message).toMatch(
      /encodes documents with a static table .*accepts inference-free models .* and symmetric ones/,
    );
    expect(readFileSync(join(out, 'splade-entry.json'), 'utf8')).toBe(before);
    expect(existsSync(cache) ? readdirSync(cache) : []).toEqual([]);
  });
});
