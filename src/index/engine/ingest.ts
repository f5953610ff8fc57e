/**
 * Documents on their way in: checked as callers pass them (`prepareDocuments`), then made ready to
 * store (`DocumentEncoder`: vectors encoded where a document has none, a commit's worth at a time).
 * Both run before the write lock is taken: encoding takes a while.
 */
import { SpladeError, throwIfAborted } from '../../errors.ts';
import type { Fields } from '../../results/hits.ts';
import { DEFAULT_COMMIT_SIZE, type IndexDocument, type IndexOptions } from './types.ts';
import { checkFields, checkVector, describe } from './validate.ts';
import type { ReadyDocument } from './writer.ts';

export interface PreparedDocument {
  id: string;
  text: string;
  fields: Fields;
  vector?: IndexDocument['vector'];
}

/**
 * Checks documents for `mode` (add refuses an id twice; upsert keeps the last of each id, in its
 * place). A document without a vector needs an encoder (`canEncode`).
 */
export function prepareDocuments(
  docs: readonly IndexDocument[],
  mode: 'add' | 'upsert',
  canEncode: boolean,
): PreparedDocument[] {
  if (!Array.isArray(docs))
    throw new SpladeError('invalid-input', `${mode}() takes an array of documents, got ${describe(docs)}`);
  const byId = new Map<string, PreparedDocument>();
  docs.forEach((d, k) => {
    if (typeof d !== 'object' || d === null)
      throw new SpladeError(
        'invalid-input',
        `document ${k} is ${describe(d)}; documents are objects { id, text?, fields?, vector? }`,
      );
    if (typeof d.id !== 'string' || d.id === '')
      throw new SpladeError('invalid-input', `document ${k} needs a non-empty string id, got ${describe(d.id)}`);
    const what = `document "${d.id}"`;
    if (mode === 'add' && byId.has(d.id))
      throw new SpladeError(
        'duplicate-id',
        `the id "${d.id}" appears twice in one add(); ids must be unique (use upsert to replace)`,
      );
    if (d.text !== undefined && typeof d.text !== 'string')
      throw new SpladeError('invalid-input', `${what}: text must be a string, got ${describe(d.text)}`);
    const fields = checkFields(d.fields, what);
    if (d.vector !== undefined) {
      checkVector(d.vector, `${what}'s vector`);
      const { spans, literal } = d.vector;
      if (
        (spans !== undefined || literal !== undefined) &&
        !(
          spans instanceof Uint32Array &&
          literal instanceof Uint8Array &&
          spans.length === 2 * d.vector.indices.length &&
          literal.length === d.vector.indices.length
        )
      ) {
        throw new SpladeError(
          'invalid-input',
          `${what}: vector spans must be a Uint32Array of two offsets per entry with a Uint8Array literal flag per entry`,
        );
      }
    } else if (!canEncode)
      throw new SpladeError('invalid-input', `${what} has no vector and the index has no encoder to make one`);
    byId.delete(d.id); // an upsert's later document replaces the earlier one, in the later place
    byId.set(d.id, { id: d.id, text: d.text ?? '', fields, ...(d.vector ? { vector: d.vector } : {}) });
  });
  return [...byId.values()];
}

/** Makes prepared documents ready to store with the index's encoder (`options.encoder`, as it is at each call). */
export class DocumentEncoder {
  /** False once the encoder said it cannot report spans (see `encode`). */
  private spansSupported = true;

  constructor(
    private readonly options: IndexOptions,
    private readonly storeVectors: boolean,
  ) {}

  /** Every document with its vector: the one it came with, or one encoded from its text. */
  async ready(prepared: readonly PreparedDocument[], signal?: AbortSignal): Promise<ReadyDocument[]> {
    const ready: ReadyDocument[] = [];
    const step = this.options.commitSize ?? DEFAULT_COMMIT_SIZE;
    for (let start = 0; start < prepared.length; start += step) {
      throwIfAborted(signal);
      const slice = prepared.slice(start, start + step);
      const needText = slice.filter((d) => !d.vector);
      const vectors = needText.length
        ? await this.encode(
            needText.map((d) => d.text),
            signal,
          )
        : [];
      const made = new Map(needText.map((d, k) => [d, vectors[k]!]));
      for (const d of slice) ready.push({ ...d, vector: d.vector ?? made.get(d)! });
    }
    throwIfAborted(signal);
    return ready;
  }

  /**
   * Document vectors with the spans that explain them where the model can report them (max
   * pooling); a model that cannot (sum pooling) says so once with `invalid-option`, and is then
   * asked for vectors alone.
   */
  private async encode(texts: string[], signal?: AbortSignal): Promise<NonNullable<IndexDocument['vector']>[]> {
    const encoder = this.options.encoder!;
    const base = signal ? { signal } : {};
    if (this.storeVectors && this.spansSupported) {
      try {
        return await encoder.encodeDocument(texts, { ...base, spans: true });
      } catch (error) {
        if (!(error instanceof SpladeError && error.code === 'invalid-option')) throw error;
        this.spansSupported = false;
      }
    }
    return encoder.encodeDocument(texts, base);
  }
}
