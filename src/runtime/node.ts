/** The Node runtime: onnxruntime-node (native CPU) with the JS pooler; local paths read from disk. */
import { readFile } from 'node:fs/promises';
import * as ort from 'onnxruntime-node';
import type { Runtime } from './types.ts';
import { SpladeError } from '../errors.ts';
import { defaultCacheDir, fsBuildStore } from './node-build-cache.ts';
import { fsFileCaches } from './node-file-cache.ts';
import { openLocalFile } from './node-files.ts';
import { createOrtBackend } from './ort.ts';

export const nodeRuntime: Runtime = nodeRuntimeWith({});

/**
 * The Node runtime with onnxruntime-node session options of the caller's (the build's encode workers
 * run one intra-op thread each, so N workers share N cores instead of each spinning up a pool per core).
 */
export function nodeRuntimeWith(sessionOptions: ort.InferenceSession.SessionOptions): Runtime {
  return {
    name: 'onnxruntime-node',
    async autoDevice() {
      return 'cpu';
    },
    async createBackend(model, modelFile, device, _options, externalData, details) {
      if (device !== 'cpu' && device !== 'wasm') {
        throw new SpladeError('invalid-option', `device '${device}' is not available in Node; accepted: 'auto', 'cpu'`);
      }
      return createOrtBackend({
        ort: ort as never,
        model,
        modelFile,
        externalData,
        details,
        device: 'cpu',
        pooling: 'cpu',
        sessionOptions,
      });
    },
    openLocalFile,
    buildStore(options) {
      return options.cache === false ? undefined : fsBuildStore(options.cacheDir ?? defaultCacheDir());
    },
    fileCache(options) {
      return options.cache === false ? undefined : fsFileCaches(options.cacheDir ?? defaultCacheDir());
    },
    async readLocalFile(path: string) {
      try {
        const buffer = await readFile(path);
        return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw new SpladeError('model-not-found', `could not read ${path}: ${(error as Error).message}`, {
          file: path,
          cause: error,
        });
      }
    },
  };
}
