/**
 * Composite layers built from GraphBuilder ops, shared by the architectures: activations by their
 * Hugging Face `hidden_act` names, Linear with Hugging Face [out, in] weights, LayerNorm and RMSNorm
 * by weight prefix. Each is written as the published PyTorch code computes it, so the built graph
 * matches the reference to float32 rounding (onnxruntime's optimizer fuses the patterns it knows,
 * e.g. Erf-GELU and LayerNormalization, on its own).
 */
import { SpladeError } from '../../errors.ts';
import type { GraphBuilder, Value } from './builder.ts';
import { encodeHeadFile } from './head-file.ts';
import { toFloat16Array } from './quantize.ts';
import { HEAD_FILE, HIDDEN_OUTPUT, MAX_LOGIT_OUTPUT, MAX_TOKEN_OUTPUT, sumOutput } from './tail.ts';

/** GELU as torch's exact form: 0.5 x (1 + erf(x / sqrt 2)). */
export function gelu(g: GraphBuilder, x: Value): Value {
  const inner = g.erf(g.mul(x, g.scalar(Math.SQRT1_2)));
  return g.mul(g.mul(x, g.scalar(0.5)), g.add(inner, g.scalar(1)));
}

/** GELU's tanh approximation (`gelu_new`, `gelu_pytorch_tanh`): 0.5 x (1 + tanh(√(2/π)(x + 0.044715 x³))). */
export function geluTanh(g: GraphBuilder, x: Value): Value {
  const cube = g.mul(g.mul(x, x), x);
  const inner = g.mul(g.add(x, g.mul(cube, g.scalar(0.044715))), g.scalar(Math.sqrt(2 / Math.PI)));
  return g.mul(g.mul(x, g.scalar(0.5)), g.add(g.tanh(inner), g.scalar(1)));
}

/** x · sigmoid(x) (`silu`, `swish`). */
export function silu(g: GraphBuilder, x: Value): Value {
  return g.mul(x, g.sigmoid(x));
}

/** What transformers' ACT2FN maps each name to; the ones a SPLADE model can name. */
const ACTIVATIONS: Record<string, (g: GraphBuilder, x: Value) => Value> = {
  gelu,
  gelu_python: gelu,
  gelu_new: geluTanh,
  gelu_pytorch_tanh: geluTanh,
  gelu_fast: geluTanh,
  relu: (g, x) => g.relu(x),
  silu,
  swish: silu,
  tanh: (g, x) => g.tanh(x),
  sigmoid: (g, x) => g.sigmoid(x),
};

/** The activation config.json names (`hidden_act`, `activation`, `hidden_activation`). */
export function activation(g: GraphBuilder, x: Value, name: string, key = 'hidden_act'): Value {
  const fn = ACTIVATIONS[name];
  if (!fn) {
    throw new SpladeError(
      'model-unsupported',
      `config.json: ${key} "${name}" is not supported; supported: ${Object.keys(ACTIVATIONS).join(', ')}`,
      { file: 'config.json' },
    );
  }
  return fn(g, x);
}

/** Whether `activation` knows `name` (check before building). */
export function knownActivation(name: string): boolean {
  return name in ACTIVATIONS;
}

/**
 * torch.nn.Linear: x @ W^T + b with W stored [out, in] under `${prefix}.weight` (read transposed) and
 * `${prefix}.bias` when `bias` is true. `rows` picks part of a packed weight (and the same part of
 * its bias).
 */
export function linear(
  g: GraphBuilder,
  x: Value,
  prefix: string,
  inFeatures: number,
  outFeatures: number,
  options: { bias?: boolean; rows?: readonly [number, number] } = {},
): Value {
  const rows = options.rows;
  // Quantized dtypes: the weight [out, in] is MatMulNBits' N x K as stored, so it is not transposed.
  const y =
    g.quantBits !== undefined
      ? g.matMulNBits(x, `${prefix}.weight`, [outFeatures, inFeatures], rows)
      : g.matmul(
          x,
          g.weight(`${prefix}.weight`, [outFeatures, inFeatures], { transpose: true, ...(rows ? { rows } : {}) }),
        );
  if (options.bias === false) return y;
  return g.add(y, g.weight(`${prefix}.bias`, [outFeatures], rows ? { rows } : {}));
}

/** torch.nn.LayerNorm over the last axis with `${prefix}.weight` and (unless `bias` is false) `${prefix}.bias`. */
export function layerNorm(
  g: GraphBuilder,
  x: Value,
  prefix: string,
  size: number,
  epsilon: number,
  options: { bias?: boolean } = {},
): Value {
  const scale = g.weight(`${prefix}.weight`, [size]);
  const bias = options.bias === false ? undefined : g.weight(`${prefix}.bias`, [size]);
  return g.layerNorm(x, scale, bias, epsilon);
}

/**
 * RMSNorm: x / sqrt(mean(x²) + eps) · weight, over the last axis; in float32 in an fp16 graph (x² of
 * a hidden state over 256 is past float16's range).
 */
export function rmsNorm(g: GraphBuilder, x: Value, prefix: string, size: number, epsilon: number): Value {
  const y = g.exact(() => {
    const wide = x.type === 'float32' ? x : g.cast(x, 'float32');
    const meanSquare = g.reduceMean(g.mul(wide, wide), [-1]);
    const normed = g.div(wide, g.sqrt(g.add(meanSquare, g.scalar(epsilon))));
    return g.mul(normed, g.weight(`${prefix}.weight`, [size]));
  });
  return x.type === 'float32' ? y : g.cast(y, 'float32'); // back to the graph's float type
}

/** The graph inputs of the encoder contract (see architectures.ts); `token_type_ids` only when asked. */
export function modelInputs(
  g: GraphBuilder,
  tokenTypes: boolean,
): { inputIds: Value; attentionMask: Value; tokenTypeIds?: Value } {
  const inputIds = g.input('input_ids', 'int64', ['batch', 'tokens']);
  const attentionMask = g.input('attention_mask', 'int64', ['batch', 'tokens']);
  if (!tokenTypes) return { inputIds, attentionMask };
  return { inputIds, attentionMask, tokenTypeIds: g.input('token_type_ids', 'int64', ['batch', 'tokens']) };
}

/** Declares `x` ([batch, tokens, vocab]) the `logits` output, float32 whatever the graph's float type. */
export function logitsOutput(g: GraphBuilder, x: Value, vocab: number): void {
  const logits = x.type === 'float32' ? x : g.exact(() => g.cast(x, 'float32'));
  g.output(logits, 'logits', ['batch', 'tokens', vocab]);
}

/** The masked-LM decoder: its weight as the architecture stores it, and its bias when it has one. */
export interface VocabularyDecoder {
  /**
   * 'hidden-vocab': [hidden, vocab], applied by MatMul to [batch, tokens, hidden] (the BERT family's
   * transposed table); 'vocab-hidden': [vocab, hidden] as stored, applied by a Gemm with transB to
   * the tokens flattened to [batch · tokens, hidden], so a decoder tied to the embeddings reads the
   * embedding Gather's own initializer (no transposed copy).
   */
  layout: 'hidden-vocab' | 'vocab-hidden';
  weight: Value;
  bias?: Value | undefined;
}

/**
 * The vocabulary projection of a masked-LM head and the graph's outputs, which every architecture
 * ends with: `h` [batch, tokens, hidden] times the decoder (plus bias) gives the logits, and the
 * graph's tail (tail.ts, chosen when the graph is built) decides what is declared from them: the
 * logits themselves, or SPLADE pooling over the tokens under `attentionMask` (`poolingTail`).
 */
export function vocabularyHead(
  g: GraphBuilder,
  h: Value,
  decoder: VocabularyDecoder,
  sizes: { hidden: number; vocab: number; heads?: number; intermediate?: number },
  inputs: { inputIds: Value; attentionMask: Value },
): void {
  if (g.tail === 'hidden') {
    const wide = h.type === 'float32' ? h : g.exact(() => g.cast(h, 'float32'));
    g.output(wide, HIDDEN_OUTPUT, ['batch', 'tokens', sizes.hidden]);
    writeHeadFile(g, decoder, sizes);
    return;
  }
  let logits: Value;
  if (decoder.layout === 'hidden-vocab') {
    const scores = g.matmul(h, decoder.weight);
    logits = decoder.bias ? g.add(scores, decoder.bias) : scores;
  } else {
    const flat = g.reshape(h, [-1, sizes.hidden]);
    const scores = g.node('Gemm', [flat, decoder.weight, decoder.bias], { transB: { i: 1 } })[0]!;
    logits = { ...g.reshape(scores, g.concat([g.shape(inputs.inputIds), g.ints([sizes.vocab])], 0)), rank: 3 };
  }
  poolingTail(g, logits, inputs.attentionMask, sizes.vocab);
}

/**
 * On the 'hidden' tail: declares the head file, written by `build()` from the decoder `weight`
 * ([vocab, hidden] as stored, or the embeddings it is tied to) and `bias`, W in the graph's float type.
 */
export function writeHeadFile(
  g: GraphBuilder,
  decoder: { weight: Value; bias?: Value | undefined },
  sizes: { hidden: number; vocab: number; heads?: number; intermediate?: number },
): void {
  const half = g.float === 'float16';
  g.sideFile(HEAD_FILE, async (read) => {
    const stored = await read(decoder.weight);
    const weight = half ? toFloat16Array(stored) : stored;
    const bias = decoder.bias ? await read(decoder.bias) : undefined;
    const { vocab, hidden, heads, intermediate } = sizes;
    return encodeHeadFile({ weight, bias, vocab, hidden, heads, intermediate });
  });
}

/**
 * Declares the outputs of the graph's tail (tail.ts) from `logits` [batch, tokens, vocab], in float32
 * whatever the graph's float type (an fp16 or q4f16 graph casts its logits first, as `logitsOutput`).
 *
 * - 'max': a padding token's logits get the float32 minimum added (a real token's get -0, which
 *   leaves every value as it was); ArgMax over the tokens gives the first token reaching each
 *   entry's maximum (ONNX ArgMax's default, select_last_index 0: poolCpu's tie rule, the first
 *   strictly greater value), and GatherElements reads the maximum itself at that token. ArgMax then
 *   GatherElements costs one pass over the logits where ReduceMax plus ArgMax cost two. Relu and a
 *   multiplication by the mask are left out: an entry whose maximum is not positive is dropped in
 *   JavaScript, as poolCpu drops it. Measured on WASM (onnxruntime-web 1.30, one thread, [2, 512,
 *   30522] logits, a shared and noisy machine): ArgMax + GatherElements added 0-70 ms to a graph
 *   that reduced its logits once, ReduceMax + ArgMax about 1.3-1.7x that, Relu + Mul + ReduceMax
 *   200-300 ms (Relu alone 165 ms more than a Mul); copying the logits out cost 60-150 ms before
 *   any pooling in JavaScript.
 * - 'sum-*': log(max(x + 1, 1)) is log1p(relu(x)) (Max once instead of Relu then Add), once more
 *   log(y + 1) for log1p_relu; the sum over real tokens is a MatMul of the mask row [batch, 1, tokens]
 *   by the activated logits (the mask and the reduction in one op). log(1 + x) in float32 differs
 *   from log1p(x) by at most one rounding of 1 + x (6e-8), per token.
 */
export function poolingTail(g: GraphBuilder, logits: Value, attentionMask: Value, vocab: number): void {
  const tail = g.tail;
  if (tail === 'logits') {
    logitsOutput(g, logits, vocab);
    return;
  }
  g.exact(() => {
    const x = logits.type === 'float32' ? logits : g.cast(logits, 'float32');
    if (tail === 'max') {
      const keep = g.cast(g.unsqueeze(attentionMask, [2]), 'float32'); // [batch, tokens, 1]
      const masked = g.add(x, g.mul(g.sub(g.scalar(1), keep), g.scalar(-3.4028234663852886e38)));
      const axis = { axis: { i: 1 } };
      const token = g.node('ArgMax', [masked], { ...axis, keepdims: { i: 1 } }, { type: 'int64', rank: 3 })[0]!;
      const max = g.node('GatherElements', [masked, token], axis, { rank: 3 })[0]!;
      g.output(g.squeeze(max, [1]), MAX_LOGIT_OUTPUT, ['batch', vocab]);
      g.output(g.cast(g.squeeze(token, [1]), 'int32'), MAX_TOKEN_OUTPUT, ['batch', vocab]);
      return;
    }
    const one = g.scalar(1);
    let activated = g.log(g.max(g.add(x, one), one)); // log1p(relu(x))
    if (tail === 'sum-log1p_relu') activated = g.log(g.add(activated, one));
    const keepRow = g.cast(g.unsqueeze(attentionMask, [1]), 'float32'); // [batch, 1, tokens]
    const sum = g.squeeze(g.matmul(keepRow, activated), [1]);
    g.output(sum, sumOutput(tail === 'sum-relu' ? 'relu' : 'log1p_relu'), ['batch', vocab]);
  });
}

/**
 * The additive attention bias of a padding mask: 0 where `attention_mask` is 1, the float32 minimum
 * where it is 0, shaped [batch, 1, 1, tokens] to broadcast over heads and query positions (what
 * transformers' extended attention mask is).
 */
export function paddingBias(g: GraphBuilder, attentionMask: Value): Value {
  const keep = g.cast(g.unsqueeze(attentionMask, [1, 2]), 'float32');
  return g.mul(g.sub(g.scalar(1), keep), g.scalar(-3.4028234663852886e38));
}
