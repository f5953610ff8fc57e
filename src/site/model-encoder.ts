/**
 * The query side of a site built with a symmetric model (queries encoded by the masked-LM, as
 * documents are): `<dir>/splade-encoder.<hash>.js`, a self-contained ES module that splade.js
 * imports only when the entry says `query.kind === 'model'`, so inference-free sites never load
 * onnxruntime-web.
 *
 *   const encoder = await loadQueryEncoder(modelUrl, { wasm: { mjs, wasm } });
 *   await encoder.encodeQuery('레이어 마스크');   // the model's sparse vector, as in Node
 *
 * It runs the project's SparseEncoder on onnxruntime-web in the calling thread: WebGPU (WGSL
 * pooling) on a hardware GPU, WASM otherwise ('auto'; a software adapter is skipped). Without
 * cross-origin isolation WASM runs one thread, so no worker (and no blob: URL) is started; the page
 * needs `'wasm-unsafe-eval'` in script-src to compile the WebAssembly, nothing else.
 */
import { SparseEncoder } from '../encode/browser.ts';
import { SpladeError } from '../errors.ts';
import { ort } from '../runtime/web.ts';
import { ORT_RUNTIME_BASENAME } from '../runtime/ort-files.ts';
import type { SparseVector } from '../vector.ts';

export interface QueryEncoderOptions {
  /**
   * onnxruntime-web's runtime files the build wrote (ORT_RUNTIME_BASENAME's .mjs and .wasm,
   * content-hashed), as URLs or paths relative to this module. Without them ORT looks beside
   * this module under its own file names.
   */
  wasm?: { mjs: string; wasm: string };
  /** 'auto' (default): WebGPU on a hardware GPU, WASM otherwise. */
  device?: 'auto' | 'webgpu' | 'wasm';
  /** Cache API cache for the model files (default the library's model cache); null keeps none. */
  cacheName?: string | null;
}

export interface QueryEncoder {
  encodeQuery(text: string): Promise<SparseVector>;
  /** The vocabulary entry of an id (for explanations). */
  token(id: number): string;
  /** 'webgpu' or 'wasm', once the first query was encoded. */
  readonly device: string | undefined;
  dispose(): Promise<void>;
}

const DEVICES = ['auto', 'webgpu', 'wasm'] as const;

export async function loadQueryEncoder(modelUrl: string, options: QueryEncoderOptions = {}): Promise<QueryEncoder> {
  if (typeof modelUrl !== 'string' || modelUrl === '')
    throw new SpladeError(
      'invalid-input',
      `loadQueryEncoder() takes the model folder's URL as a non-empty string, got ${JSON.stringify(modelUrl)}`,
    );
  const device = options.device ?? 'auto';
  if (!DEVICES.includes(device))
    throw new SpladeError(
      'invalid-option',
      `device must be one of ${DEVICES.join(', ')}, got ${JSON.stringify(device)}`,
    );
  // Where ORT's Emscripten module and WebAssembly are: computed URLs (not literals), so a bundler
  // leaves them alone; configureWasm (runtime/web.ts) keeps paths that were set before it runs.
  const files = options.wasm ?? { mjs: `./${ORT_RUNTIME_BASENAME}.mjs`, wasm: `./${ORT_RUNTIME_BASENAME}.wasm` };
  ort.env.wasm.wasmPaths = {
    mjs: new URL(files.mjs, import.meta.url).href,
    wasm: new URL(files.wasm, import.meta.url).href,
  };
  const model = new URL(modelUrl, import.meta.url).href.replace(/\/?$/, '/');
  const encoder = await SparseEncoder.fromPretrained(model, {
    device,
    // The build's model folder is content-hashed (model.<hash>/): a cached copy is never stale.
    immutable: true,
    ...(options.cacheName === null ? { cache: false } : options.cacheName ? { cacheName: options.cacheName } : {}),
  });
  if (encoder.inferenceFree) {
    await encoder.dispose();
    throw new SpladeError(
      'unsupported-module',
      `the model at ${model} has static query weights; its site is built with the sharded query tokenizer, not this encoder module`,
    );
  }
  return {
    encodeQuery: (text) => encoder.encodeQuery(text),
    token: (id) => encoder.token(id),
    get device() {
      return encoder.device;
    },
    dispose: () => encoder.dispose(),
  };
}
