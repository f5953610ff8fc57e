/** What a search returns: hits with their fields, and (when asked) why they matched. */
import type { Contribution } from './explain.ts';
import type { Snippet } from './snippet.ts';

export type Fields = Record<string, unknown>;

/** Exact field values to match, or a predicate over a document's fields and id. */
export type Filter = Fields | ((fields: Fields, id: string) => boolean);

export interface Hit {
  id: string;
  score: number;
  fields: Fields;
  text?: string;
  contributions?: Contribution[];
  snippet?: Snippet;
}

/** A filter as a predicate. */
export function filterPredicate(filter: Filter): (fields: Fields, id: string) => boolean {
  if (typeof filter === 'function') return filter;
  const wanted = Object.entries(filter);
  return (fields) => wanted.every(([k, v]) => fields[k] === v);
}
