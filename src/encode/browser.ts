/** SparseEncoder bound to the browser runtime (onnxruntime-web). */
import { SparseEncoder as BaseEncoder, type EncoderOptions } from './encoder.ts';
import { webRuntime } from '../runtime/web.ts';

export class SparseEncoder extends BaseEncoder {
  /**
   * Loads a model in the sentence-transformers layout from a hub id (`owner/name`), a URL, or a path
   * (`/models/x`, `./x`). Runs in the calling thread; use `WorkerSparseEncoder` to keep a page responsive.
   */
  static fromPretrained(source: string, options: EncoderOptions = {}): Promise<BaseEncoder> {
    return BaseEncoder.load(webRuntime, source, options);
  }
}
