/**
 * Portable snapshots (export / import): the documents with their exact vectors as plain JSON
 * values, and the checks a snapshot passes before any of it is written.
 */
import { SpladeError } from '../../errors.ts';
import type { DocRecord } from '../format/records.ts';
import { INDEX_FORMAT, INDEX_SCHEMA } from '../format/manifest.ts';
import type { IndexDocument, IndexSnapshot } from './types.ts';
import { describe } from './validate.ts';

/** The snapshot of these live records; a record stored without its vector cannot be exported. */
export function snapshotOf(records: readonly DocRecord[]): IndexSnapshot {
  const documents: IndexSnapshot['documents'] = records.map((record) => {
    if (!record.indices || !record.values) {
      throw new SpladeError(
        'invalid-option',
        `document "${record.id}" was stored without its vector (storeVectors: false), so export() cannot include it; re-add the documents instead`,
      );
    }
    return {
      id: record.id,
      text: record.text,
      fields: record.fields,
      vector: { indices: Array.from(record.indices), values: Array.from(record.values) },
    };
  });
  return { format: INDEX_FORMAT, schema: INDEX_SCHEMA, documents };
}

/** The documents of a snapshot made by export(), as add() takes them; throws on anything else. */
export function snapshotDocuments(snapshot: IndexSnapshot): IndexDocument[] {
  if (snapshot?.format !== INDEX_FORMAT || !Array.isArray(snapshot.documents))
    throw new SpladeError('invalid-input', `import() expects a snapshot made by export() (format "${INDEX_FORMAT}")`);
  if (snapshot.schema !== INDEX_SCHEMA && snapshot.schema !== 1)
    throw new SpladeError(
      'index-schema',
      `the snapshot has schema ${describe(snapshot.schema)}; this version reads snapshots of schema 1 and ${INDEX_SCHEMA}`,
    );
  return snapshot.documents.map((d, k) => {
    const what = `snapshot document ${k}${typeof d?.id === 'string' ? ` ("${d.id}")` : ''}`;
    if (!d || typeof d !== 'object' || !d.vector || !Array.isArray(d.vector.indices) || !Array.isArray(d.vector.values))
      throw new SpladeError('invalid-input', `${what} has no vector { indices: number[], values: number[] }`);
    const fits = d.vector.indices.every((i) => Number.isInteger(i) && i >= 0 && i <= 0xffffffff);
    if (!fits) throw new SpladeError('invalid-input', `${what}: vector indices must be integers from 0 to 2^32-1`);
    return {
      id: d.id,
      text: d.text,
      fields: d.fields,
      vector: { indices: Uint32Array.from(d.vector.indices), values: Float32Array.from(d.vector.values) },
    };
  });
}
