/**
 * What each dtype (src/model/dtype.ts) means for a graph built from safetensors, where each runs,
 * and what 'auto' picks. The weights are converted from the file's dtype (F32, F16, BF16) when the
 * graph is built; nothing else is downloaded, so the dtype changes memory, speed and accuracy, not
 * the download.
 *
 *   fp32   every weight and activation float32: the reference.
 *   fp16   weights (embeddings included) and activations float16. LayerNormalization keeps float16
 *          in and out (onnxruntime's CPU and WebGPU kernels compute its mean and variance in
 *          float32); softmax and RMS norm run in float32 between casts (a float16 softmax sums a row
 *          of hundreds of probabilities in float16 on WebGPU; x² of an RMS norm overflows float16);
 *          the logits output is float32 (a cast after the decoder), as the pooling reads it.
 *   q8     every Linear layer (attention q/k/v/output, MLP, the head's dense) is MatMulNBits
 *          (com.microsoft) with 8-bit weights in blocks of 32 along the input, one scale and zero
 *          point a block (quantize.ts); embeddings, norms, biases and the decoder stay float32.
 *   q4     the same with 4-bit blocks.
 *   q4f16  q4 on a float16 graph (scales float16; embeddings, norms and activations as at fp16).
 *
 * The decoder (the vocabulary projection, e.g. 30522 x 768) is never quantized: it is tied to the
 * word embeddings, so the graph keeps one table for both, and a 4-bit copy for the decoder would add
 * bytes beside the embedding table rather than replace it (onnxruntime-web's WebGPU
 * GatherBlockQuantized, which could read the embeddings from the same 4-bit table, returns wrong
 * values with zero points in 1.30). Its output is the logits themselves, so it is also where
 * quantization error would reach the vectors unfiltered.
 *
 * Where each runs (onnxruntime 1.30, checked op by op):
 *   - onnxruntime-node and onnxruntime-web's WASM: all five. Their CPU kernels run float16 ops as
 *     float32 between casts onnxruntime inserts, and MatMulNBits dequantizes into float32 GEMMs at its
 *     default accuracy level, so no dtype is much faster than fp32 on a CPU: they shrink the
 *     session's weights. (Level 4, int8 compute, was 1.36x fp32 on onnxruntime-node, with more error,
 *     and changed nothing on WASM. Dynamic int8, DynamicQuantizeLinear + MatMulInteger u8 x u8, was
 *     1.3x on node and 1.8x on WASM, at twice MatMulNBits' error, and its per-tensor activation
 *     scale makes a document's vector depend on the batch it is in: 7% of the largest weight.)
 *   - onnxruntime-web's WebGPU: fp32 and q4. fp16 and q4f16 need the adapter's `shader-f16`
 *     feature: without it a float16 session starts and returns zeros (checked on SwiftShader), so
 *     they are refused here. q8 is refused: the WebGPU MatMulNBits takes 4-bit weights only (session
 *     creation fails), and the dynamic int8 ops (DynamicQuantizeLinear + MatMulInteger) that
 *     transformers.js' q8 files use have no WebGPU kernels (they run on the CPU, copying every
 *     activation across).
 *
 * Measured (bench/dtypes.ts, bench/results/dtypes.json: BERT-base at its real size with random
 * weights, 200 git-doc passages against fp32; one thread), fp32 / fp16 / q8 / q4 / q4f16: session
 * weights 418 / 209 / 186 / 144 / 93 MiB; documents/s on onnxruntime-node 1.91 / 1.95 / 1.82 / 2.07 /
 * 1.82, on WASM 0.53 / 0.53 / 0.53 / 0.55 / 0.55; largest error over the largest weight 0 / 0.0066 /
 * 0.078 / 0.71 / 0.72, top-10 terms shared 1 / 0.998 / 0.981 / 0.59 / 0.60, top-10 documents of a
 * retrieval shared 1 / 1 / 0.994 / 0.46 / 0.45. Random weights amplify quantization error more than
 * trained ones do, but q4 on a BERT-base encoder is a large loss either way.
 *
 * 'auto': fp16 on WebGPU with shader-f16 (half the GPU memory and bandwidth; WebGPU's matmuls
 * accumulate in float16, which a CPU cannot show: emulated, 2-4x fp16's CPU error per layer, about
 * q8's); fp32 everywhere else: on a CPU the other dtypes are no faster, and q4 costs too much
 * accuracy to be picked for anyone.
 */
import { SpladeError } from '../../errors.ts';
import type { EncoderDevice } from '../../runtime/types.ts';
import type { DtypeOption, ModelDtype } from '../dtype.ts';

/** The dtypes a built graph can run at on `device` (`shaderF16`: the WebGPU adapter has shader-f16). */
export function builtGraphDtypes(device: EncoderDevice, shaderF16: boolean): ModelDtype[] {
  if (device !== 'webgpu') return ['fp32', 'fp16', 'q8', 'q4', 'q4f16'];
  return shaderF16 ? ['fp32', 'fp16', 'q4', 'q4f16'] : ['fp32', 'q4'];
}

/**
 * The dtype to build the graph at: `requested` as given when `device` runs it, 'auto' resolved as
 * above; `device` undefined (not known yet): 'auto' is fp32 and nothing is refused. A dtype the
 * device cannot run is a SpladeError 'invalid-option' (only WebGPU refuses any) naming the dtype,
 * the device and what runs there, as an fp16 ONNX file on such an adapter is refused (onnx-layout.ts).
 */
export function builtGraphDtype(
  requested: DtypeOption | undefined,
  device: EncoderDevice | undefined,
  shaderF16 = false,
): ModelDtype {
  if (requested === undefined || requested === 'auto') return device === 'webgpu' && shaderF16 ? 'fp16' : 'fp32';
  if (device === undefined || builtGraphDtypes(device, shaderF16).includes(requested)) return requested;
  const runs = builtGraphDtypes(device, shaderF16).map((d) => `'${d}'`);
  const why =
    requested === 'q8'
      ? "for a graph built from safetensors it is 8-bit MatMulNBits, and onnxruntime-web's WebGPU kernel takes 4-bit weights only"
      : "it computes in fp16, which this WebGPU adapter cannot (it lacks the 'shader-f16' feature)";
  throw new SpladeError(
    'invalid-option',
    `dtype '${requested}' cannot run on device 'webgpu': ${why}; use dtype ${runs.join(', ')} or 'auto', or device 'wasm'`,
  );
}
