/**
 * Node entry of splade-web: the same encoder on onnxruntime-node (native CPU). No side effects.
 * Model paths may be plain file-system paths here (absolute or starting with ./ or ../).
 */
import { SparseEncoder as BaseEncoder, type EncoderOptions } from './encode/encoder.ts';
import { nodeRuntime } from './runtime/node.ts';

export class SparseEncoder extends BaseEncoder {
  static fromPretrained(source: string, options: EncoderOptions = {}): Promise<BaseEncoder> {
    return BaseEncoder.load(nodeRuntime, source, options);
  }
}

export * from './api.ts';
