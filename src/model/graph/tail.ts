/**
 * What a graph built from safetensors ends in (its "tail"), chosen per device and pooling when the
 * graph is built, and the output names each tail declares. layers.ts `vocabularyHead` writes the
 * nodes; src/runtime/ort.ts reads the outputs by these names; the build cache keys a build by its
 * tail (src/model/build-cache.ts), since one set of weights gives a different graph per tail.
 *
 * - 'logits': `logits` [batch, tokens, vocab] float32, as ONNX exports have it: what a graph is built
 *   with where the device is not known, and on WebGPU when the caller asks for the logits to be
 *   pooled in JavaScript (`pooling: 'cpu'`).
 * - 'hidden': WebGPU's tail. The graph ends at the last hidden state after the MLM transform (dense →
 *   activation → norm), `HIDDEN_OUTPUT` [batch, tokens, hidden] float32, and the decoder (W [vocab,
 *   hidden], b [vocab]) is not in the graph: it travels beside it as one more external data file,
 *   `HEAD_FILE` (a safetensors file, `encodeHeadFile`), which the runtime hands to the fused SPLADE
 *   head (src/pooling/fused-head.ts) once per session instead of to onnxruntime. The head computes
 *   projection, activation, mask and pooling in one WGSL kernel, so the [batch, tokens, vocab] logits
 *   never exist (62.5 MB per 512-token window at 30522 entries). W is float16 in the file where the
 *   graph is float16 (fp16, q4f16), float32 elsewhere: at q4 (and q8) the decoder is not quantized in
 *   any graph (dtypes.ts), so the head takes the float32 decoder the logits graph would have held.
 *   Where the hidden state cannot be pooled on the GPU (the WASM fallback after a lost device), the
 *   runtime runs the decoder and a pooling tail below as a small graph of their own (`headGraph` in head-file.ts).
 * - 'max': SPLADE max pooling inside the graph, for the CPU backends (onnxruntime-web WASM,
 *   onnxruntime-node), so only [batch, vocab] reaches JavaScript instead of [batch, tokens, vocab]:
 *   `MAX_LOGIT_OUTPUT` [batch, vocab] float32, the largest raw logit over each row's real tokens, and
 *   `MAX_TOKEN_OUTPUT` [batch, vocab] int32, the first token that reaches it. Both activations are
 *   monotone, so the activation is applied to the [batch, vocab] maxima in JavaScript (as poolCpu
 *   does: max of the raw logits, then activate once per entry) and the values are bit for bit the
 *   logits path's. Windows of one document are merged in JavaScript (src/pooling/pooled.ts).
 * - 'sum-relu', 'sum-log1p_relu': sum pooling inside the graph: `sumOutput(activation)` [batch,
 *   vocab] float32, the sum over real tokens of the activated logits. A sum of logarithms cannot be
 *   taken after the sum, so the activation runs in the graph, on every logit, where poolCpu takes a
 *   logarithm only of the positive ones; measured (bench/pooled.ts, BERT-base head alone, 512 tokens,
 *   random weights: half the logits positive) it still costs no more than the copy-out path on WASM
 *   (1145 vs 1159 ms per window) and less on onnxruntime-node (327 vs 375), and JS allocates no
 *   [rows, tokens, vocab] copy.
 *
 * What it buys (bench/pooled.ts, BERT-base size, 512-token windows, one thread): 238 KiB per window
 * reaches JS instead of 59.6 MiB, and the head costs 112 ms less per window on WASM (1085 vs 1197),
 * 72 ms less on onnxruntime-node (305 vs 377): about 2% of the whole model's time.
 *
 * Why one tail per graph rather than one graph declaring them all: onnxruntime runs every node of a
 * graph whatever outputs a run fetches (measured with onnxruntime-node 1.30.0 and onnxruntime-web
 * 1.30.0 WASM, one thread: a graph with an output `a` = one 384x384 MatMul and an output `b` = a
 * chain of 30 such MatMuls took 38 ms (node) / 140 ms (WASM) to fetch `a` alone, the same as fetching
 * both, against 1.8 ms / 4.9 ms for the graph without the chain; even nodes that reach no output
 * run). A graph with logits and pooled outputs would make WebGPU pay for pooling nodes it does not
 * use, and the sum outputs cost a logarithm per logit (on WASM more than the rest of the tail).
 *
 * Output names carry a `splade_web_` prefix so that an ONNX file from elsewhere never matches them
 * by accident: only a graph this project built takes the pooled path.
 */
import type { Activation, PoolingConfig } from '../../pooling/config.ts';
import type { EncoderDevice } from '../../runtime/types.ts';

export type GraphTail = 'logits' | 'hidden' | 'max' | 'sum-relu' | 'sum-log1p_relu';
export const GRAPH_TAILS: readonly GraphTail[] = ['logits', 'hidden', 'max', 'sum-relu', 'sum-log1p_relu'];

/** [batch, tokens, hidden] float32: the hidden state after the MLM transform, before the decoder ('hidden' tail). */
export const HIDDEN_OUTPUT = 'splade_web_hidden';
/** The external data file that holds a 'hidden' graph's decoder (safetensors: `weight`, `bias`). */
export const HEAD_FILE = 'splade_web_head.safetensors';

/** [batch, vocab] float32: per row, the largest logit over its real tokens (before the activation). */
export const MAX_LOGIT_OUTPUT = 'splade_web_max_logit';
/** [batch, vocab] int32: per row, the first token (index in the row) whose logit is that maximum. */
export const MAX_TOKEN_OUTPUT = 'splade_web_max_token';

/** [batch, vocab] float32: per row, the sum over its real tokens of the activated logits. */
export function sumOutput(activation: Activation): string {
  return `splade_web_sum_${activation}`;
}

/**
 * The tail for `pooling` on `device`: pooling in the graph on the CPU backends, the hidden state for
 * the fused head on WebGPU, the logits where the device is not known. (A WebGPU session asked to pool
 * on the CPU, `pooling: 'cpu'`, reads a 'hidden' graph's hidden state back and runs `headGraph` on
 * WASM: the decoder and the pooling tail, as on the CPU backends.)
 */
export function graphTailFor(device: EncoderDevice | undefined, pooling: PoolingConfig): GraphTail {
  if (device === 'webgpu') return 'hidden';
  if (device !== 'wasm' && device !== 'cpu') return 'logits';
  return pooledTailFor(pooling);
}

/** The tail that pools inside the graph with `pooling` ('max', or 'sum-' and its activation). */
export function pooledTailFor(pooling: PoolingConfig): Exclude<GraphTail, 'logits' | 'hidden'> {
  return pooling.strategy === 'max' ? 'max' : `sum-${pooling.activation}`;
}

/** The outputs a graph with `tail` declares, with their element types (for the session check). */
export function tailOutputs(tail: GraphTail): string[] {
  if (tail === 'logits') return ['logits'];
  if (tail === 'hidden') return [HIDDEN_OUTPUT];
  if (tail === 'max') return [MAX_LOGIT_OUTPUT, MAX_TOKEN_OUTPUT];
  return [sumOutput(tail === 'sum-relu' ? 'relu' : 'log1p_relu')];
}
