import { SpladeError } from '../errors.ts';

/** SPLADE pooling as sentence-transformers' `SpladePooling` module defines it. */
export type PoolingStrategy = 'max' | 'sum';
/**
 * sentence-transformers names: `relu` is log1p(relu(x)); `log1p_relu` is log1p(log1p(relu(x))).
 * (The names are the library's; the extra log1p is easy to miss.)
 */
export type Activation = 'relu' | 'log1p_relu';

export const POOLING_STRATEGIES: readonly PoolingStrategy[] = ['max', 'sum'];
export const ACTIVATIONS: readonly Activation[] = ['relu', 'log1p_relu'];

export interface PoolingConfig {
  strategy: PoolingStrategy;
  activation: Activation;
  vocabSize: number;
}

export function parsePoolingConfig(json: unknown, file: string): PoolingConfig {
  const obj = (json ?? {}) as Record<string, unknown>;
  const strategy = obj['pooling_strategy'] ?? 'max';
  const activation = obj['activation_function'] ?? 'relu';
  // v5 spells it word_embedding_dimension, v6 embedding_dimension.
  const vocabSize = obj['word_embedding_dimension'] ?? obj['embedding_dimension'];
  if (!POOLING_STRATEGIES.includes(strategy as PoolingStrategy)) {
    throw new SpladeError(
      'unsupported-module',
      `${file}: pooling_strategy ${JSON.stringify(strategy)} is not supported; accepted: ${POOLING_STRATEGIES.join(', ')}`,
      { file },
    );
  }
  if (!ACTIVATIONS.includes(activation as Activation)) {
    throw new SpladeError(
      'unsupported-module',
      `${file}: activation_function ${JSON.stringify(activation)} is not supported; accepted: ${ACTIVATIONS.join(', ')}`,
      { file },
    );
  }
  if (vocabSize !== undefined && vocabSize !== null && !(Number.isInteger(vocabSize) && (vocabSize as number) > 0)) {
    throw new SpladeError(
      'model-file-invalid',
      `${file}: word_embedding_dimension must be a positive integer, got ${JSON.stringify(vocabSize)}`,
      { file },
    );
  }
  return {
    strategy: strategy as PoolingStrategy,
    activation: activation as Activation,
    vocabSize: (vocabSize as number | undefined) ?? 0,
  };
}

/** The activation applied to one logit. Both are monotone, which the max path relies on. */
export function activate(x: number, activation: Activation): number {
  if (x <= 0) return 0;
  const once = Math.log1p(x);
  return activation === 'relu' ? once : Math.log1p(once);
}
