/**
 * `splade-web export <dir> --format opensearch|elasticsearch|qdrant|vespa --out <file>`: the
 * documents of a built index as an engine's bulk input (NDJSON), with the mapping or collection
 * definition and an example query beside it, in the shapes each engine documents:
 *
 *   opensearch     rank_features field; bulk action + source lines; neural_sparse query_tokens
 *   elasticsearch  sparse_vector field; bulk action + source lines; sparse_vector query_vector
 *   qdrant         sparse vector "text" (indices / values); one point per line; points/query body
 *   vespa          tensor<float>(t{}) field; one put per line (mapped cells); schema with sum(query(q) * attribute); query tensor as a literal
 *
 * Token keys are the model's vocabulary strings where the engine keys features by string (all but
 * Qdrant, which takes the vocabulary ids). The index is read from the built folder itself, through
 * the engine (SparseIndex over the pack files), so what is exported is what the browser searches
 * (export/site.ts); each engine's shapes are its module in export/.
 */
import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { SpladeError } from '../errors.ts';
import { elasticsearch } from './export/elasticsearch.ts';
import { opensearch } from './export/opensearch.ts';
import { qdrant } from './export/qdrant.ts';
import { openBuiltSite } from './export/site.ts';
import { byTokenOf, sectionOf, type ExportedDocument, type ExportTarget } from './export/target.ts';
import { vespa } from './export/vespa.ts';

export { openBuiltSite, tokenizerVocabulary, type OpenedSite } from './export/site.ts';
export { vespaQuotable, vespaTensor } from './export/vespa.ts';

export const EXPORT_FORMATS = ['opensearch', 'elasticsearch', 'qdrant', 'vespa'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

const TARGETS: Record<ExportFormat, ExportTarget> = { opensearch, elasticsearch, qdrant, vespa };

/** What the example query is made from when the index holds no document. */
const NO_DOCUMENT: ExportedDocument = { id: '', text: '', fields: {}, vector: { indices: [], values: [] } };

export interface ExportOptions {
  dir: string;
  format: string;
  out: string;
  /** Name of the vector field (default "emb"; Qdrant's sparse vector name defaults to "text"). */
  field?: string;
  /** Query text for the example query (default: the first section's heading). */
  query?: string;
}

export async function exportIndex(
  options: ExportOptions,
): Promise<{ documents: number; out: string; extra: string[]; notes: string[] }> {
  const format = options.format as ExportFormat;
  if (!EXPORT_FORMATS.includes(format))
    throw new SpladeError(
      'invalid-option',
      `--format ${JSON.stringify(options.format)} is not one of ${EXPORT_FORMATS.join(', ')}`,
    );
  const target = TARGETS[format];
  const site = await openBuiltSite(options.dir);
  try {
    const snapshot = await site.index.export();
    const field = options.field ?? target.field;
    const byToken = byTokenOf(site.vocabulary, format);
    const lines = snapshot.documents.flatMap((d, n) => target.lines(d, n, field, byToken));
    const out = resolve(options.out);
    await write(out, lines.length ? `${lines.join('\n')}\n` : '');
    // The example query: a section heading, encoded as the browser would.
    const queryText = options.query ?? String(sectionOf(snapshot.documents[0] ?? NO_DOCUMENT).title || 'search');
    const q = await site.encodeQuery(queryText);
    const extra: string[] = [];
    const notes: string[] = [];
    for (const [suffix, value] of target.extras(field, q, byToken(q.indices, q.values), notes)) {
      const path = `${out.replace(/\.(nd)?json$/i, '')}.${suffix}`;
      await write(path, typeof value === 'string' ? value : `${JSON.stringify(value, null, 2)}\n`);
      extra.push(path);
    }
    return { documents: snapshot.documents.length, out, extra, notes };
  } finally {
    // Always: the index's BroadcastChannel would keep Node running after an error.
    await site.close();
  }
}

async function write(path: string, data: string): Promise<void> {
  try {
    await writeFile(path, data);
  } catch (error) {
    const why = (error as NodeJS.ErrnoException).code ?? (error instanceof Error ? error.message : String(error));
    throw new SpladeError(
      'invalid-input',
      `${path} cannot be written (${why}); pass --out a file path in an existing, writable folder`,
      { cause: error },
    );
  }
}
