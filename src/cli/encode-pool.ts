/**
 * The build's encode workers: N worker threads (encode-worker.ts), each with its own encoder on
 * onnxruntime-node. onnxruntime-node runs a session synchronously on the calling JS thread, and
 * tokenizing, pooling the [batch, tokens, vocab] logits (models that ship ONNX) and merging windows
 * are JS on that same thread: with the bundled model, one thread carried about 80% of the encode's
 * CPU time while onnxruntime's second intra-op thread did the rest, so a second core stayed mostly
 * idle. N threads, each running everything for its units on one intra-op thread, use N cores.
 * Units are dealt from one queue (encode-units.ts), so a faster worker takes more.
 *
 * A failure anywhere (a worker's model load, a unit that throws, a worker that dies, the caller's
 * AbortSignal) ends every worker before the call rejects, with the error the single-thread path
 * gives for the same failure.
 */
import { Worker } from 'node:worker_threads';
import { SpladeError, throwIfAborted } from '../errors.ts';
import type { EncodedVector } from '../encode/encoder.ts';
import {
  deserializeError,
  type EncodeWorkerData,
  type FromEncodeWorker,
  type ToEncodeWorker,
  type WorkerModel,
} from './encode-protocol.ts';
import { dealingOrder, dealUnits, type EncodeUnit } from './encode-units.ts';

export type { WorkerModel } from './encode-protocol.ts';

/** Encode workers started and not yet ended, in this process. */
let running = 0;

export interface PoolOptions {
  model: WorkerModel;
  /** Worker threads to start (no more than there are units). */
  workers: number;
  /** onnxruntime intra-op threads of each worker's session. */
  threads: number;
  /** The build's vector cache key of the model (model-key.ts): a worker that loaded another model is refused. */
  modelKey: string;
  signal?: AbortSignal | undefined;
}

/**
 * Encodes `units` of `texts` on worker threads; `onUnit` gets each unit's vectors (in the unit's text
 * order) as it completes. Resolves once every unit is done and every worker has ended.
 */
export async function encodeOnWorkers(
  texts: readonly string[],
  units: readonly EncodeUnit[],
  options: PoolOptions,
  onUnit: (unit: EncodeUnit, vectors: EncodedVector[]) => void,
): Promise<void> {
  throwIfAborted(options.signal);
  const count = Math.max(1, Math.min(options.workers, units.length));
  const workers: EncodeWorker[] = [];
  const onAbort = () => {
    const error = new SpladeError('aborted', 'the operation was aborted by its AbortSignal', {
      cause: options.signal?.reason,
    });
    for (const w of workers) w.fail(error);
  };
  options.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    for (let k = 0; k < count; k++) workers.push(new EncodeWorker({ model: options.model, threads: options.threads }));
    await dealUnits(
      dealingOrder(units),
      count,
      (lane, unit) => workers[lane]!.encode(texts.slice(unit.start, unit.end)),
      (unit, vectors) => onUnit(unit, vectors),
      async (lane) => {
        const key = await workers[lane]!.ready;
        if (key !== options.modelKey)
          throw new SpladeError(
            'model-file-invalid',
            `an encode worker loaded ${options.model.source} as a different model than the build did ` +
              '(its files changed while the build ran); run the build again',
          );
      },
    );
  } catch (error) {
    // Nothing is left running: every worker has ended before the failure is reported.
    for (const w of workers) w.fail(error instanceof Error ? error : new Error(String(error)));
    throw error;
  } finally {
    await Promise.all(workers.map((w) => w.stop()));
    options.signal?.removeEventListener('abort', onAbort);
  }
}

/** Worker threads of the build running now (a test sees none is left behind). */
export function runningEncodeWorkers(): number {
  return running;
}

/**
 * One worker thread: its model load (`ready`, the model's cache key) and one unit at a time. It is
 * stopped by asking (see encode-worker.ts: terminating a thread inside onnxruntime-node aborts the
 * process), so stopping waits for a batch in progress to end.
 */
class EncodeWorker {
  /** Resolves with the worker's model key once its model is loaded. */
  readonly ready: Promise<string>;
  private readonly worker: Worker;
  private readonly exited: Promise<void>;
  private hasExited = false;
  private settleReady!: { resolve: (key: string) => void; reject: (error: Error) => void };
  private pending: { id: number; resolve: (v: EncodedVector[]) => void; reject: (e: Error) => void } | undefined;
  private nextId = 0;
  private failure: Error | undefined;
  private stopAsked = false;

  constructor(data: EncodeWorkerData) {
    this.ready = new Promise<string>((resolve, reject) => (this.settleReady = { resolve, reject }));
    this.ready.catch(() => {}); // awaited by the dealing; a worker never dealt to may fail unobserved
    this.worker = startWorker(data);
    running++;
    this.exited = new Promise((resolve) =>
      this.worker.once('exit', (code) => {
        running--;
        this.hasExited = true;
        const ended = new SpladeError('runtime', `an encode worker of the build ended unasked (exit code ${code})`);
        if (!this.stopAsked) this.fail(ended);
        this.pending?.reject(this.failure ?? ended);
        this.pending = undefined;
        resolve();
      }),
    );
    this.worker.on('message', (message: FromEncodeWorker) => this.receive(message));
    // An error the worker did not catch (its module failed to load, a crash in a callback); it has ended.
    this.worker.on('error', (error) => this.fail(workerFailure(error)));
  }

  encode(texts: string[]): Promise<EncodedVector[]> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.pending) return Promise.reject(new Error('an encode worker was sent a unit while busy'));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending = { id, resolve, reject };
      this.worker.postMessage({ type: 'encode', id, texts } satisfies ToEncodeWorker);
    });
  }

  /** Fails what is pending with `error` (the first failure wins) and asks the worker to stop. */
  fail(error: Error): void {
    if (this.failure) return;
    this.failure = error;
    this.settleReady.reject(error);
    this.pending?.reject(error);
    this.pending = undefined;
    void this.stop();
  }

  /** Asks the worker to stop (a unit in progress is aborted at its next batch) and waits for it to end. */
  async stop(): Promise<void> {
    this.stopAsked = true;
    if (!this.hasExited) this.worker.postMessage({ type: 'stop' } satisfies ToEncodeWorker);
    await this.exited;
  }

  private receive(message: FromEncodeWorker): void {
    if (message.type === 'ready') this.settleReady.resolve(message.modelKey);
    else if (message.type === 'load-error') this.fail(deserializeError(message.error));
    else if (this.pending?.id === message.id) {
      const pending = this.pending;
      this.pending = undefined;
      if (message.type === 'result') pending.resolve(message.vectors);
      else pending.reject(deserializeError(message.error));
    }
  }
}

/**
 * A worker running encode-worker: the built .js file in the published package (dist/cli/), or the
 * TypeScript source in a checkout, through tsx (as bin.mjs runs main.ts), registered in the worker
 * itself because a worker does not inherit the loader hooks of the thread that starts it.
 */
function startWorker(workerData: EncodeWorkerData): Worker {
  const entry = new URL('./encode-worker.ts', import.meta.url);
  if (!entry.pathname.endsWith('.ts')) return new Worker(entry, { workerData });
  const tsx = import.meta.resolve('tsx/esm/api');
  const boot = `import(${JSON.stringify(tsx)}).then(({ register }) => { register(); return import(${JSON.stringify(entry.href)}); });`;
  return new Worker(boot, { eval: true, workerData, execArgv: [] });
}

/** An error a worker threw past its own handlers, as a SpladeError. */
function workerFailure(error: unknown): Error {
  if (error instanceof SpladeError) return error;
  const code = (error as { code?: unknown })?.code;
  const message = error instanceof Error ? error.message : String(error);
  if ((error as { name?: unknown })?.name === 'SpladeError' && typeof code === 'string')
    return new SpladeError(code as SpladeError['code'], message);
  return new SpladeError('runtime', `an encode worker of the build failed: ${message}`, { cause: error });
}
