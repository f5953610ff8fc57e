/** Elasticsearch: a sparse_vector field, bulk action + source lines, and a sparse_vector query with query_vector. */
import { bulkLines, bulkMapping, type ExportTarget } from './target.ts';

export const elasticsearch: ExportTarget = {
  field: 'emb',
  lines: (d, _n, field, byToken) => bulkLines(d, field, byToken),
  extras: (field, _query, tokens) => [
    ['mapping.json', bulkMapping(field, 'sparse_vector')],
    ['query.json', { query: { sparse_vector: { field, query_vector: tokens } }, _source: ['url', 'title'] }],
  ],
};
