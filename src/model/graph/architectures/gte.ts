/**
 * NewForMaskedLM: Alibaba's GTE "new" architecture (custom code in the Hugging Face repo
 * Alibaba-NLP/new-impl, which gte-*-en-v1.5 and opensearch-neural-sparse-encoding-doc-v3-gte point
 * to through `auto_map`), built from config.json as its `modeling.py` computes it:
 *
 *   embeddings  word_embeddings (+ token_type_embeddings when type_vocab_size > 0; + absolute
 *               position_embeddings only with position_embedding_type "absolute") -> LayerNorm
 *   each layer  (post-LN) h = attn_ln(h + o_proj(attention(h)))
 *                         h = mlp_ln(h + down_proj(act(gate) * up)), [up | gate] = up_gate_proj(h)
 *   attention   packed qkv_proj (q | k | v), rotary embeddings on q and k (rotate_half, not
 *               interleaved), optional log-n query scaling, softmax(q kᵀ / √d + padding bias) v
 *   head        lm_head.dense -> act -> lm_head.norm -> lm_head.decoder (tied to word_embeddings)
 *
 * Traps, each taken from the published code:
 * - NTK `rope_scaling` builds the table for max_position_embeddings · factor positions, which is
 *   past max_position_embeddings, so the SCALED frequencies apply to every input, short ones too.
 * - The gate is the SECOND half of up_gate_proj (ModernBERT's GLU gates with the first), and
 *   up_gate_proj has no bias while down_proj has one.
 * - `layer_norm_type` (layer_norm | rms_norm) applies to attn_ln / mlp_ln only; the embedding and
 *   head norms are always LayerNorm.
 * - No `token_type_ids` input at all when type_vocab_size is 0 (gte-base-en-v1.5, doc-v3-gte).
 * - Keys config.json leaves out take configuration.py's defaults (rope_theta 10000, pack_qkv true,
 *   type_vocab_size 1, layer_norm_eps 1e-12, max_position_embeddings 2048, hidden_act gelu).
 * `unpad_inputs` / `use_memory_efficient_attention` are xformers speed paths with the same result.
 */
import { SpladeError } from '../../../errors.ts';
import type { ArchitectureBuilder } from '../architectures.ts';
import type { Value } from '../builder.ts';
import type { ModelConfig } from '../config.ts';
import { activation, layerNorm, linear, modelInputs, paddingBias, rmsNorm, vocabularyHead } from '../layers.ts';
import { applyRotary, rotaryTables } from '../rotary.ts';

/** configuration.py's defaults for the keys that change the computation. */
const DEFAULTS = {
  hidden_act: 'gelu',
  max_position_embeddings: 2048,
  type_vocab_size: 1,
  layer_norm_type: 'layer_norm',
  layer_norm_eps: 1e-12,
  position_embedding_type: 'rope',
  rope_theta: 10000,
  pack_qkv: true,
  logn_attention_scale: false,
  logn_attention_clip1: false,
} as const;

function unsupported(config: ModelConfig, key: string, value: unknown, accepted: string): never {
  throw new SpladeError(
    'model-unsupported',
    `${config.file}: "${key}" ${JSON.stringify(value)} is not supported for NewForMaskedLM; accepted: ${accepted}`,
    { file: config.file },
  );
}

/**
 * The rotary inverse frequencies [headSize / 2] as new-impl's RotaryEmbedding /
 * NTKScalingRotaryEmbedding compute them (rounded to float32, as its float32 buffer holds them):
 *   plain:          theta^(-2i/d)
 *   ntk:            (theta · factor)^(-2i/d) / factor^(2/d)
 *   ntk + mixed_b:  theta^(-2i/d) / exp(a · (i + 1)^b),  a = ln(factor) / (d/2)^b
 */
export function gteInverseFrequencies(config: ModelConfig, headSize: number): Float32Array {
  const theta = config.number('rope_theta', DEFAULTS.rope_theta);
  const scaling = config.object('rope_scaling');
  const half = headSize / 2;
  if (!scaling) return Float32Array.from({ length: half }, (_, i) => theta ** ((-2 * i) / headSize));
  const type = scaling.get('type');
  if (type !== 'ntk') unsupported(config, 'rope_scaling.type', type, '"ntk"');
  const factor = scaling.number('factor');
  // With factor ≤ 1 the published code keeps the unscaled table up to max_position_embeddings and
  // switches past it: a table that depends on the input length, which no released model uses.
  if (!(factor > 1)) unsupported(config, 'rope_scaling.factor', factor, 'a number greater than 1');
  const mixedB = scaling.has('mixed_b') ? scaling.number('mixed_b') : undefined;
  if (mixedB === undefined) {
    const correction = factor ** (2 / headSize);
    return Float32Array.from({ length: half }, (_, i) => (theta * factor) ** ((-2 * i) / headSize) / correction);
  }
  const a = Math.log(factor) / half ** mixedB;
  return Float32Array.from(
    { length: half },
    (_, i) => theta ** ((-2 * i) / headSize) / Math.exp(a * (i + 1) ** mixedB),
  );
}

export const buildNewForMaskedLM: ArchitectureBuilder = ({ config, graph: g }) => {
  const hidden = config.int('hidden_size');
  const layers = config.int('num_hidden_layers');
  const heads = config.int('num_attention_heads');
  const headSize = config.headSize();
  const intermediate = config.int('intermediate_size');
  const vocab = config.int('vocab_size');
  const eps = config.number('layer_norm_eps', DEFAULTS.layer_norm_eps);
  const act = config.string('hidden_act', DEFAULTS.hidden_act);
  const typeVocab = config.int('type_vocab_size', DEFAULTS.type_vocab_size);
  const positionType = config.string('position_embedding_type', DEFAULTS.position_embedding_type);
  if (positionType !== 'rope' && positionType !== 'absolute')
    unsupported(config, 'position_embedding_type', positionType, '"rope", "absolute"');
  const normType = config.string('layer_norm_type', DEFAULTS.layer_norm_type);
  if (normType !== 'layer_norm' && normType !== 'rms_norm')
    unsupported(config, 'layer_norm_type', normType, '"layer_norm", "rms_norm"');
  const packQkv = config.bool('pack_qkv', DEFAULTS.pack_qkv);
  const lognScale = config.bool('logn_attention_scale', DEFAULTS.logn_attention_scale);
  const maxPositions = config.int('max_position_embeddings', DEFAULTS.max_position_embeddings);
  const rope = positionType === 'rope';
  if (rope && headSize % 2 !== 0) unsupported(config, 'num_attention_heads', heads, 'an even head size for rope');
  const inverseFrequencies = rope ? gteInverseFrequencies(config, headSize) : undefined;

  const { inputIds, attentionMask, tokenTypeIds } = modelInputs(g, typeVocab > 0);
  const wordEmbeddings = 'new.embeddings.word_embeddings.weight';
  const tokens = g.dim(inputIds, 1);

  // Embeddings.
  let x = g.gather(g.weight(wordEmbeddings, [vocab, hidden]), inputIds);
  if (tokenTypeIds) {
    x = g.add(x, g.gather(g.weight('new.embeddings.token_type_embeddings.weight', [typeVocab, hidden]), tokenTypeIds));
  }
  if (!rope) {
    const positions = g.range(g.scalar(0, 'int64'), tokens, g.scalar(1, 'int64')); // 0 .. tokens - 1
    x = g.add(x, g.gather(g.weight('new.embeddings.position_embeddings.weight', [maxPositions, hidden]), positions));
  }
  x = layerNorm(g, x, 'new.embeddings.LayerNorm', hidden, eps);

  // Rotary tables for the first `tokens` positions, [tokens, headSize] (both halves repeat the
  // frequencies, as torch.cat((freqs, freqs), -1)). As many rows as the published module caches:
  // max_position_embeddings, times the factor with NTK scaling (16384 for gte-base-en-v1.5); a longer
  // input is refused by onnxruntime (the table's rows and the tokens do not broadcast).
  let cos: Value | undefined;
  let sin: Value | undefined;
  if (inverseFrequencies) {
    const factor = config.object('rope_scaling')?.number('factor') ?? 1;
    const rows = Math.ceil(maxPositions * factor);
    const tables = rotaryTables(inverseFrequencies, rows);
    const firstRows = (table: Float32Array): Value => {
      const part = g.slice(g.constant(table, [rows, headSize / 2]), g.ints([0]), g.unsqueeze(tokens, [0]), [0]);
      return g.concat([part, part], -1);
    };
    cos = firstRows(tables.cos);
    sin = firstRows(tables.sin);
  }

  // log-n attention scaling: q · log(tokens in the row) / log(max_position_embeddings), ≥ 1 with clip1.
  let queryScale: Value | undefined;
  if (lognScale) {
    const lengths = g.reduceSum(g.cast(attentionMask, 'float32'), [1], false); // [batch]
    queryScale = g.div(g.log(lengths), g.scalar(Math.log(maxPositions)));
    if (config.bool('logn_attention_clip1', DEFAULTS.logn_attention_clip1)) queryScale = g.max(queryScale, g.scalar(1));
    queryScale = g.reshape(queryScale, [-1, 1, 1, 1]);
  }

  const bias = paddingBias(g, attentionMask); // [batch, 1, 1, tokens]
  const norm = (value: Value, prefix: string): Value =>
    normType === 'rms_norm' ? rmsNorm(g, value, prefix, hidden, eps) : layerNorm(g, value, prefix, hidden, eps);

  for (let l = 0; l < layers; l++) {
    const p = `new.encoder.layer.${l}`;
    x = g.scope(`layer.${l}`, () => {
      let q: Value, k: Value, v: Value;
      if (packQkv) {
        const qkv = linear(g, x, `${p}.attention.qkv_proj`, hidden, 3 * hidden);
        [q, k, v] = g.split(qkv, [hidden, hidden, hidden], -1) as [Value, Value, Value];
      } else {
        q = linear(g, x, `${p}.attention.q_proj`, hidden, hidden);
        k = linear(g, x, `${p}.attention.k_proj`, hidden, hidden);
        v = linear(g, x, `${p}.attention.v_proj`, hidden, hidden);
      }
      // [batch, tokens, hidden] -> [batch, heads, tokens, headSize]
      const toHeads = (y: Value) => g.transpose(g.reshape(y, [0, 0, heads, headSize]), [0, 2, 1, 3]);
      q = toHeads(q);
      k = toHeads(k);
      v = toHeads(v);
      if (cos && sin) {
        q = applyRotary(g, q, cos, sin, headSize);
        k = applyRotary(g, k, cos, sin, headSize);
      }
      if (queryScale) q = g.mul(q, queryScale);
      const scores = g.add(g.div(g.matmul(q, k, { transposeB: true }), g.scalar(Math.sqrt(headSize))), bias);
      const context = g.matmul(g.softmax(scores, -1), v); // [batch, heads, tokens, headSize]
      const merged = g.reshape(g.transpose(context, [0, 2, 1, 3]), [0, 0, hidden]);
      const attended = norm(g.add(x, linear(g, merged, `${p}.attention.o_proj`, hidden, hidden)), `${p}.attn_ln`);

      const upGate = linear(g, attended, `${p}.mlp.up_gate_proj`, hidden, 2 * intermediate, { bias: false });
      const [up, gate] = g.split(upGate, [intermediate, intermediate], -1) as [Value, Value];
      const gated = g.mul(activation(g, gate, act), up);
      return norm(g.add(attended, linear(g, gated, `${p}.mlp.down_proj`, intermediate, hidden)), `${p}.mlp_ln`);
    });
  }

  // MLM head. The decoder [vocab, hidden] as stored (a Gemm with transB), so a decoder tied to the
  // word embeddings reads the same initializer as the embedding Gather (no transposed copy).
  let h = linear(g, x, 'lm_head.dense', hidden, hidden);
  h = layerNorm(g, activation(g, h, act), 'lm_head.norm', hidden, eps);
  const decoder = g.weight('lm_head.decoder.weight', [vocab, hidden], { tiedTo: wordEmbeddings });
  const decoderBias = g.weight('lm_head.decoder.bias', [vocab]);
  vocabularyHead(
    g,
    h,
    { layout: 'vocab-hidden', weight: decoder, bias: decoderBias },
    { hidden, vocab, heads, intermediate },
    { inputIds, attentionMask },
  );
};
