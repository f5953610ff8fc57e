/**
 * Node entry of splade-web: the same encoder on onnxruntime-node (native CPU). No side effects.
 * Model paths may be plain file-system paths here (absolute or starting with ./ or ../).
 */
import { SparseEncoder as BaseEncoder } from './encode/encoder.ts';
import { nodeRuntime } from './runtime/node.ts';
import type { Runtime } from './runtime/types.ts';

/** `SparseEncoder.fromPretrained(source, options)` returns an instance of this class. */
export class SparseEncoder extends BaseEncoder {
  static override get runtime(): Runtime {
    return nodeRuntime;
  }
}

export { openFileStore } from './index/store/fs.ts';
export * from './api.ts';
