/**
 * One encode worker of `splade-web build` (started by encode-pool.ts): loads the build's model on
 * onnxruntime-node with its own intra-op thread count (1 when there is a worker per core), reports
 * the model's cache key, then encodes the units of texts it is sent, one at a time, with the very
 * call the single-thread path makes (ENCODE_CALL), until it is told to stop.
 *
 * It stops itself: on 'stop' a unit in progress is aborted at its next batch, the session released
 * and the thread left to end. Worker.terminate() is never used on a worker that may be inside
 * onnxruntime: onnxruntime-node (1.30) aborts the whole process (an uncaught Napi::Error) when the
 * thread's JS environment is torn down under a running session.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { SparseEncoder } from '../node.ts';
import { nodeRuntimeWith } from '../runtime/node.ts';
import type { Runtime } from '../runtime/types.ts';
import {
  serializeError,
  type EncodeWorkerData,
  type FromEncodeWorker,
  type ToEncodeWorker,
} from './encode-protocol.ts';
import { ENCODE_CALL } from './encode-units.ts';
import { modelKeyOf } from './model-key.ts';

const port = parentPort;
if (!port) throw new Error('encode-worker.ts runs as a worker thread of the build (encode-pool.ts)');
const { model, threads } = workerData as EncodeWorkerData;
const runtime = nodeRuntimeWith({ intraOpNumThreads: threads });

/** The Node encoder on this worker's runtime (its session options). */
class WorkerEncoder extends SparseEncoder {
  static override get runtime(): Runtime {
    return runtime;
  }
}

const post = (message: FromEncodeWorker) => port.postMessage(message);
const stopping = new AbortController();
let encoder: WorkerEncoder | undefined;
let busy = true; // loading
let stopped = false;

/** Releases the session and lets the thread end (nothing else keeps it alive). */
async function stop(): Promise<void> {
  if (stopped) return;
  stopped = true;
  await encoder?.dispose().catch(() => {});
  port!.close();
}

// Listening before the model loads: a stop may come while it does. Units come one at a time (the
// pool sends a worker its next unit only after its last result).
port.on('message', async (message: ToEncodeWorker) => {
  if (message.type === 'stop') {
    stopping.abort();
    if (!busy) await stop();
    return;
  }
  busy = true;
  try {
    if (!encoder) throw new Error('the encode worker has no model (its load failed)');
    const vectors = await encoder.encodeDocument(message.texts, { ...ENCODE_CALL, signal: stopping.signal });
    post({ type: 'result', id: message.id, vectors });
  } catch (error) {
    post({ type: 'error', id: message.id, error: serializeError(error) });
  } finally {
    busy = false;
    if (stopping.signal.aborted) await stop();
  }
});

try {
  const { source, ...options } = model;
  encoder = await WorkerEncoder.fromPretrained(source, { ...options, signal: stopping.signal });
  post({ type: 'ready', modelKey: modelKeyOf(encoder) });
} catch (error) {
  post({ type: 'load-error', error: serializeError(error) });
} finally {
  busy = false;
  if (stopping.signal.aborted) await stop();
}
