/**
 * `splade-web build <site> --out <dir>`: a site's built HTML (and Markdown) -> sections -> vectors
 * (onnxruntime-node; cached by text hash and model, so a rebuild encodes only what changed) -> an
 * index (the engine itself, in memory) -> pack files, the query runtime and a small entry file in
 * <dir>. The new folder is written beside the old one and swapped in only once complete.
 *
 * build() reads top-down, one stage per step, each in its own module:
 *   pages of the site (here) -> collectSections (collect.ts) -> querySide (query-side.ts)
 *   -> encodeSections (encode.ts, with the vector cache) -> packIndex (pack.ts) -> wordListFiles (words.ts)
 *   -> writeSite (write.ts)
 */
import { existsSync } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SpladeError } from '../errors.ts';
import { SparseEncoder } from '../node.ts';
import { collectSections, type CollectedSections } from './collect.ts';
import { defaultJobs, encodeSections } from './encode.ts';
import { packIndex } from './pack.ts';
import { querySide, querySideBytes, type QuerySideBytes } from './query-side.ts';
import { wordListBytes, wordListFiles } from './words.ts';
import { buildingPrefix, writeSite } from './write.ts';
import type { DtypeOption } from '../model/dtype.ts';

export type { QuerySideBytes } from './query-side.ts';

/** The bundled inference-free English model, from the package's own files. */
export const DEFAULT_MODEL = fileURLToPath(new URL('../../public/models/splade-tiny-en-if', import.meta.url));

export interface BuildOptions {
  site: string;
  out: string;
  model?: string;
  /** Base URL of the hub a hub-id `model` is downloaded from (default https://huggingface.co). */
  hubUrl?: string;
  /** Precision of the document model (src/model/dtype.ts); default 'auto'. Part of the vector cache key. */
  dtype?: DtypeOption;
  /** Where vectors are cached between builds (default: <out>/../.splade-web-cache). */
  cache?: string;
  /** URL prefix of the site's pages (default "/"). */
  baseUrl?: string;
  batchSize?: number;
  /**
   * Encoders at once, each a worker thread with its own model; 1 = this thread. Default: the cores,
   * or 1 for a graph that pools inside onnxruntime (encode.ts defaultJobs).
   */
  jobs?: number;
  /** Smallest posting chunk file (default 1 KiB; tests use small ones to see what a query fetches). */
  chunkBytes?: number;
  /** Sections per heads file of a page (default 32, pack.ts HEADS_PER_FILE; tests use small ones). */
  headsPerFile?: number;
  /**
   * Stops the build (the command line's Ctrl-C): the sections encoded so far are kept in the vector
   * cache, the output folder is left as it was, and the call rejects with an 'aborted' error.
   */
  signal?: AbortSignal;
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
  /** The site's word list (inference-free sites): words, files and their bytes (raw and gzipped). */
  words?: { words: number; files: number; bytes: number; gzip: number };
  out: string;
}

export async function build(options: BuildOptions): Promise<BuildSummary> {
  const started = performance.now();
  const log = options.log ?? (() => {});
  const pages = await sitePages(options);
  const modelSource = options.model ?? DEFAULT_MODEL;
  const hub = options.hubUrl ? { hubUrl: options.hubUrl } : {};
  const dtype = options.dtype ? { dtype: options.dtype } : {};
  const encoder = await loadEncoder(modelSource, { ...hub, ...dtype });
  try {
    // 1. Pages -> sections, cut into passages by the model's own tokenizer.
    const sections = await sectionsOf(pages, encoder, options.site);
    const { docs, skipped } = sections;
    log(`${sections.pages} pages, ${docs.length} sections${skipped.length ? `, ${skipped.length} files skipped` : ''}`);
    // 2. The query side first: a model the browser side cannot serve is refused before encoding
    // (minutes on a large site), not after.
    const query = await querySide(encoder, modelSource, hub);
    // 3. Sections -> vectors, from the cache where the text and the model are the same.
    const cacheDir = resolve(options.cache ?? join(dirname(pages.out), '.splade-web-cache'));
    const texts = docs.map((d) => d.text);
    const encoded = await encodeSections(encoder, texts, {
      cacheDir,
      log,
      progress: options.progress,
      ...(options.batchSize !== undefined ? { batchSize: options.batchSize } : {}),
      jobs: options.jobs ?? defaultJobs(encoder),
      signal: options.signal,
      // Workers load what loadEncoder loaded, with the same options.
      model: { source: existsSync(modelSource) ? resolve(modelSource) : modelSource, ...hub, ...dtype },
    });
    // 4. The index, built by the engine in memory, then packed.
    const packs = await packIndex(docs, (text) => encoded.cache.get(text), {
      model: modelSource,
      chunkBytes: options.chunkBytes,
      headsPerFile: options.headsPerFile,
      sectionsPerPage: sections.sectionsPerPage,
    });
    // 5. The words the sections hold, as the query tokenizer splits them (inference-free sites).
    const words = query.wordpiece ? wordListFiles(texts, query.wordpiece) : undefined;
    // 6. The output folder, complete, then swapped in; the cache keeps this build's vectors only.
    const written = await writeSite(pages.out, {
      packs,
      querySide: query,
      words,
      model: modelLabel(modelSource),
      pages: sections.pages,
      sections: docs.length,
    });
    await encoded.cache.save(new Set(texts));
    return {
      pages: sections.pages,
      sections: docs.length,
      skipped,
      warnings: sections.warnings,
      encoded: encoded.encoded,
      reused: encoded.reused,
      encodeSeconds: encoded.seconds,
      seconds: (performance.now() - started) / 1000,
      ...written,
      querySide: querySideBytes(query),
      ...(words ? { words: wordListBytes(words) } : {}),
      out: pages.out,
    };
  } finally {
    await encoder.dispose();
  }
}

/** The site's page files, with the folders and the URL prefix they are read with. */
interface SitePages {
  site: string;
  out: string;
  /** URL prefix of the pages, ending in "/". */
  baseUrl: string;
  files: string[];
}

async function sitePages(options: BuildOptions): Promise<SitePages> {
  const site = resolve(options.site);
  const out = resolve(options.out);
  const refuse = (message: string) => new SpladeError('invalid-input', message);
  const info = await stat(site).catch(() => undefined);
  if (!info) throw refuse(`the site folder ${options.site} does not exist; pass the folder of the site's built HTML`);
  if (!info.isDirectory()) {
    throw refuse(`${options.site} is not a folder; pass the folder of the site's built HTML (or Markdown)`);
  }
  const files = await pageFiles(site, out);
  if (files.length === 0) {
    throw refuse(`${options.site} holds no .html, .htm or .md files; pass the folder of the site's built pages`);
  }
  return { site, out, baseUrl: (options.baseUrl ?? '/').replace(/\/?$/, '/'), files };
}

/** Pages of the site: .html, .htm, .md, outside hidden folders, node_modules and the output folder. */
async function pageFiles(site: string, out: string): Promise<string[]> {
  const found: string[] = [];
  const walk = async (dir: string) => {
    const entries = await readdir(dir, { withFileTypes: true });
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      const path = join(dir, e.name);
      const skip = e.name.startsWith('.') || e.name === 'node_modules' || path === out;
      if (skip || path.startsWith(buildingPrefix(out))) continue;
      if (e.isDirectory()) await walk(path);
      else if (e.isFile() && /\.(html?|md)$/i.test(e.name)) found.push(path);
    }
  };
  await walk(site);
  return found;
}

/** The sections of the pages, passages counted in tokens of the model; refuses a site without any. */
async function sectionsOf(pages: SitePages, encoder: SparseEncoder, named: string): Promise<CollectedSections> {
  const tokenizer = encoder.spec.document.tokenizer;
  const countTokens = (texts: string[]) => texts.map((t) => tokenizer.contentIds(t).length);
  const sections = await collectSections(pages.site, pages.files, pages.baseUrl, countTokens);
  const { docs, skipped } = sections;
  if (docs.length === 0) {
    const some = skipped.slice(0, 3).map((s) => `${s.file} ${s.why}`);
    const listed = `${skipped.length} skipped: ${some.join('; ')}${skipped.length > 3 ? '; ...' : ''}`;
    throw new SpladeError('invalid-input', `no page of ${named} has text to index (${listed})`);
  }
  return sections;
}

async function loadEncoder(source: string, options: { hubUrl?: string; dtype?: DtypeOption }): Promise<SparseEncoder> {
  try {
    // A folder on disk, however it is written ("models/x" too): the loader wants it absolute.
    return await SparseEncoder.fromPretrained(existsSync(source) ? resolve(source) : source, options);
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    const code = error instanceof SpladeError ? error.code : 'model-not-found';
    throw new SpladeError(
      code,
      `the model ${source} could not be loaded: ${why}. ` +
        'Pass --model with a folder, URL or hub id of a SparseEncoder in the sentence-transformers layout',
      { cause: error },
    );
  }
}

function modelLabel(source: string): string {
  return source === DEFAULT_MODEL ? 'splade-tiny-en-if (bundled)' : basename(source) || source;
}
