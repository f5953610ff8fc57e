/**
 * The encoder worker: hosts a SparseEncoder so tokenization, inference and pooling never block the
 * page. Vectors go back as transferred typed arrays (no copies).
 */
import { SpladeError } from '../../errors.ts';
import { SparseEncoder } from '../browser.ts';
import type { SparseEncoder as Encoder } from '../encoder.ts';
import type { FromWorker, SerializedError, ToWorker } from './protocol.ts';

const scope = self as unknown as DedicatedWorkerGlobalScope;
let encoder: Encoder | undefined;
const running = new Map<number, AbortController>();

function post(message: FromWorker, transfer: Transferable[] = []): void {
  scope.postMessage(message, transfer);
}

function serialize(error: unknown): SerializedError {
  if (error instanceof SpladeError)
    return { code: error.code, message: error.message, ...(error.file ? { file: error.file } : {}) };
  return { code: 'runtime', message: (error as Error)?.message ?? String(error) };
}

scope.onmessage = async (event: MessageEvent<ToWorker>) => {
  const msg = event.data;
  switch (msg.type) {
    case 'load': {
      try {
        encoder = await SparseEncoder.fromPretrained(msg.source, {
          ...msg.options,
          onProgress: (e) => post({ type: 'progress', event: e }),
        });
        const tokens: string[] = [];
        for (let id = 0; id < encoder.vocabSize; id++) tokens.push(encoder.token(id));
        post({
          type: 'loaded',
          tokens,
          inferenceFree: encoder.inferenceFree,
          vocabSize: encoder.vocabSize,
          device: encoder.device,
          backend: encoder.backendInfo,
          windowTokens: encoder.windowTokens,
        });
      } catch (error) {
        post({ type: 'load-error', error: serialize(error) });
      }
      break;
    }
    case 'encode': {
      const controller = new AbortController();
      running.set(msg.id, controller);
      try {
        if (!encoder) throw new SpladeError('invalid-option', 'the worker has no model loaded');
        const options = {
          ...msg.options,
          signal: controller.signal,
          onBatch: (p: { done: number; total: number; device: 'webgpu' | 'wasm' | 'cpu' }) =>
            post({ type: 'batch', id: msg.id, ...p }),
        };
        const vectors =
          msg.route === 'query'
            ? await encoder.encodeQuery(msg.texts, options)
            : await encoder.encodeDocument(msg.texts, options);
        const transfer = vectors.flatMap((v) =>
          [v.indices, v.values, v.positions, v.spans, v.literal].filter((a) => a !== undefined).map((a) => a.buffer),
        ) as ArrayBuffer[];
        post(
          {
            type: 'result',
            id: msg.id,
            vectors,
            stats: encoder.lastStats,
            device: encoder.device,
            backend: encoder.backendInfo,
            windowTokens: encoder.windowTokens,
          },
          [...new Set(transfer)],
        );
      } catch (error) {
        post({ type: 'error', id: msg.id, error: serialize(error) });
      } finally {
        running.delete(msg.id);
      }
      break;
    }
    case 'windows':
    case 'tokens': {
      // Tokenizer-only requests: answered at once (they never wait for a running encode's queue).
      try {
        if (!encoder) throw new SpladeError('invalid-option', 'the worker has no model loaded');
        if (msg.type === 'windows')
          post({ type: 'windows', id: msg.id, windows: await encoder.windows(msg.text, msg.route) });
        else {
          const { ids, offsets } = await encoder.tokens(msg.text);
          post({ type: 'tokens', id: msg.id, ids, offsets }, [offsets.buffer as ArrayBuffer]);
        }
      } catch (error) {
        post({ type: 'error', id: msg.id, error: serialize(error) });
      }
      break;
    }
    case 'abort':
      running.get(msg.id)?.abort();
      break;
    case 'dispose':
      await encoder?.dispose();
      encoder = undefined;
      post({ type: 'disposed' });
      break;
  }
};
