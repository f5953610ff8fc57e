/**
 * What the panels share: the loaded model and its index, and a tiny event bus so a panel can say
 * "the library changed" without knowing who listens.
 */
import type { SparseIndex, WorkerSparseEncoder } from '../src/browser.ts';

export interface ModelInfo {
  /** Stable name of the model: the index of its vectors is named after it. */
  key: string;
  label: string;
  source: string;
  vocabSize: number;
  inferenceFree: boolean;
}

/** Slots the panels fill and clear (back to undefined) as models load and fail. */
export interface App {
  encoder?: WorkerSparseEncoder | undefined;
  model?: ModelInfo | undefined;
  /** The key of the model chosen, as soon as it is chosen (while it loads, `model` is still unset). */
  chosenModel?: string | undefined;
  index?: SparseIndex | undefined;
  /** Set while a model loads or failed to: why there is nothing to search with. */
  unavailable?: string | undefined;
}

type Events = { model: void; library: void; indexing: boolean };
type Listener<T> = (value: T) => void;
const listeners: { [K in keyof Events]?: Listener<Events[K]>[] } = {};

export const app: App = {};

export function on<K extends keyof Events>(event: K, fn: Listener<Events[K]>): void {
  (listeners[event] ??= [] as never[]).push(fn as never);
}

export function emit<K extends keyof Events>(event: K, value: Events[K]): void {
  for (const fn of listeners[event] ?? []) (fn as Listener<Events[K]>)(value);
}

/** An error as a sentence for the user: what went wrong, from the library's own message. */
export function describeError(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}

/** The index name of a model: one index per model, so vectors of two models never meet. */
export function indexName(modelKey: string): string {
  return `demo-${modelKey.replace(/[^a-z0-9._-]+/gi, '_')}`;
}

/** Models whose indexes exist (so removing a file removes its passages from every one). */
export function knownModels(): string[] {
  try {
    const v = JSON.parse(localStorage.getItem('splade-demo:models') ?? '[]') as unknown;
    return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
  } catch {
    return [];
  }
}

export function rememberModel(key: string): void {
  const all = new Set(knownModels());
  all.add(key);
  localStorage.setItem('splade-demo:models', JSON.stringify([...all]));
}
