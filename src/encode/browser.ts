/** SparseEncoder bound to the browser runtime (onnxruntime-web). */
import { SparseEncoder as BaseEncoder } from './encoder.ts';
import { webRuntime } from '../runtime/web.ts';
import type { Runtime } from '../runtime/types.ts';

/**
 * Runs in the calling thread (WebGPU + WGSL pooling, or WASM); use `WorkerSparseEncoder` to keep a
 * page responsive. `SparseEncoder.fromPretrained(source, options)` returns an instance of this class.
 */
export class SparseEncoder extends BaseEncoder {
  static override get runtime(): Runtime {
    return webRuntime;
  }
}
