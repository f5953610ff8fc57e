/**
 * A hit's explanation from what the index stored, with no model call: per query term, the stored
 * document weight, the product, and the document spans that produced the weight (the token whose
 * logit reached the max, recorded when the document was encoded). A term the document's text does
 * not contain is an expansion: its span names the words whose context produced it.
 */
import { NO_SPAN, positionOf, type SparseVector } from '../vector.ts';
import { explainMatch, type Contribution, type SourceSpan } from './explain.ts';
import { snippetFromSpans, spansOfMatches, spansOfVector, type Snippet, type TokenSpans } from './snippet.ts';

/** Explanation data stored with a document (see format/records.ts). */
export interface StoredSources {
  /** The document's vector ids, ascending, aligned with `spans` and `literal`. */
  indices: Uint32Array;
  /** [start, end) per entry; NO_SPAN when no text span produced it. */
  spans: Uint32Array;
  literal: Uint8Array;
}

/** Where each term's document weight came from, by term id. */
function sourcesOf(stored: StoredSources | undefined, term: number): { sources: SourceSpan[]; expansion?: boolean } {
  const k = stored ? positionOf(stored.indices, term) : -1;
  if (!stored || k < 0) return { sources: [] };
  const start = stored.spans[2 * k]!;
  const end = stored.spans[2 * k + 1]!;
  return { sources: start === NO_SPAN ? [] : [{ start, end }], expansion: stored.literal[k] === 0 };
}

/**
 * Contributions (summing to the score computed from `documentWeights`) with their sources, and a
 * snippet of `text` around the heaviest of them. Highlights are the stored source spans (one per
 * term: the token that reached the max; for expansions the words whose context produced them) and,
 * when the document's own tokens are given (`tokens`, the tokenizer's offsets), every occurrence of
 * a matched term. Nothing is searched in the text.
 */
export function describeMatch(
  query: SparseVector,
  documentWeights: SparseVector,
  tokenOf: (id: number) => string,
  text: string,
  stored?: StoredSources,
  tokens?: TokenSpans,
): { score: number; contributions: Contribution[]; snippet: Snippet } {
  const explanation = explainMatch(query, documentWeights, tokenOf);
  const contributions = explanation.contributions.map((c) => {
    const { sources, expansion } = sourcesOf(stored, c.id);
    const out: Contribution = { ...c, sources };
    if (expansion !== undefined) out.expansion = expansion;
    return out;
  });
  const matches = contributions.map((c) => ({ id: c.id, token: c.token, weight: c.product }));
  const spans = [...(stored ? spansOfVector(stored, matches) : []), ...(tokens ? spansOfMatches(tokens, matches) : [])];
  return { score: explanation.score, contributions, snippet: snippetFromSpans(text, spans) };
}
