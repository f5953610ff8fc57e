/**
 * What `splade-web build` writes beside the query runtime, as the runtime reads it: the entry file
 * (`splade-entry.json`, re-fetched on every page load) holds what every query needs (the index's
 * layout and manifest, the page table, the tokenizer's and word list's configs) and names
 * everything else, which is content-hashed and cached forever.
 */
import type { PackLayout } from '../index/store/pack.ts';
import type { WordPieceConfig } from './wordpiece-format.ts';
import type { WordsConfig } from './words-format.ts';

export const SITE_FORMAT = 'splade-web-site';
/**
 * 2: the entry may name the site's word list (`words`). 3: the index is a layout inline (`index`:
 * a content-hashed folder, no directory file, records in small files by page, the page table),
 * and the tokenizer's and word list's configs are inline (`query.config`, `wordsConfig`).
 */
export const SITE_VERSION = 3;
export const ENTRY_FILE = 'splade-entry.json';

export interface SiteEntry {
  format: typeof SITE_FORMAT;
  version: number;
  /** The model the document vectors were made with (its path, URL or hub id as given to build). */
  model: string;
  /** Where the index's values are (pack.ts PackLayout): its folder, manifest and page table. */
  index: PackLayout;
  query: StaticQuery | ModelQuery;
  /**
   * The site's word list (words-format.ts WordsConfig), content-hashed: the words pages hold, for
   * completing a partial last word and telling a word no page holds. Written for inference-free sites.
   */
  words?: string;
  /** The word list's config (the file `words` names), inline: a typed query needs it first. */
  wordsConfig?: WordsConfig;
  pages: number;
  sections: number;
}

/** Inference-free: queries are tokenized with the sharded WordPiece and weighted by its table. */
export interface StaticQuery {
  kind: 'static';
  /** The WordPieceConfig with `files` (shard k's file, JSON WordPieceShard), content-hashed. */
  tokenizer: string;
  /** The same config, inline: every query needs it before any shard. */
  config?: WordPieceConfig;
}

/** Symmetric: queries are encoded by the model in the browser (onnxruntime-web). */
export interface ModelQuery {
  kind: 'model';
  /** Folder of the model (sentence-transformers layout), relative to the index folder. */
  model: string;
  /** The encoder module (model-encoder.ts bundled), relative to the index folder (loaded only by such sites). */
  encoder: string;
  /** onnxruntime-web's Emscripten module and WebAssembly (content-hashed), relative to the index folder. */
  runtime: { mjs: string; wasm: string };
}

export type { WordPieceConfig };
