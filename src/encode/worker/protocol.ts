/** Messages between WorkerSparseEncoder (page) and the encoder worker. */
import type { SpladeErrorCode } from '../../errors.ts';
import type { LoadProgress } from '../../model/source.ts';
import type { BackendInfo, EncoderDevice } from '../../runtime/types.ts';
import type { EncodeStats, EncoderOptions } from '../encoder.ts';
import type { EncodedVector } from '../merge.ts';

/** Encoder options that can cross a thread boundary (no callbacks, signals or GPU objects). */
export type WorkerEncoderOptions = Omit<
  EncoderOptions,
  'onProgress' | 'signal' | 'fetch' | 'readLocalFile' | 'gpuAdapter'
>;
export type WorkerEncodeOptions = {
  maxActiveDims?: number;
  batchSize?: number;
  positions?: boolean;
  spans?: boolean;
  threshold?: number;
};

export type ToWorker =
  | { type: 'load'; source: string; options: WorkerEncoderOptions }
  | { type: 'encode'; id: number; route: 'query' | 'document'; texts: string[]; options: WorkerEncodeOptions }
  | { type: 'windows'; id: number; route: 'query' | 'document'; text: string }
  | { type: 'tokens'; id: number; text: string }
  | { type: 'abort'; id: number }
  | { type: 'dispose' };

export interface SerializedError {
  code: SpladeErrorCode;
  message: string;
  file?: string;
}

export type FromWorker =
  | { type: 'progress'; event: LoadProgress }
  | {
      type: 'loaded';
      tokens: string[];
      inferenceFree: boolean;
      vocabSize: number;
      device: EncoderDevice | undefined;
      backend: BackendInfo | undefined;
      windowTokens: number;
    }
  | { type: 'load-error'; error: SerializedError }
  | { type: 'batch'; id: number; done: number; total: number; device: EncoderDevice }
  | {
      type: 'result';
      id: number;
      vectors: EncodedVector[];
      stats: EncodeStats;
      device: EncoderDevice | undefined;
      backend: BackendInfo | undefined;
      windowTokens: number;
    }
  | { type: 'windows'; id: number; windows: number[][] }
  | { type: 'tokens'; id: number; ids: number[]; offsets: Uint32Array }
  | { type: 'error'; id: number; error: SerializedError }
  | { type: 'disposed' };
