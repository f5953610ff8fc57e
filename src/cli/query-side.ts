/**
 * The build's query-side stage: what a built site's browser needs to turn a query into a vector,
 * apart from the index. An inference-free model (static query weights) gets the sharded WordPiece
 * tokenizer with its weights (tok/, src/site/wordpiece-format.ts); a symmetric one (queries through
 * the masked-LM too) gets its model files in a content-hashed folder (model.<hash>/), the encoder
 * module (splade-encoder.<hash>.js, onnxruntime-web inside) and onnxruntime-web's .mjs and .wasm.
 * It runs before encoding, so a model the browser side cannot serve is refused in seconds, not
 * after minutes of encoding a large site.
 */
import { existsSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { SpladeError } from '../errors.ts';
import { loadModelSpec, readJson } from '../model/layout.ts';
import { openModelSource, type ModelFiles } from '../model/source.ts';
import type { SparseEncoder } from '../node.ts';
import { nodeRuntime } from '../runtime/node.ts';
import type { SiteEntry } from '../site/site.ts';
import { writeWordPiece, type TokenizerJson, type WordPieceConfig } from '../site/wordpiece-format.ts';
import { sha256 } from './content-hash.ts';
import { encoderBundle, ortRuntimeFiles } from './runtime-bundle.ts';
import { ORT_RUNTIME_BASENAME } from '../runtime/ort-files.ts';

/** Vocabulary shards of the query tokenizer (a query of a few words loads a handful). */
const TOKENIZER_SHARDS = 256;

export interface QuerySide {
  /** What the site entry says about queries. */
  query: SiteEntry['query'];
  /** Its files, by name relative to the index folder. */
  files: Map<string, Uint8Array>;
  /** The static query tokenizer's config (inference-free models): the site's words are split by it. */
  wordpiece?: WordPieceConfig;
}

/**
 * The query side's cost. `static`: the sharded tokenizer (a query loads only the shards of its words).
 * `model`: the encoder module, onnxruntime-web's runtime and the model folder, all loaded by the first
 * search (then cached); `gzip` is what a host serving gzip sends (the .wasm and .onnx included).
 */
export interface QuerySideBytes {
  kind: 'static' | 'model';
  files: number;
  bytes: number;
  gzip: number;
  /** Per part: static `tokenizer`; model `encoder`, `runtime` (ORT), `model`. */
  parts: { name: string; files: number; bytes: number; gzip: number }[];
}

/**
 * The query side of `encoder` (loaded from `source`, as the user named it): the sharded WordPiece
 * for an inference-free model, the model folder, encoder module and ORT files for a symmetric one.
 * Refuses a model whose documents are not encoded by a transformer.
 */
export async function querySide(
  encoder: SparseEncoder,
  source: string,
  hub: { hubUrl?: string } = {},
): Promise<QuerySide> {
  const { query: route, document } = encoder.spec;
  if (document.kind !== 'mlm') {
    throw new SpladeError(
      'unsupported-module',
      `the model ${source} encodes documents with a static table (SparseStaticEmbedding), not a transformer; ` +
        'splade-web build accepts inference-free models (queries: SparseStaticEmbedding, documents: ' +
        'MLMTransformer -> SpladePooling) and symmetric ones ' +
        '(MLMTransformer -> SpladePooling for queries and documents)',
      { file: 'modules.json' },
    );
  }
  if (route.kind === 'mlm') return modelQuerySide(source, hub);
  const files = openModelSource(source, { ...hub, readLocalFile: nodeRuntime.readLocalFile! });
  const dirs = route.dir ? [route.dir, ''] : [''];
  let tokenizerJson: TokenizerJson | undefined;
  let config: Record<string, unknown> = {};
  for (const dir of dirs) {
    const p = dir ? `${dir}/tokenizer.json` : 'tokenizer.json';
    tokenizerJson = (await readJson(files, p, false)) as TokenizerJson | undefined;
    if (tokenizerJson) {
      const configFile = dir ? `${dir}/tokenizer_config.json` : 'tokenizer_config.json';
      config = ((await readJson(files, configFile, false)) ?? {}) as Record<string, unknown>;
      break;
    }
  }
  const tok = writeWordPiece(
    { tokenizer: tokenizerJson, tokenizerConfig: config, weights: route.weights, model: source },
    { shards: TOKENIZER_SHARDS, hash: sha256 },
  );
  const wordpiece = JSON.parse(new TextDecoder().decode(tok.files.get(tok.config))) as WordPieceConfig;
  return { query: { kind: 'static', tokenizer: tok.config }, files: tok.files, wordpiece };
}

/** Files a loader reads of a model folder, recorded as it reads them (those it found). */
function recordingFiles(files: ModelFiles, read: Map<string, Uint8Array>): ModelFiles {
  return {
    description: files.description,
    async read(path) {
      const bytes = await files.read(path);
      if (bytes) read.set(path, bytes);
      return bytes;
    },
  };
}

/**
 * A symmetric model's query side: the files the browser loader reads (found by running the loader
 * on the model and recording what it read: modules.json, the configs, the tokenizer, the pooling
 * config, the ONNX file), plus special_tokens_map.json beside the tokenizer, in
 * `model.<hash>/` (hash of every path and byte, so the folder caches forever); the encoder module
 * `splade-encoder.<hash>.js`; and onnxruntime-web's Emscripten module and WebAssembly, content-hashed.
 */
async function modelQuerySide(source: string, hub: { hubUrl?: string }): Promise<QuerySide> {
  const written = new Map<string, Uint8Array>();
  const modelFiles = openModelSource(existsSync(source) ? resolve(source) : source, {
    ...hub,
    readLocalFile: nodeRuntime.readLocalFile!,
  });
  const read = new Map<string, Uint8Array>();
  const spec = await loadModelSpec(recordingFiles(modelFiles, read));
  for (const route of [spec.query, spec.document]) {
    const extra = route.dir ? `${route.dir}/special_tokens_map.json` : 'special_tokens_map.json';
    const bytes = read.has(extra) ? undefined : await modelFiles.read(extra);
    if (bytes) read.set(extra, bytes);
  }
  const paths = [...read.keys()].sort();
  const h = createHash('sha256');
  for (const p of paths) h.update(`${p}\0${read.get(p)!.length}\0`).update(read.get(p)!);
  const model = `model.${h.digest('hex').slice(0, 16)}/`;
  for (const p of paths) written.set(model + p, read.get(p)!);
  const encoderBytes = await encoderBundle();
  const encoder = `splade-encoder.${sha256(encoderBytes).slice(0, 16)}.js`;
  written.set(encoder, encoderBytes);
  const ort = await ortRuntimeFiles();
  const runtime = {
    mjs: `${ORT_RUNTIME_BASENAME}.${sha256(ort.mjs).slice(0, 16)}.mjs`,
    wasm: `${ORT_RUNTIME_BASENAME}.${sha256(ort.wasm).slice(0, 16)}.wasm`,
  };
  written.set(runtime.mjs, ort.mjs);
  written.set(runtime.wasm, ort.wasm);
  return { query: { kind: 'model', model, encoder, runtime }, files: written };
}

/** What the query side costs a browser, by part, raw and gzipped. */
export function querySideBytes({ query, files }: QuerySide): QuerySideBytes {
  const partOf = (name: string): string => {
    if (query.kind === 'static') return 'tokenizer';
    if (name === query.encoder) return 'encoder';
    if (name === query.runtime?.mjs || name === query.runtime?.wasm) return 'runtime';
    return 'model';
  };
  const parts = new Map<string, QuerySideBytes['parts'][number]>();
  for (const [name, data] of files) {
    const key = partOf(name);
    const part = parts.get(key) ?? { name: key, files: 0, bytes: 0, gzip: 0 };
    part.files++;
    part.bytes += data.length;
    part.gzip += gzipSync(data).length;
    parts.set(key, part);
  }
  const list = [...parts.values()];
  const sum = (of: (p: (typeof list)[number]) => number) => list.reduce((n, p) => n + of(p), 0);
  return { kind: query.kind, files: files.size, bytes: sum((p) => p.bytes), gzip: sum((p) => p.gzip), parts: list };
}
