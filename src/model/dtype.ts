/**
 * The precision a model runs at (`dtype`), shared by the two places that honour it: the choice of
 * an ONNX file in a repository laid out as transformers.js lays it out (`onnx/model_fp16.onnx`…), and
 * the graph built from safetensors (src/model/graph/), whose weights are converted to it.
 *
 * Names and file suffixes are transformers.js' own (src/utils/dtypes.js, DEFAULT_DTYPE_SUFFIX_MAPPING
 * in 3.x and 4.x), so a repository exported for transformers.js is read file for file:
 *   fp32 -> model.onnx, fp16 -> model_fp16.onnx, q8 -> model_quantized.onnx, q4 -> model_q4.onnx,
 *   q4f16 -> model_q4f16.onnx.
 * transformers.js also names int8, uint8, bnb4 and 2-/1-bit files; SPLADE repositories do not ship
 * them, so they are refused by name rather than guessed at.
 */
import { SpladeError } from '../errors.ts';

/** A concrete precision: fp32, fp16, 8-bit dynamic quantization (q8), 4-bit blocks (q4; q4f16 on fp16). */
export type ModelDtype = 'fp32' | 'fp16' | 'q8' | 'q4' | 'q4f16';
/** What a caller passes: a precision, or 'auto' (the best the repository offers for the device). */
export type DtypeOption = ModelDtype | 'auto';

export const MODEL_DTYPES: readonly ModelDtype[] = ['fp32', 'fp16', 'q8', 'q4', 'q4f16'];
export const DTYPE_OPTIONS: readonly DtypeOption[] = ['auto', ...MODEL_DTYPES];

/** transformers.js' suffix of each dtype's file name: `model${suffix}.onnx`. */
export const TRANSFORMERS_JS_SUFFIX: Readonly<Record<ModelDtype, string>> = {
  fp32: '',
  fp16: '_fp16',
  q8: '_quantized',
  q4: '_q4',
  q4f16: '_q4f16',
};

export function isModelDtype(value: unknown): value is ModelDtype {
  return typeof value === 'string' && (MODEL_DTYPES as readonly string[]).includes(value);
}

/**
 * The `dtype` option as given (undefined -> 'auto'), or a SpladeError 'invalid-option' that lists
 * the accepted values. `what` names the option in the message (e.g. `--dtype` on the command line).
 */
export function parseDtype(value: unknown, what = 'dtype'): DtypeOption {
  if (value === undefined) return 'auto';
  if (value === 'auto' || isModelDtype(value)) return value;
  throw new SpladeError(
    'invalid-option',
    `${what} ${JSON.stringify(value)} is not supported; accepted: ${DTYPE_OPTIONS.join(', ')}`,
  );
}

/** The transformers.js file name of `dtype` for the model file `base` (default 'model'): `model_fp16.onnx`. */
export function transformersJsFile(dtype: ModelDtype, base = 'model'): string {
  return `${base}${TRANSFORMERS_JS_SUFFIX[dtype]}.onnx`;
}

/** The dtype a transformers.js file name stands for (`model_q4.onnx` -> 'q4'), undefined for another name. */
export function dtypeOfFile(fileName: string, base = 'model'): ModelDtype | undefined {
  const name = fileName.slice(fileName.lastIndexOf('/') + 1);
  return MODEL_DTYPES.find((d) => name === transformersJsFile(d, base));
}

/**
 * External data files of an ONNX file as transformers.js (v3, v4) and onnx's own exporter name them:
 * `model.onnx_data`, then `model.onnx_data_1`, `model.onnx_data_2`… (`chunks` files in all).
 */
export function externalDataNames(onnxFileName: string, chunks: number): string[] {
  const names: string[] = [];
  for (let k = 0; k < chunks; k++) names.push(`${onnxFileName}_data${k === 0 ? '' : `_${k}`}`);
  return names;
}

/**
 * The order in which `dtype: 'auto'` takes the files a repository offers, best first, for a device.
 * WebGPU: fp16 where the adapter has `shader-f16` (half the bytes to read per weight, and onnxruntime-web
 * runs fp16 kernels natively), else fp32; 4-bit MatMulNBits has WebGPU kernels; q8's dynamic int8 ops
 * (DynamicQuantizeLinear, MatMulInteger) have none and fall back to the CPU, so q8 comes last.
 * CPUs run fp16 files through Cast nodes around fp32 kernels, so fp16 is slower than fp32 there.
 * Measured on a 6-layer BERT (hidden 384, vocab 30522; git-doc passages, best of 4 interleaved rounds,
 * 2 cores): onnxruntime-web WASM (2 threads) fp32 1.59 docs/s, fp16 1.26, q8 2.46 (1.55x fp32, and a
 * smaller download); onnxruntime-node fp32 12.1, fp16 10.4, q8 15.4 (1.27x). So WASM takes q8 first,
 * as transformers.js does; native CPU keeps fp32 first (it builds indexes in Node, where q8's rounding
 * costs more than it saves: with random weights, q8 vectors were up to 28% of the largest weight off
 * fp32, fp16 1.5%).
 */
export function autoDtypeOrder(device: 'webgpu' | 'wasm' | 'cpu', shaderF16: boolean): ModelDtype[] {
  if (device === 'webgpu')
    return shaderF16 ? ['fp16', 'fp32', 'q4f16', 'q4', 'q8'] : ['fp32', 'q4', 'q8', 'fp16', 'q4f16'];
  if (device === 'wasm') return ['q8', 'fp32', 'q4', 'fp16', 'q4f16'];
  return ['fp32', 'q8', 'q4', 'fp16', 'q4f16'];
}

/** Whether `dtype` computes in fp16 (a WebGPU adapter needs `shader-f16` to run it on the GPU). */
export function isHalfDtype(dtype: ModelDtype): boolean {
  return dtype === 'fp16' || dtype === 'q4f16';
}
