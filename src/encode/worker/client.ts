/**
 * WorkerSparseEncoder: the SparseEncoder API, running in a dedicated Web Worker so the page's main
 * thread never blocks on tokenization, inference or pooling.
 */
import { SpladeError, throwIfAborted } from '../../errors.ts';
import type { LoadProgress } from '../../model/source.ts';
import type { BackendInfo, EncoderDevice } from '../../runtime/types.ts';
import { decodeVector, explainMatch, type Explanation, type TokenWeight } from '../../results/explain.ts';
import type { SparseVector } from '../../vector.ts';
import type { EncodedVector } from '../merge.ts';
import type { ContentTokens } from '../../model/tokenizer.ts';
import type { EncodeOptions, EncodeStats, EncoderOptions, SparseTextEncoder } from '../types.ts';
import type { FromWorker, ToWorker, WorkerEncoderOptions } from './protocol.ts';
import { startEncoderWorker, workerStartError } from './start.ts';

interface Pending {
  /** Gets the vectors of an encode, or the windows or tokens of a text (method syntax: any of these resolvers fits). */
  resolve(value: unknown): void;
  reject: (e: unknown) => void;
  onBatch?: EncodeOptions['onBatch'];
}

export class WorkerSparseEncoder implements SparseTextEncoder {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private disposed = false;
  /** Figures of the last encode call (from the worker); zeros before the first, as SparseEncoder's. */
  lastStats: EncodeStats = { device: 'static', batches: 0, windows: 0, readbackBytes: 0, logitsBytes: 0, recovered: 0 };

  private constructor(
    private readonly worker: Worker,
    private readonly vocab: string[],
    readonly inferenceFree: boolean,
    readonly vocabSize: number,
    /** The device documents are encoded on (the worker's session started while loading); updated after each encode. */
    public device: EncoderDevice | undefined,
    /** What documents are encoded on (adapter, or WASM threads and isolation); alike. */
    public backendInfo: BackendInfo | undefined,
    /** Tokens per window of a document (SparseEncoder.windowTokens in the worker); updated after each encode. */
    public windowTokens: number,
  ) {
    worker.addEventListener('message', (event: MessageEvent<FromWorker>) => this.onMessage(event.data));
    worker.addEventListener('error', (event) =>
      this.failAll(new SpladeError('runtime', `the encoder worker crashed: ${event.message}`)),
    );
  }

  static async fromPretrained(source: string, options: EncoderOptions = {}): Promise<WorkerSparseEncoder> {
    const { worker, url: workerUrl } = startEncoderWorker();
    const { onProgress, signal } = options;
    const sendable: WorkerEncoderOptions = {};
    for (const [key, value] of Object.entries(options)) {
      if (!['onProgress', 'signal', 'fetch', 'readLocalFile', 'gpuAdapter'].includes(key))
        (sendable as Record<string, unknown>)[key] = value;
    }
    try {
      throwIfAborted(signal);
      const loaded = await new Promise<Extract<FromWorker, { type: 'loaded' }>>((resolve, reject) => {
        const onAbort = () => reject(new SpladeError('aborted', 'loading was aborted by its AbortSignal'));
        signal?.addEventListener('abort', onAbort, { once: true });
        worker.onmessage = (event: MessageEvent<FromWorker>) => {
          const msg = event.data;
          if (msg.type === 'progress') onProgress?.(msg.event as LoadProgress);
          else if (msg.type === 'loaded') resolve(msg);
          else if (msg.type === 'load-error')
            reject(new SpladeError(msg.error.code, msg.error.message, msg.error.file ? { file: msg.error.file } : {}));
        };
        // A script that cannot load gives a bare Event: fetch it again to say what the server answered.
        worker.onerror = (event) => {
          event.preventDefault();
          void workerStartError(workerUrl, event).then(reject);
        };
        post(worker, { type: 'load', source, options: sendable });
      });
      worker.onmessage = null;
      worker.onerror = null;
      return new WorkerSparseEncoder(
        worker,
        loaded.tokens,
        loaded.inferenceFree,
        loaded.vocabSize,
        loaded.device,
        loaded.backend,
        loaded.windowTokens,
      );
    } catch (error) {
      worker.terminate();
      throw error;
    }
  }

  encodeQuery(text: string, options?: EncodeOptions): Promise<EncodedVector>;
  encodeQuery(texts: readonly string[], options?: EncodeOptions): Promise<EncodedVector[]>;
  encodeQuery(
    texts: string | readonly string[],
    options: EncodeOptions = {},
  ): Promise<EncodedVector | EncodedVector[]> {
    return this.encode('query', texts, options);
  }

  encodeDocument(text: string, options?: EncodeOptions): Promise<EncodedVector>;
  encodeDocument(texts: readonly string[], options?: EncodeOptions): Promise<EncodedVector[]>;
  encodeDocument(
    texts: string | readonly string[],
    options: EncodeOptions = {},
  ): Promise<EncodedVector | EncodedVector[]> {
    return this.encode('document', texts, options);
  }

  decode(vector: SparseVector, topK?: number): TokenWeight[] {
    return decodeVector(vector, (id) => this.token(id), topK);
  }

  explain(query: SparseVector, doc: SparseVector): Explanation {
    return explainMatch(query, doc, (id) => this.token(id));
  }

  token(id: number): string {
    return this.vocab[id] ?? `[${id}]`;
  }

  /** The windows (token ids with special tokens) a document is encoded as; positions refer to them. */
  windows(text: string, route: 'query' | 'document' = 'document'): Promise<number[][]> {
    if (typeof text !== 'string')
      return Promise.reject(
        new SpladeError('invalid-input', `texts must be strings, got ${text === null ? 'null' : typeof text}`),
      );
    return this.request<number[][]>((id) => ({ type: 'windows', id, route, text }));
  }

  /**
   * The document tokenizer's content tokens of `text` (no prompt, no special tokens) with their
   * spans in `text`, from the tokenizer's own pipeline; no model call.
   */
  tokens(text: string): Promise<ContentTokens> {
    if (typeof text !== 'string')
      return Promise.reject(
        new SpladeError('invalid-input', `texts must be strings, got ${text === null ? 'null' : typeof text}`),
      );
    return this.request<ContentTokens>((id) => ({ type: 'tokens', id, text }));
  }

  /** Ends the worker, freeing its sessions and GPU buffers. Pending calls fail with 'disposed'. */
  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, 2000);
      this.worker.addEventListener('message', (e: MessageEvent<FromWorker>) => {
        if (e.data.type === 'disposed') {
          clearTimeout(timer);
          resolve();
        }
      });
      post(this.worker, { type: 'dispose' });
    });
    this.worker.terminate();
    this.failAll(new SpladeError('disposed', 'this WorkerSparseEncoder was disposed'));
  }

  private async encode(
    route: 'query' | 'document',
    texts: string | readonly string[],
    options: EncodeOptions,
  ): Promise<EncodedVector | EncodedVector[]> {
    if (this.disposed) throw new SpladeError('disposed', 'this WorkerSparseEncoder was disposed');
    const list = typeof texts === 'string' ? [texts] : texts;
    if (!Array.isArray(list))
      throw new SpladeError(
        'invalid-input',
        `expected a string or an array of strings, got ${texts === null ? 'null' : typeof texts}`,
      );
    for (const t of list)
      if (typeof t !== 'string')
        throw new SpladeError('invalid-input', `texts must be strings, got ${t === null ? 'null' : typeof t}`);
    throwIfAborted(options.signal);
    const id = this.nextId++;
    const { signal, onBatch, ...rest } = options;
    const result = new Promise<EncodedVector[]>((resolve, reject) => {
      this.pending.set(id, { resolve, reject, ...(onBatch ? { onBatch } : {}) });
      signal?.addEventListener('abort', () => post(this.worker, { type: 'abort', id }), { once: true });
      post(this.worker, { type: 'encode', id, route, texts: [...list], options: rest });
    });
    const vectors = await result;
    return typeof texts === 'string' ? vectors[0]! : vectors;
  }

  /** One tokenizer-only request to the worker. */
  private request<T>(message: (id: number) => ToWorker): Promise<T> {
    if (this.disposed) return Promise.reject(new SpladeError('disposed', 'this WorkerSparseEncoder was disposed'));
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      post(this.worker, message(id));
    });
  }

  private onMessage(msg: FromWorker): void {
    if (msg.type === 'batch')
      this.pending.get(msg.id)?.onBatch?.({ done: msg.done, total: msg.total, device: msg.device });
    else if (msg.type === 'result') {
      this.lastStats = msg.stats;
      // A device lost mid-encode moves the encoder to its fallback: follow it.
      if (msg.device) this.device = msg.device;
      if (msg.backend) this.backendInfo = msg.backend;
      this.windowTokens = msg.windowTokens;
      this.settle(msg.id, msg.vectors);
    } else if (msg.type === 'windows') this.settle(msg.id, msg.windows);
    else if (msg.type === 'tokens') this.settle(msg.id, { ids: msg.ids, offsets: msg.offsets });
    else if (msg.type === 'error') {
      const e = msg.error;
      this.pending.get(msg.id)?.reject(new SpladeError(e.code, e.message, e.file ? { file: e.file } : {}));
      this.pending.delete(msg.id);
    }
  }

  private settle(id: number, value: unknown): void {
    this.pending.get(id)?.resolve(value);
    this.pending.delete(id);
  }

  private failAll(error: SpladeError): void {
    for (const p of this.pending.values()) p.reject(error);
    this.pending.clear();
  }
}

function post(worker: Worker, message: ToWorker): void {
  worker.postMessage(message);
}
