/**
 * ModernBertForMaskedLM (Answer.AI / LightOn; telepix/PIXIE-Splade-Preview's transformer), built from
 * config.json as transformers' modeling_modernbert.py computes it on its eager / sdpa path:
 *
 *   embeddings  model.embeddings.tok_embeddings -> model.embeddings.norm
 *   each layer  (pre-LN) h = h + attn.Wo(attention(attn_norm(h)))      attn_norm: none in layer 0
 *                        h = h + mlp.Wo(act(input) * gate),  [input | gate] = mlp.Wi(mlp_norm(h))
 *   attention   packed Wqkv (q | k | v), rotary embeddings on q and k (rotate_half layout),
 *               softmax(q kᵀ / √d + mask) v; "full_attention" layers see every real token with
 *               the global rope theta, "sliding_attention" layers only keys with |i - j| ≤
 *               local_attention / 2, with the local rope theta
 *   head        model.final_norm -> head.dense -> act -> head.norm -> decoder (tied to
 *               tok_embeddings, with decoder.bias)
 *
 * Traps, each taken from the published code:
 * - Every norm is a LayerNorm WITHOUT bias unless `norm_bias` is true (the checkpoint has no
 *   `.bias` tensors), and layer 0's attn_norm is nn.Identity: no tensor, no norm. The embedding
 *   norm and model.final_norm exist too; the head has its own norm after the activation.
 * - The GLU applies the activation to the FIRST half of Wi's output and gates with the second
 *   (GTE's gated MLP is the other way round).
 * - Layer types: `layer_types` when the config has it (transformers 5), else layer i is global when
 *   i % global_attn_every_n_layers == 0 (layer 0 always), default 3. Rope theta per type:
 *   `rope_parameters[type].rope_theta` (transformers 5), else global_rope_theta (default 160000) /
 *   local_rope_theta (default 10000; an explicit null meant "the global theta" in the first
 *   ModernBERT code).
 * - The window is |i - j| ≤ local_attention // 2, inclusive, on both sides (flash-attn's
 *   window_size (w, w) and the sdpa mask agree); local_attention 128 is a window of 129 keys.
 * - The sliding mask REPLACES entries by the float32 minimum (masked_fill), it does not add a second
 *   minimum: min + min would be -inf, and a padded query row whose window holds no real key would
 *   give NaN (uniform attention instead, as in transformers, and the row is padding anyway).
 * - Positions are 0..tokens-1 in every row (sdpa path; right padding as the tokenizer pads).
 * - Biases: attention_bias (Wqkv, Wo), mlp_bias (Wi, Wo), classifier_bias (head.dense), all false by
 *   default; decoder_bias true by default. Activations: hidden_activation (MLP) and
 *   classifier_activation (head), both "gelu" = exact erf GELU.
 * Flash-attention's unpadded path and torch.compile are speed paths with the same result.
 */
import { SpladeError } from '../../../errors.ts';
import type { ArchitectureBuilder } from '../architectures.ts';
import type { Value } from '../builder.ts';
import type { ModelConfig } from '../config.ts';
import { activation, layerNorm, linear, modelInputs, paddingBias, vocabularyHead } from '../layers.ts';
import { applyRotary, rotaryTables } from '../rotary.ts';

/** configuration_modernbert.py's defaults for the keys that change the computation. */
const DEFAULTS = {
  norm_eps: 1e-5,
  norm_bias: false,
  attention_bias: false,
  mlp_bias: false,
  classifier_bias: false,
  decoder_bias: true,
  hidden_activation: 'gelu',
  classifier_activation: 'gelu',
  local_attention: 128,
  global_attn_every_n_layers: 3,
  global_rope_theta: 160000,
  local_rope_theta: 10000,
  max_position_embeddings: 8192,
  tie_word_embeddings: true,
} as const;

const FLOAT32_MIN = -3.4028234663852886e38;

export type ModernBertLayerType = 'full_attention' | 'sliding_attention';

/** What the forward pass needs from either config form. */
export interface ModernBertAttentionPlan {
  layerTypes: ModernBertLayerType[];
  ropeTheta: Record<ModernBertLayerType, number>;
  /** A sliding layer's query at i sees keys j with |i - j| ≤ halfWindow. */
  halfWindow: number;
}

function fail(config: ModelConfig, code: 'model-unsupported' | 'model-file-invalid', message: string): never {
  throw new SpladeError(code, `${config.file}: ${message}`, { file: config.file });
}

/** The rope theta a `rope_parameters` entry gives, or undefined when it names none. */
function ropeEntryTheta(config: ModelConfig, entry: unknown, where: string): number | undefined {
  if (entry === undefined || entry === null) return undefined;
  if (typeof entry !== 'object' || Array.isArray(entry))
    fail(config, 'model-file-invalid', `${where} must be an object`);
  const { rope_type: type, rope_theta: theta } = entry as { rope_type?: unknown; rope_theta?: unknown };
  if (type !== undefined && type !== 'default') {
    fail(
      config,
      'model-unsupported',
      `${where}.rope_type ${JSON.stringify(type)} is not supported; accepted: "default"`,
    );
  }
  if (theta === undefined) return undefined;
  if (typeof theta !== 'number' || !(theta > 0)) {
    fail(config, 'model-file-invalid', `${where}.rope_theta must be a positive number; found ${JSON.stringify(theta)}`);
  }
  return theta;
}

/** Layer types, rope thetas and window from either config form (see the traps above). */
export function modernBertAttentionPlan(config: ModelConfig): ModernBertAttentionPlan {
  const layers = config.int('num_hidden_layers');
  let layerTypes: ModernBertLayerType[];
  const listed = config.get('layer_types');
  if (listed !== undefined && listed !== null) {
    const valid =
      Array.isArray(listed) &&
      listed.length === layers &&
      listed.every((t) => t === 'full_attention' || t === 'sliding_attention');
    if (!valid) {
      fail(
        config,
        'model-file-invalid',
        `"layer_types" must list "full_attention" or "sliding_attention" for each of the ${layers} layers; ` +
          `found ${JSON.stringify(listed)}`,
      );
    }
    layerTypes = listed as ModernBertLayerType[];
  } else {
    const every = config.int('global_attn_every_n_layers', DEFAULTS.global_attn_every_n_layers);
    if (every === 0) fail(config, 'model-file-invalid', '"global_attn_every_n_layers" must be at least 1; found 0');
    layerTypes = Array.from({ length: layers }, (_, i) => (i % every === 0 ? 'full_attention' : 'sliding_attention'));
  }

  if (config.has('rope_scaling')) {
    fail(config, 'model-unsupported', `"rope_scaling" ${JSON.stringify(config.get('rope_scaling'))} is not supported`);
  }
  const global = config.number('global_rope_theta', DEFAULTS.global_rope_theta);
  const local =
    config.get('local_rope_theta') === null ? global : config.number('local_rope_theta', DEFAULTS.local_rope_theta);
  const ropeTheta: Record<ModernBertLayerType, number> = { full_attention: global, sliding_attention: local };
  const parameters = config.get('rope_parameters');
  if (parameters !== undefined && parameters !== null) {
    if (typeof parameters !== 'object' || Array.isArray(parameters)) {
      fail(config, 'model-file-invalid', '"rope_parameters" must be an object');
    }
    const byType = parameters as Record<string, unknown>;
    // Per layer type as transformers 5 writes it; a flat {rope_type, rope_theta} applies to both.
    const flat = 'rope_theta' in byType || 'rope_type' in byType;
    for (const type of ['full_attention', 'sliding_attention'] as const) {
      const entry = flat ? byType : byType[type];
      const theta = ropeEntryTheta(config, entry, flat ? 'rope_parameters' : `rope_parameters.${type}`);
      if (theta !== undefined) ropeTheta[type] = theta;
    }
  }
  const window = config.int('local_attention', DEFAULTS.local_attention);
  return { layerTypes, ropeTheta, halfWindow: Math.floor(window / 2) };
}

/**
 * ModernBertRotaryEmbedding's inverse frequencies in float32: inv_freq = 1 / theta^(2i / d), each
 * step rounded to float32.
 */
export function modernBertInverseFrequencies(theta: number, headSize: number): Float32Array {
  return Float32Array.from(
    { length: headSize / 2 },
    (_, i) => 1 / Math.fround(theta ** Math.fround((2 * i) / headSize)),
  );
}

export const buildModernBertForMaskedLM: ArchitectureBuilder = ({ config, graph: g }) => {
  const hidden = config.int('hidden_size');
  const layers = config.int('num_hidden_layers');
  const heads = config.int('num_attention_heads');
  const headSize = config.headSize();
  const intermediate = config.int('intermediate_size');
  const vocab = config.int('vocab_size');
  const eps = config.number('norm_eps', DEFAULTS.norm_eps);
  const normBias = config.bool('norm_bias', DEFAULTS.norm_bias);
  const attentionBias = config.bool('attention_bias', DEFAULTS.attention_bias);
  const mlpBias = config.bool('mlp_bias', DEFAULTS.mlp_bias);
  const hiddenAct = config.string('hidden_activation', DEFAULTS.hidden_activation);
  const headAct = config.string('classifier_activation', DEFAULTS.classifier_activation);
  const maxPositions = config.int('max_position_embeddings', DEFAULTS.max_position_embeddings);
  if (headSize % 2 !== 0) {
    fail(
      config,
      'model-unsupported',
      `head size ${headSize} (hidden_size / num_attention_heads) must be even for rope`,
    );
  }
  const plan = modernBertAttentionPlan(config);

  const { inputIds, attentionMask } = modelInputs(g, false);
  const tokEmbeddings = 'model.embeddings.tok_embeddings.weight';
  const norm = (x: Value, prefix: string): Value => layerNorm(g, x, prefix, hidden, eps, { bias: normBias });

  let x = g.gather(g.weight(tokEmbeddings, [vocab, hidden]), inputIds);
  x = norm(x, 'model.embeddings.norm');

  // Rotary tables for the first `tokens` positions, [tokens, headSize] (both halves repeat the
  // frequencies, as torch.cat((freqs, freqs), -1)); one pair per rope theta in use.
  const tokens = g.dim(inputIds, 1);
  const rotary = new Map<number, { cos: Value; sin: Value }>();
  const rotaryFor = (theta: number): { cos: Value; sin: Value } => {
    let known = rotary.get(theta);
    if (!known) {
      const tables = rotaryTables(modernBertInverseFrequencies(theta, headSize), maxPositions);
      const rows = (table: Float32Array): Value => {
        const first = g.slice(
          g.constant(table, [maxPositions, headSize / 2]),
          g.ints([0]),
          g.unsqueeze(tokens, [0]),
          [0],
        );
        return g.concat([first, first], -1);
      };
      known = { cos: rows(tables.cos), sin: rows(tables.sin) };
      rotary.set(theta, known);
    }
    return known;
  };

  // Additive masks: padding keys get the float32 minimum ([batch, 1, 1, tokens]); sliding layers
  // also keys farther than the half window, by replacing (Where), never adding a second minimum.
  const padding = paddingBias(g, attentionMask);
  let sliding: Value | undefined;
  if (plan.layerTypes.includes('sliding_attention')) {
    const positions = g.range(g.scalar(0, 'int64'), tokens, g.scalar(1, 'int64'));
    const distance = g.abs(g.sub(g.unsqueeze(positions, [1]), g.unsqueeze(positions, [0]))); // [tokens, tokens]
    const outside = g.greater(distance, g.scalar(plan.halfWindow, 'int64'));
    sliding = g.where(outside, g.scalar(FLOAT32_MIN), padding); // [batch, 1, tokens, tokens]
  }

  for (let l = 0; l < layers; l++) {
    const p = `model.layers.${l}`;
    const type = plan.layerTypes[l]!;
    const { cos, sin } = rotaryFor(plan.ropeTheta[type]);
    const mask = type === 'sliding_attention' ? sliding! : padding;
    x = g.scope(`layer.${l}`, () => {
      const normed = l === 0 ? x : norm(x, `${p}.attn_norm`);
      const qkv = linear(g, normed, `${p}.attn.Wqkv`, hidden, 3 * hidden, { bias: attentionBias });
      const [q0, k0, v0] = g.split(qkv, [hidden, hidden, hidden], -1) as [Value, Value, Value];
      // [batch, tokens, hidden] -> [batch, heads, tokens, headSize]
      const toHeads = (y: Value) => g.transpose(g.reshape(y, [0, 0, heads, headSize]), [0, 2, 1, 3]);
      const q = applyRotary(g, toHeads(q0), cos, sin, headSize);
      const k = applyRotary(g, toHeads(k0), cos, sin, headSize);
      const scores = g.add(g.mul(g.matmul(q, k, { transposeB: true }), g.scalar(headSize ** -0.5)), mask);
      const context = g.matmul(g.softmax(scores, -1), toHeads(v0)); // [batch, heads, tokens, headSize]
      const merged = g.reshape(g.transpose(context, [0, 2, 1, 3]), [0, 0, hidden]);
      const attended = g.add(x, linear(g, merged, `${p}.attn.Wo`, hidden, hidden, { bias: attentionBias }));

      const wi = linear(g, norm(attended, `${p}.mlp_norm`), `${p}.mlp.Wi`, hidden, 2 * intermediate, { bias: mlpBias });
      const [input, gate] = g.split(wi, [intermediate, intermediate], -1) as [Value, Value];
      const gated = g.mul(activation(g, input, hiddenAct, 'hidden_activation'), gate);
      return g.add(attended, linear(g, gated, `${p}.mlp.Wo`, intermediate, hidden, { bias: mlpBias }));
    });
  }
  x = norm(x, 'model.final_norm');

  // MLM head. The decoder [vocab, hidden] as stored (a Gemm with transB), so a decoder tied to the
  // token embeddings reads the same initializer as the embedding Gather (no transposed copy).
  const classifierBias = config.bool('classifier_bias', DEFAULTS.classifier_bias);
  let h = linear(g, x, 'head.dense', hidden, hidden, { bias: classifierBias });
  h = norm(activation(g, h, headAct, 'classifier_activation'), 'head.norm');
  const tied = config.bool('tie_word_embeddings', DEFAULTS.tie_word_embeddings);
  const decoder = g.weight('decoder.weight', [vocab, hidden], tied ? { tiedTo: tokEmbeddings } : {});
  const decoderBias = config.bool('decoder_bias', DEFAULTS.decoder_bias)
    ? g.weight('decoder.bias', [vocab])
    : undefined;
  vocabularyHead(
    g,
    h,
    { layout: 'vocab-hidden', weight: decoder, bias: decoderBias },
    { hidden, vocab, heads, intermediate },
    { inputIds, attentionMask },
  );
};
