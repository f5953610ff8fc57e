/** Checks of what callers pass the index: every bad value is a SpladeError saying what is accepted. */
import { SpladeError } from '../../errors.ts';
import type { Filter } from '../../results/hits.ts';
import type { SparseVector } from '../../vector.ts';
import type { IndexOptions, SearchOptions } from './types.ts';

/** A vector from outside: ascending unique Uint32 ids, finite non-negative Float32 weights. */
export function checkVector(v: unknown, what: string): SparseVector {
  const accepted =
    'accepted: { indices: Uint32Array (strictly ascending), values: Float32Array (finite, >= 0, same length) }';
  const { indices, values } = (v ?? {}) as Partial<SparseVector>;
  if (!(indices instanceof Uint32Array) || !(values instanceof Float32Array))
    throw new SpladeError('invalid-input', `${what} is not a sparse vector; ${accepted}`);
  if (indices.length !== values.length)
    throw new SpladeError(
      'invalid-input',
      `${what} has ${indices.length} indices but ${values.length} values; ${accepted}`,
    );
  for (let k = 0; k < indices.length; k++) {
    if (k > 0 && indices[k]! <= indices[k - 1]!)
      throw new SpladeError(
        'invalid-input',
        `${what}: indices must be strictly ascending (index ${indices[k]} follows ${indices[k - 1]}); ${accepted}`,
      );
    const w = values[k]!;
    if (!Number.isFinite(w) || w < 0)
      throw new SpladeError('invalid-input', `${what}: the weight of term ${indices[k]} is ${w}; ${accepted}`);
  }

  return v as SparseVector;
}

export function checkInteger(value: unknown, name: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (!(typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max)) {
    throw new SpladeError(
      'invalid-option',
      `${name} must be an integer from ${min}${max < Number.MAX_SAFE_INTEGER ? ` to ${max}` : ''}, got ${describe(value)}`,
    );
  }

  return value;
}

export function checkNumber(value: unknown, name: string, min = -Infinity): number {
  if (!(typeof value === 'number' && Number.isFinite(value) && value >= min)) {
    throw new SpladeError(
      'invalid-option',
      `${name} must be a finite number${min > -Infinity ? ` >= ${min}` : ''}, got ${describe(value)}`,
    );
  }

  return value;
}

export function checkOneOf<T extends string | boolean>(value: unknown, name: string, accepted: readonly T[]): T {
  if (!accepted.includes(value as T))
    throw new SpladeError(
      'invalid-option',
      `${name} must be one of ${accepted.map((a) => JSON.stringify(a)).join(', ')}, got ${describe(value)}`,
    );
  return value as T;
}

/** Fields are stored as JSON: a plain object whose values survive JSON.stringify. */
export function checkFields(fields: unknown, what: string): Record<string, unknown> {
  if (fields === undefined) return {};
  if (typeof fields !== 'object' || fields === null || Array.isArray(fields))
    throw new SpladeError(
      'invalid-input',
      `${what}: fields must be a plain object of JSON values, got ${describe(fields)}`,
    );
  try {
    JSON.stringify(fields);
  } catch (cause) {
    throw new SpladeError('invalid-input', `${what}: fields must be JSON values (${(cause as Error).message})`, {
      cause,
    });
  }

  return fields as Record<string, unknown>;
}

export function describe(value: unknown): string {
  if (typeof value === 'number') return String(value);
  if (typeof value === 'string') return JSON.stringify(value);
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value;
}

export function checkIndexOptions(o: IndexOptions): void {
  if (typeof o !== 'object' || o === null)
    throw new SpladeError('invalid-option', `index options must be an object, got ${describe(o)}`);
  if (o.cacheBytes !== undefined) checkNumber(o.cacheBytes, 'cacheBytes', 0);
  if (o.commitSize !== undefined) checkInteger(o.commitSize, 'commitSize', 1);
  if (o.storeVectors !== undefined) checkOneOf(o.storeVectors, 'storeVectors', [true, false]);
  if (o.onIncompatible !== undefined) checkOneOf(o.onIncompatible, 'onIncompatible', ['error', 'reset']);
  if (o.model !== undefined && (typeof o.model !== 'string' || o.model === ''))
    throw new SpladeError(
      'invalid-option',
      `model must be a non-empty string naming the model, got ${describe(o.model)}`,
    );
  if (o.tokenOf !== undefined && typeof o.tokenOf !== 'function')
    throw new SpladeError('invalid-option', `tokenOf must be a function (id) => string, got ${describe(o.tokenOf)}`);
  if (
    o.encoder !== undefined &&
    (typeof o.encoder?.encodeDocument !== 'function' || typeof o.encoder?.encodeQuery !== 'function')
  ) {
    throw new SpladeError(
      'invalid-option',
      'encoder must have encodeDocument() and encodeQuery() (a SparseEncoder or WorkerSparseEncoder)',
    );
  }
}

/** Checks search() options; returns the number of hits asked for (default 10). */
export function checkSearchOptions(options: SearchOptions): number {
  const limit = options.limit === undefined ? 10 : checkInteger(options.limit, 'limit', 0);
  if (options.minScore !== undefined) checkNumber(options.minScore, 'minScore');
  if (options.filter !== undefined) checkFilter(options.filter);
  if (options.pick !== undefined && typeof options.pick !== 'function')
    throw new SpladeError(
      'invalid-option',
      `search() option pick must be a function (hits => the hits to return), got ${describe(options.pick)}`,
    );
  return limit;
}

export function checkFilter(filter: unknown): Filter {
  if (typeof filter !== 'function' && (typeof filter !== 'object' || filter === null || Array.isArray(filter))) {
    throw new SpladeError(
      'invalid-option',
      `filter must be an object of exact field values or a function (fields, id) => boolean, got ${describe(filter)}`,
    );
  }

  return filter as Filter;
}

export function checkName(name: unknown): string {
  if (typeof name !== 'string' || name === '')
    throw new SpladeError('invalid-input', `an index name must be a non-empty string, got ${describe(name)}`);
  return name;
}
