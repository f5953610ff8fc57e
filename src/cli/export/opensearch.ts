/** OpenSearch: a rank_features field, bulk action + source lines, and a neural_sparse query with query_tokens. */
import { bulkLines, bulkMapping, type ExportTarget } from './target.ts';

export const opensearch: ExportTarget = {
  field: 'emb',
  lines: (d, _n, field, byToken) => bulkLines(d, field, byToken),
  extras: (field, _query, tokens) => [
    ['mapping.json', bulkMapping(field, 'rank_features')],
    ['query.json', { query: { neural_sparse: { [field]: { query_tokens: tokens } } }, _source: ['url', 'title'] }],
  ],
};
