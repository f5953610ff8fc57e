/**
 * `splade-web build <site> --out <dir>`: a site's built HTML (and Markdown) -> sections -> vectors
 * (onnxruntime-node; cached by text hash and model, so a rebuild encodes only what changed) -> an
 * index (the engine itself, in memory) -> pack files, the query runtime and a small entry file in
 * <dir>. The new folder is written beside the old one and swapped in only once complete.
 *
 * The query side depends on the model: an inference-free one (static query weights) gets the
 * sharded WordPiece tokenizer with its weights (tok/); a symmetric one (queries through the
 * masked-LM too) gets its model files in a content-hashed folder (model.<hash>/), the encoder module
 * (splade-encoder.<hash>.js, onnxruntime-web inside) and onnxruntime-web's .mjs and .wasm. Either
 * way, only splade.js, splade-search.js and splade-entry.json keep fixed names; everything else is content-hashed.
 */
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { existsSync } from 'node:fs';
import { mkdir, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SpladeError } from '../errors.ts';
import { SparseIndex, type IndexDocument } from '../index/engine/sparse-index.ts';
import { MANIFEST_KEY, checkManifest } from '../index/format/manifest.ts';
import { paginateSegments } from '../index/format/pages.ts';
import { rechunkSegments } from '../index/format/rechunk.ts';
import { sealJson, unsealJson } from '../index/format/records.ts';
import { openMemoryStore } from '../index/store/memory.ts';
import { planPacks } from '../index/store/pack.ts';
import { loadModelSpec, readJson } from '../model/layout.ts';
import { openModelSource, type ModelFiles } from '../model/source.ts';
import { SparseEncoder } from '../node.ts';
import { ENTRY_FILE, SITE_FORMAT, SITE_VERSION, type SiteEntry } from '../site/site.ts';
import { writeWordPiece, type TokenizerJson } from '../site/wordpiece-format.ts';
import { nodeRuntime } from '../runtime/node.ts';
import { collectSections } from './collect.ts';
import { encoderBundle, ortRuntimeFiles, runtimeBundle, widgetBundle } from './runtime-bundle.ts';
import { VectorCache } from './vector-cache.ts';

/** The bundled inference-free English model, from the package's own files. */
export const DEFAULT_MODEL = fileURLToPath(new URL('../../public/models/splade-tiny-en-if', import.meta.url));
/** Vocabulary shards of the query tokenizer (a query of a few words loads a handful). */
const TOKENIZER_SHARDS = 256;
/** Posting chunk files: about this size, or larger so that a big site keeps under ~2000 of them. */
const MIN_CHUNK_BYTES = 4096;
/** Terms per dictionary page (20 bytes each: a page is about 5 KB, 2 KB gzipped). */
const DICTIONARY_PAGE_TERMS = 256;
/** Sections per metadata page (ids, urls, titles, heading paths). */
const METADATA_PAGE_DOCS = 64;
const MAX_CHUNK_FILES = 2000;

export interface BuildOptions {
  site: string;
  out: string;
  model?: string;
  /** Where vectors are cached between builds (default: <out>/../.splade-web-cache). */
  cache?: string;
  /** URL prefix of the site's pages (default "/"). */
  baseUrl?: string;
  batchSize?: number;
  /** Smallest posting chunk file (default 4 KiB; tests use small ones to see what a query fetches). */
  chunkBytes?: number;
  /** Progress and messages; `progress` draws a bar when given (a TTY). */
  log?: (line: string) => void;
  progress?: (done: number, total: number) => void;
}

export interface BuildSummary {
  pages: number;
  sections: number;
  skipped: { file: string; why: string }[];
  warnings: string[];
  encoded: number;
  reused: number;
  encodeSeconds: number;
  seconds: number;
  /** Files written and their bytes, everything included. */
  files: number;
  bytes: number;
  /** The index alone (pack files, directory, entry), without the query runtime and query side. */
  indexBytes: number;
  /** What the browser loads to encode queries, apart from the index. */
  querySide: QuerySideBytes;
  out: string;
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

export async function build(options: BuildOptions): Promise<BuildSummary> {
  const started = performance.now();
  const log = options.log ?? (() => {});
  const site = resolve(options.site);
  const out = resolve(options.out);
  const info = await stat(site).catch(() => undefined);
  if (!info) throw new SpladeError('invalid-input', `the site folder ${options.site} does not exist; pass the folder of the site's built HTML`);
  if (!info.isDirectory()) throw new SpladeError('invalid-input', `${options.site} is not a folder; pass the folder of the site's built HTML (or Markdown)`);
  const baseUrl = (options.baseUrl ?? '/').replace(/\/?$/, '/');

  // 1. Pages -> sections, cut into passages by the model's own tokenizer.
  const files = await siteFiles(site, out);
  if (files.length === 0) throw new SpladeError('invalid-input', `${options.site} holds no .html, .htm or .md files; pass the folder of the site's built pages`);
  const modelSource = options.model ?? DEFAULT_MODEL;
  const encoder = await loadEncoder(modelSource);
  try {
    const tokenizer = encoder.spec.document.tokenizer;
    const { docs, pages, skipped, warnings } = await collectSections(site, files, baseUrl, (texts) => texts.map((t) => tokenizer.contentIds(t).length));
    if (docs.length === 0) {
      throw new SpladeError('invalid-input', `no page of ${options.site} has text to index (${skipped.length} skipped: ${skipped.slice(0, 3).map((s) => `${s.file} ${s.why}`).join('; ')}${skipped.length > 3 ? '; ...' : ''})`);
    }
    log(`${pages} pages, ${docs.length} sections${skipped.length ? `, ${skipped.length} files skipped` : ''}`);

    // 2. Sections -> vectors, from the cache where the text and the model are the same.
    // The query side first: a model the browser side cannot serve is refused before encoding
    // (minutes on a large site), not after.
    const queryWritten = new Map<string, Uint8Array>();
    const query = await queryFiles(encoder, modelSource, queryWritten);
    const modelKey = modelKeyOf(encoder);
    const cacheDir = resolve(options.cache ?? join(dirname(out), '.splade-web-cache'));
    const cache = await VectorCache.open(cacheDir, modelKey);
    const missing = [...new Set(docs.map((d) => d.text).filter((t) => !cache.has(t)))];
    // Sections whose vector a previous build left in the cache (repeated texts within the site are not).
    const fromCache = docs.filter((d) => cache.has(d.text)).length;
    const encodeStart = performance.now();
    const batch = Math.max(1, options.batchSize ?? 64);
    for (let k = 0; k < missing.length; k += batch) {
      const texts = missing.slice(k, k + batch);
      const vectors = await encoder.encodeDocument(texts, { spans: true, batchSize: 16 });
      texts.forEach((t, j) => cache.set(t, vectors[j]!));
      options.progress?.(Math.min(k + batch, missing.length), missing.length);
    }
    const encodeSeconds = (performance.now() - encodeStart) / 1000;
    if (missing.length) log(`encoded ${missing.length} sections in ${encodeSeconds.toFixed(1)} s (${(missing.length / Math.max(encodeSeconds, 1e-9)).toFixed(1)}/s); ${fromCache} from the cache${docs.length - fromCache - missing.length ? `, ${docs.length - fromCache - missing.length} repeating another section's text` : ''}`);
    else log(`all ${docs.length} sections from the cache (nothing changed)`);

    // 3. The index, built by the engine in memory, then packed.
    const memory = openMemoryStore();
    const index = await SparseIndex.openStore(memory, { name: 'site', model: modelSource });
    const indexDocs: IndexDocument[] = docs.map((d) => ({ id: d.id, text: d.text, fields: d.fields, vector: cache.get(d.text)! }));
    await index.add(indexDocs);
    await index.dispose();
    const values = memory.entries();
    const manifest = checkManifest(unsealJson(values.get(MANIFEST_KEY), MANIFEST_KEY), 'the built index');
    const postingBytes = manifest.segments.reduce((n, s) => n + s.bytes, 0);
    const target = Math.max(options.chunkBytes ?? MIN_CHUNK_BYTES, Math.ceil(postingBytes / MAX_CHUNK_FILES));
    const re = rechunkSegments(manifest, (k) => values.get(k), target);
    for (const k of re.removed) values.delete(k);
    for (const [k, v] of re.values) values.set(k, v);
    // Dictionary and metadata in small pages: a cold query fetches the entries of its own terms and
    // the metadata of the hits it shows, not the whole dictionary and metadata (format/pages.ts).
    const paged = paginateSegments(re.manifest, (k) => values.get(k), { dictionaryTerms: DICTIONARY_PAGE_TERMS, metadataDocs: METADATA_PAGE_DOCS });
    for (const k of paged.removed) values.delete(k);
    for (const [k, v] of paged.values) values.set(k, v);
    values.set(MANIFEST_KEY, sealJson(paged.manifest));
    const plan = planPacks(values, { hash: sha256 });

    // 4. The output folder, complete, then swapped in.
    const temporary = `${out}.building-${process.pid}`;
    await rm(temporary, { recursive: true, force: true });
    await mkdir(temporary, { recursive: true });
    const written = new Map<string, Uint8Array>(plan.files);
    const directoryBytes = json(plan.directory);
    const directoryName = `dir.${sha256(directoryBytes).slice(0, 16)}.json`;
    written.set(directoryName, directoryBytes);
    const entry: SiteEntry = { format: SITE_FORMAT, version: SITE_VERSION, model: modelLabel(modelSource), directory: directoryName, query, pages, sections: docs.length };
    written.set(ENTRY_FILE, json(entry));
    let indexBytes = 0;
    for (const data of written.values()) indexBytes += data.length;
    written.set('splade.js', await runtimeBundle());
    // The <splade-search> element: one script tag and one element give a site its search box.
    written.set('splade-search.js', await widgetBundle());
    for (const [name, data] of queryWritten) written.set(name, data);
    const querySide = querySideBytes(query, queryWritten);
    let bytes = 0;
    for (const [name, data] of written) {
      await mkdir(dirname(join(temporary, name)), { recursive: true });
      await writeFile(join(temporary, name), data);
      bytes += data.length;
    }
    await swap(temporary, out);
    await cache.save(new Set(docs.map((d) => d.text)));
    const summary: BuildSummary = { pages, sections: docs.length, skipped, warnings, encoded: missing.length, reused: fromCache, encodeSeconds, seconds: (performance.now() - started) / 1000, files: written.size, bytes, indexBytes, querySide, out };
    return summary;
  } finally {
    await encoder.dispose();
  }
}

async function loadEncoder(source: string): Promise<SparseEncoder> {
  try {
    // A folder on disk, however it is written ("models/x" too): the loader wants it absolute.
    return await SparseEncoder.fromPretrained(existsSync(source) ? resolve(source) : source);
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    throw new SpladeError(error instanceof SpladeError ? error.code : 'model-not-found', `the model ${source} could not be loaded: ${why}. Pass --model with a folder, URL or hub id of a SparseEncoder in the sentence-transformers layout`, { cause: error });
  }
}

/** What the vectors depend on: the document model's bytes and settings, not where it was read from. */
function modelKeyOf(encoder: SparseEncoder): string {
  const d = encoder.spec.document;
  const h = createHash('sha256');
  h.update(JSON.stringify({ kind: d.kind, prompts: encoder.spec.prompts, pooling: d.kind === 'mlm' ? d.pooling : null, max: d.kind === 'mlm' ? d.maxSeqLength : null }));
  if (d.kind === 'mlm' && d.onnx) h.update(d.onnx);
  if (d.kind === 'static') h.update(new Uint8Array(d.weights.buffer, d.weights.byteOffset, d.weights.byteLength));
  return h.digest('hex').slice(0, 24);
}

function modelLabel(source: string): string {
  return source === DEFAULT_MODEL ? 'splade-tiny-en-if (bundled)' : basename(source) || source;
}

/**
 * The query side's files: for an inference-free model, the sharded WordPiece (config + shards);
 * for a symmetric one, the model folder and the encoder module.
 */
async function queryFiles(encoder: SparseEncoder, source: string, written: Map<string, Uint8Array>): Promise<SiteEntry['query']> {
  const { query: route, document } = encoder.spec;
  if (document.kind !== 'mlm') {
    throw new SpladeError('unsupported-module', `the model ${source} encodes documents with a static table (SparseStaticEmbedding), not a transformer; splade-web build accepts inference-free models (queries: SparseStaticEmbedding, documents: MLMTransformer -> SpladePooling) and symmetric ones (MLMTransformer -> SpladePooling for queries and documents)`, { file: 'modules.json' });
  }
  if (route.kind === 'mlm') return modelQueryFiles(source, written);
  const files = openModelSource(source, { readLocalFile: nodeRuntime.readLocalFile! });
  const dirs = route.dir ? [route.dir, ''] : [''];
  let tokenizerJson: TokenizerJson | undefined;
  let config: Record<string, unknown> = {};
  for (const dir of dirs) {
    const p = dir ? `${dir}/tokenizer.json` : 'tokenizer.json';
    tokenizerJson = (await readJson(files, p, false)) as TokenizerJson | undefined;
    if (tokenizerJson) {
      config = ((await readJson(files, dir ? `${dir}/tokenizer_config.json` : 'tokenizer_config.json', false)) ?? {}) as Record<string, unknown>;
      break;
    }
  }
  const tok = writeWordPiece(
    { tokenizer: tokenizerJson, tokenizerConfig: config, weights: route.weights, model: source },
    { shards: TOKENIZER_SHARDS, hash: sha256 },
  );
  for (const [name, bytes] of tok.files) written.set(name, bytes);
  return { kind: 'static', tokenizer: tok.config };
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
async function modelQueryFiles(source: string, written: Map<string, Uint8Array>): Promise<SiteEntry['query']> {
  const files = openModelSource(existsSync(source) ? resolve(source) : source, { readLocalFile: nodeRuntime.readLocalFile! });
  const read = new Map<string, Uint8Array>();
  const spec = await loadModelSpec(recordingFiles(files, read));
  for (const route of [spec.query, spec.document]) {
    const extra = route.dir ? `${route.dir}/special_tokens_map.json` : 'special_tokens_map.json';
    const bytes = read.has(extra) ? undefined : await files.read(extra);
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
    mjs: `ort-wasm-simd-threaded.jsep.${sha256(ort.mjs).slice(0, 16)}.mjs`,
    wasm: `ort-wasm-simd-threaded.jsep.${sha256(ort.wasm).slice(0, 16)}.wasm`,
  };
  written.set(runtime.mjs, ort.mjs);
  written.set(runtime.wasm, ort.wasm);
  return { kind: 'model', model, encoder, runtime };
}

function querySideBytes(query: SiteEntry['query'], files: Map<string, Uint8Array>): QuerySideBytes {
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
  return { kind: query.kind, files: files.size, bytes: list.reduce((n, p) => n + p.bytes, 0), gzip: list.reduce((n, p) => n + p.gzip, 0), parts: list };
}

/** Pages of the site: .html, .htm, .md, outside hidden folders, node_modules and the output folder. */
async function siteFiles(site: string, out: string): Promise<string[]> {
  const found: string[] = [];
  const walk = async (dir: string) => {
    const entries = await readdir(dir, { withFileTypes: true });
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      const path = join(dir, e.name);
      if (e.name.startsWith('.') || e.name === 'node_modules' || path === out || path.startsWith(`${out}.building-`)) continue;
      if (e.isDirectory()) await walk(path);
      else if (e.isFile() && /\.(html?|md)$/i.test(e.name)) found.push(path);
    }
  };
  await walk(site);
  return found;
}

/** Puts the complete new folder in place of the old one (which stays intact until then). */
async function swap(temporary: string, out: string): Promise<void> {
  await mkdir(dirname(out), { recursive: true });
  if (!existsSync(out)) {
    await rename(temporary, out);
    return;
  }
  const old = `${out}.old-${process.pid}`;
  await rm(old, { recursive: true, force: true });
  await rename(out, old);
  try {
    await rename(temporary, out);
  } catch (error) {
    await rename(old, out); // put the previous build back
    throw error;
  }
  await rm(old, { recursive: true, force: true });
}

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

function json(value: unknown): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(value));
}
