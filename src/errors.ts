/**
 * One error type for the whole library. `code` is a closed union so callers can branch on it;
 * `file` names the model file at fault when there is one.
 */
export type SpladeErrorCode =
  | 'invalid-input' // a caller passed something the API does not accept
  | 'invalid-option' // an option has a value outside its documented range
  | 'model-not-found' // a model file could not be fetched or read
  | 'model-file-invalid' // a model file exists but is malformed
  | 'unsupported-module' // modules.json / router_config.json names a module we cannot run
  | 'model-unsupported' // config.json names an architecture (or activation) the graph builder cannot build
  | 'network' // a download failed and no cached copy exists
  | 'gpu-unavailable' // WebGPU was requested but no adapter/device could be had
  | 'gpu-device-lost' // the GPU device was lost during work
  | 'runtime' // the inference runtime failed
  | 'aborted' // the caller's AbortSignal fired
  | 'duplicate-id' // add() of an id the index already holds (use upsert)
  | 'index-corrupt' // a stored block failed its checksum or is unreadable
  | 'index-schema' // the stored index was written by an incompatible version
  | 'index-missing' // the database was deleted or evicted while in use
  | 'index-model' // the index holds vectors of another model than the one it was opened with
  | 'read-only' // a write to an index opened from a read-only store (a static host)
  | 'index-changed' // a key of the generation being read was collected by a newer one (searches retry)
  | 'quota-exceeded' // the browser refused to store more
  | 'storage-unavailable' // IndexedDB cannot be used here
  | 'storage-failed' // another IndexedDB failure
  | 'disposed'; // the object was used after dispose()

/**
 * Marks a SpladeError made by any copy of this module. splade.js, splade-search.js, splade-engine.js
 * and the encoder worker each bundle their own copy of the class, so `instanceof` fails for an
 * error thrown by another bundle; a registry symbol is the same in all of them.
 */
const BRAND = Symbol.for('splade-web.error');

export class SpladeError extends Error {
  readonly code: SpladeErrorCode;
  readonly file?: string;

  /**
   * `message` is the plain sentence (what was wrong, what is accepted); the library is named by
   * `name`, so `String(error)` reads "SpladeError: …", and the CLI prefixes its own name.
   */
  constructor(code: SpladeErrorCode, message: string, options: { file?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'SpladeError';
    this.code = code;
    if (options.file !== undefined) this.file = options.file;
    Object.defineProperty(this, BRAND, { value: true });
  }
}

/**
 * Whether `error` is a SpladeError from any bundle of splade-web (see BRAND): use it, not
 * `instanceof`, where the error may come from another bundle (the widget, the site runtime).
 */
export function isSpladeError(error: unknown): error is SpladeError {
  if (error instanceof SpladeError) return true;
  return (
    typeof error === 'object' &&
    error !== null &&
    (error as Record<symbol, unknown>)[BRAND] === true &&
    typeof (error as { code?: unknown }).code === 'string'
  );
}

export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted)
    throw new SpladeError('aborted', 'the operation was aborted by its AbortSignal', { cause: signal.reason });
}
