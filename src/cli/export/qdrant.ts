/**
 * Qdrant: a sparse vector (default name "text") of vocabulary ids, one point per line, and a
 * points/query body. Qdrant takes indices in any order but stores them sorted; sorting here keeps the
 * file canonical (and equal to what Qdrant returns), and drops non-positive weights as the other
 * formats do.
 */
import { ascending, sectionOf, type ExportTarget } from './target.ts';

export const qdrant: ExportTarget = {
  field: 'text',
  lines: (d, n, field) => [
    JSON.stringify({
      id: n,
      vector: { [field]: ascending(d.vector.indices, d.vector.values) },
      payload: { id: d.id, ...sectionOf(d) },
    }),
  ],
  extras: (field, query) => [
    ['collection.json', { sparse_vectors: { [field]: {} } }],
    [
      'query.json',
      { query: ascending(query.indices, query.values), using: field, limit: 10, with_payload: ['url', 'title'] },
    ],
  ],
};
