/** The index's public option and result types, with their documented defaults. */
import type { Fields, Filter, Hit } from '../../results/hits.ts';
import type { TokenSpans } from '../../results/snippet.ts';
import type { SparseVector } from '../../vector.ts';
import type { INDEX_FORMAT } from '../format/manifest.ts';

/** Documents per new segment when adding many at once. */
export const DEFAULT_COMMIT_SIZE = 20_000;
/** Default bound on decoded posting lists kept in memory. */
export const DEFAULT_CACHE_BYTES = 64 * 1024 * 1024;

export interface IndexDocument {
  id: string;
  text?: string;
  fields?: Fields;
  /**
   * A precomputed sparse vector; without one, the index's encoder makes it from `text`. It may
   * carry `spans` and `literal` (as the encoder returns them with `spans: true`) for explanations.
   */
  vector?: SparseVector & { spans?: Uint32Array; literal?: Uint8Array };
}

/** What the index needs from an encoder (SparseEncoder and WorkerSparseEncoder both fit). */
export interface IndexEncoder {
  encodeDocument(
    texts: readonly string[],
    options?: { spans?: boolean; signal?: AbortSignal },
  ): Promise<(SparseVector & { spans?: Uint32Array; literal?: Uint8Array })[]>;
  encodeQuery(text: string): Promise<SparseVector>;
  token(id: number): string;
  /** A text's own tokens with their offsets (no model call): highlights every occurrence of a matched term. */
  tokens?(text: string): TokenSpans | Promise<TokenSpans>;
}

export interface IndexOptions {
  encoder?: IndexEncoder;
  /** Names vocabulary ids in explanations when there is no encoder. */
  tokenOf?: (id: number) => string;
  /**
   * Bytes of posting lists kept in memory, counted as each holds them: its encoded bytes plus the
   * blocks decoded so far (default 64 MiB, at least 0). Least recently used lists go first.
   */
  cacheBytes?: number;
  /** Documents per segment when adding in bulk (default 20 000, at least 1). */
  commitSize?: number;
  /**
   * Keep each document's exact vector and the spans that explain it (default true): export(),
   * rebuild(), `rescore` and highlights need them. Without them the index stores about half as much.
   */
  storeVectors?: boolean;
  /** A stored index of another schema version: 'error' (default) or 'reset' (start empty). */
  onIncompatible?: 'error' | 'reset';
  /**
   * A name of the model whose vectors go in (e.g. its hub id or path). The index records it with
   * its first document; opening it later with another model fails with `index-model`, so vectors
   * of two models never mix (scores between them mean nothing). clear() forgets it.
   */
  model?: string;
}

/** A stored document, as `get()` returns it. */
export interface StoredDocument {
  id: string;
  text: string;
  fields: Fields;
  /** Its exact vector with the spans that explain it (absent with storeVectors: false). */
  vector?: SparseVector & { spans?: Uint32Array; literal?: Uint8Array };
}

export interface SearchOptions {
  /** Hits to return (default 10, an integer from 0). */
  limit?: number;
  /** Exact field values to match, or a predicate over a document's fields and id. */
  filter?: Filter;
  /** Only hits scoring strictly above this. */
  minScore?: number;
  /** Add per-token contributions, their source spans and a snippet to each hit. */
  explain?: boolean;
  /** Score every posting instead of pruning (the reference; slower). */
  exhaustive?: boolean;
  /**
   * Return exactly the top hits by the float dot product of the stored vectors (ties aside), not by
   * the 8-bit stored weights: the candidates the quantization error bound leaves open are rescored.
   * Needs storeVectors (the default).
   */
  rescore?: boolean;
  /**
   * Chooses, from the top `limit` hits (ids, scores and fields only), the ones to return, in the
   * order returned; only those are explained (their records read). For grouping or collapsing
   * hits (one page's sections, say) without reading the records of hits that are not shown.
   */
  pick?: (hits: readonly Hit[]) => readonly Hit[];
  signal?: AbortSignal;
}

export interface IndexSnapshot {
  format: typeof INDEX_FORMAT;
  schema: number;
  documents: { id: string; text: string; fields: Fields; vector: { indices: number[]; values: number[] } }[];
}

/** What verify() found. */
export interface VerifyReport {
  /** Keys the committed generation needs that are missing or fail their checksums. */
  damaged: string[];
  /** Keys no manifest references (left by a failed commit or collection; the next commit sweeps). */
  unreferenced: string[];
}
