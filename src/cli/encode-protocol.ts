/**
 * Messages between the build's encode stage (encode-pool.ts) and its workers (encode-worker.ts).
 * Errors cross as their code, message and file and are made SpladeErrors again on this side, so a
 * failure in a worker reads exactly as the same failure in the single-thread path.
 */
import { SpladeError, type SpladeErrorCode } from '../errors.ts';
import type { DtypeOption } from '../model/dtype.ts';
import type { EncodedVector } from '../encode/encoder.ts';

/** How a worker loads the build's model: the same source and options the build loaded it with. */
export interface WorkerModel {
  /** A hub id, URL or absolute path. */
  source: string;
  hubUrl?: string;
  dtype?: DtypeOption;
}

export interface EncodeWorkerData {
  model: WorkerModel;
  /** onnxruntime intra-op threads of the worker's session. */
  threads: number;
}

/** 'stop': abort the unit in progress (at its next batch), release the session and end the thread. */
export type ToEncodeWorker = { type: 'encode'; id: number; texts: string[] } | { type: 'stop' };

export type FromEncodeWorker =
  | { type: 'ready'; modelKey: string }
  | { type: 'load-error'; error: SerializedError }
  | { type: 'result'; id: number; vectors: EncodedVector[] }
  | { type: 'error'; id: number; error: SerializedError };

/** A SpladeError's code, message and file; `code` is absent for another Error (a bug), kept as a plain Error. */
export interface SerializedError {
  code?: SpladeErrorCode;
  message: string;
  file?: string;
}

export function serializeError(error: unknown): SerializedError {
  if (error instanceof SpladeError)
    return { code: error.code, message: error.message, ...(error.file !== undefined ? { file: error.file } : {}) };
  return { message: error instanceof Error ? error.message : String(error) };
}

export function deserializeError(error: SerializedError): Error {
  if (error.code === undefined) return new Error(error.message);
  return new SpladeError(error.code, error.message, error.file !== undefined ? { file: error.file } : {});
}
