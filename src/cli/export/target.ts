/**
 * What every export target shares: the interface an engine's module fills in, a document as a
 * section (url, title, heading path, text), and a vector's weights in the two shapes engines take:
 * keyed by vocabulary string, or as ascending vocabulary ids.
 */
import { SpladeError } from '../../errors.ts';
import type { IndexSnapshot } from '../../index/engine/sparse-index.ts';

/** A document of the index, as the snapshot holds it (with its exact vector). */
export type ExportedDocument = IndexSnapshot['documents'][number];

/** Vocabulary ids and their weights (a document's vector, or the example query's). */
export interface Weights {
  indices: ArrayLike<number>;
  values: ArrayLike<number>;
}

/** Positive weights keyed by vocabulary string (null prototype), as the engines that key features by string take them. */
export type ByToken = (indices: ArrayLike<number>, values: ArrayLike<number>) => Record<string, number>;

/** One engine's export, in the shapes the engine documents. */
export interface ExportTarget {
  /** The vector field's name when --field is not given. */
  field: string;
  /** The bulk file's lines (NDJSON) for document `n` (its place in the index). */
  lines(d: ExportedDocument, n: number, field: string, byToken: ByToken): string[];
  /**
   * The files written beside the bulk file, as [suffix, content] (a JSON value, or text as it is):
   * the mapping or collection definition and the example query. `query` is the example query's
   * vector, `tokens` its weights by token (a copy the target may change); `notes` collects what the
   * command should say about them.
   */
  extras(field: string, query: Weights, tokens: Record<string, number>, notes: string[]): [string, unknown][];
}

/** A document as a section: where it is, its heading (the last of its heading path, else its page) and text. */
export function sectionOf(d: ExportedDocument): { url: string; title: string; path: string[]; text: string } {
  const f = d.fields as { url?: string; path?: string[]; page?: string };
  const path = Array.isArray(f.path) ? f.path : [];
  return { url: f.url ?? d.id, title: path[path.length - 1] ?? f.page ?? '', path, text: d.text };
}

/**
 * Weights keyed by the vocabulary's strings, for `format`. Non-positive weights are left out; a
 * term the vocabulary lacks, or two ids of one string (which `format` would merge), fail the export.
 */
export function byTokenOf(vocabulary: ReadonlyMap<number, string>, format: string): ByToken {
  const name = (id: number) => {
    const t = vocabulary.get(id);
    if (t === undefined)
      throw new SpladeError(
        'invalid-input',
        `the index holds term ${id}, which the model's vocabulary does not have; was it built with another model?`,
      );
    return t;
  };
  return (indices, values) => {
    // No prototype: a vocabulary string such as "__proto__" must stay an ordinary key.
    const o: Record<string, number> = Object.create(null) as Record<string, number>;
    const idOf = new Map<string, number>();
    for (let k = 0; k < indices.length; k++) {
      if (!(values[k]! > 0)) continue;
      const token = name(indices[k]!);
      const other = idOf.get(token);
      if (other !== undefined && other !== indices[k]) {
        throw new SpladeError(
          'invalid-input',
          `the vocabulary gives ids ${other} and ${indices[k]} the same string ${JSON.stringify(token)}, so ${format} (which keys features by string) would merge them; export --format qdrant, which takes the ids`,
        );
      }
      idOf.set(token, indices[k]!);
      o[token] = values[k]!;
    }
    return o;
  };
}

/** Positive weights by ascending id, as plain arrays. */
export function ascending(
  indices: ArrayLike<number>,
  values: ArrayLike<number>,
): { indices: number[]; values: number[] } {
  const order = Array.from(indices, (_, k) => k)
    .filter((k) => values[k]! > 0)
    .sort((a, b) => indices[a]! - indices[b]!);
  return { indices: order.map((k) => indices[k]!), values: order.map((k) => values[k]!) };
}

/**
 * The bulk API's lines for one document (OpenSearch and Elasticsearch take the same): an index
 * action, then the section with its weights by token in `field`.
 */
export function bulkLines(d: ExportedDocument, field: string, byToken: ByToken): string[] {
  return [
    JSON.stringify({ index: { _index: 'splade', _id: d.id } }),
    JSON.stringify({ ...sectionOf(d), [field]: byToken(d.vector.indices, d.vector.values) }),
  ];
}

/** An index mapping (OpenSearch and Elasticsearch): `field` of the engine's sparse `type`, the section's text fields. */
export function bulkMapping(field: string, type: string): unknown {
  const text = { type: 'text' };
  return {
    mappings: { properties: { [field]: { type }, url: { type: 'keyword' }, title: text, path: text, text } },
  };
}
