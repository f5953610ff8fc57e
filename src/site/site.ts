/**
 * What `splade-web build` writes beside the query runtime, as the runtime reads it: the entry file
 * (`splade-entry.json`, small, re-fetched on every page load) names everything else, which is
 * content-hashed and cached forever.
 */
import type { WordPieceConfig } from './wordpiece-format.ts';

export const SITE_FORMAT = 'splade-web-site';
/** 2: the entry may name the site's word list (`words`). */
export const SITE_VERSION = 2;
export const ENTRY_FILE = 'splade-entry.json';

export interface SiteEntry {
  format: typeof SITE_FORMAT;
  version: number;
  /** The model the document vectors were made with (its path, URL or hub id as given to build). */
  model: string;
  /** The pack directory (pack.ts PackDirectory), content-hashed. */
  directory: string;
  query: StaticQuery | ModelQuery;
  /**
   * The site's word list (words-format.ts WordsConfig), content-hashed: the words pages hold, for
   * completing a partial last word and telling a word no page holds. Written for inference-free sites.
   */
  words?: string;
  pages: number;
  sections: number;
}

/** Inference-free: queries are tokenized with the sharded WordPiece and weighted by its table. */
export interface StaticQuery {
  kind: 'static';
  /** The WordPieceConfig with `files` (shard k's file, JSON WordPieceShard), content-hashed. */
  tokenizer: string;
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
