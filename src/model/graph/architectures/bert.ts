/**
 * The BERT family's masked-LM graphs, written from transformers' modeling_bert.py,
 * modeling_distilbert.py and modeling_roberta.py (XLM-RoBERTa is RoBERTa with another vocabulary):
 *
 *   embeddings  word + position (+ token type) -> LayerNorm
 *   layer       self-attention (q, k, v; scores / sqrt(head) + padding bias; softmax) -> output dense
 *               -> LayerNorm(. + input); intermediate dense -> act -> output dense -> LayerNorm(. + .)
 *   head        dense -> act -> LayerNorm -> decoder (tied to the word embeddings) + bias
 *
 * Where they differ:
 * - BERT: `bert.` / `cls.predictions.` names; positions 0..T-1; token types an input when
 *   type_vocab_size > 1; head activation = hidden_act; every norm uses layer_norm_eps.
 * - DistilBERT: `distilbert.` names (q_lin, sa_layer_norm, ffn.lin1, vocab_transform,
 *   vocab_layer_norm, vocab_projector); config dim / n_layers / n_heads / hidden_dim / activation;
 *   no token types; every LayerNorm eps is 1e-12 whatever the config says.
 * - RoBERTa: `roberta.` / `lm_head.` names; position ids = cumsum(ids != pad) * (ids != pad) + pad
 *   (from input_ids, as create_position_ids_from_input_ids does); one token type row, always added;
 *   the head's activation is exact GELU whatever hidden_act says.
 * Pooler weights in the file are not used (the masked-LM models have no pooler).
 */
import { SpladeError } from '../../../errors.ts';
import type { ArchitectureBuilder } from '../architectures.ts';
import type { GraphBuilder, Value } from '../builder.ts';
import type { ModelConfig } from '../config.ts';
import { activation, gelu, layerNorm, linear, modelInputs, paddingBias, vocabularyHead } from '../layers.ts';

interface Sizes {
  vocab: number;
  hidden: number;
  layers: number;
  heads: number;
  intermediate: number;
  positions: number;
}

/** Per-layer tensor names (relative to the layer prefix) of one family. */
interface LayerNames {
  query: string;
  key: string;
  value: string;
  attentionOut: string;
  attentionNorm: string;
  up: string;
  down: string;
  outputNorm: string;
}

const BERT_LAYER: LayerNames = {
  query: 'attention.self.query',
  key: 'attention.self.key',
  value: 'attention.self.value',
  attentionOut: 'attention.output.dense',
  attentionNorm: 'attention.output.LayerNorm',
  up: 'intermediate.dense',
  down: 'output.dense',
  outputNorm: 'output.LayerNorm',
};

const DISTILBERT_LAYER: LayerNames = {
  query: 'attention.q_lin',
  key: 'attention.k_lin',
  value: 'attention.v_lin',
  attentionOut: 'attention.out_lin',
  attentionNorm: 'sa_layer_norm',
  up: 'ffn.lin1',
  down: 'ffn.lin2',
  outputNorm: 'output_layer_norm',
};

/** Multi-head self-attention over x [B, T, H] with an additive bias [B, 1, 1, T]. */
function selfAttention(g: GraphBuilder, x: Value, bias: Value, prefix: string, names: LayerNames, s: Sizes): Value {
  const headSize = s.hidden / s.heads;
  const heads = (name: string) =>
    g.transpose(
      g.reshape(linear(g, x, `${prefix}.${name}`, s.hidden, s.hidden), [0, 0, s.heads, headSize]),
      [0, 2, 1, 3],
    );
  const q = heads(names.query);
  const k = heads(names.key);
  const v = heads(names.value);
  const scores = g.add(g.mul(g.matmul(q, k, { transposeB: true }), g.scalar(1 / Math.sqrt(headSize))), bias);
  const context = g.matmul(g.softmax(scores, -1), v); // [B, heads, T, headSize]
  const merged = g.reshape(g.transpose(context, [0, 2, 1, 3]), [0, 0, s.hidden]);
  return linear(g, merged, `${prefix}.${names.attentionOut}`, s.hidden, s.hidden);
}

/** One post-LN transformer layer (BERT and DistilBERT have the same order). */
function encoderLayer(
  g: GraphBuilder,
  x: Value,
  bias: Value,
  prefix: string,
  names: LayerNames,
  s: Sizes,
  act: (x: Value) => Value,
  eps: number,
): Value {
  const attended = layerNorm(
    g,
    g.add(selfAttention(g, x, bias, prefix, names, s), x),
    `${prefix}.${names.attentionNorm}`,
    s.hidden,
    eps,
  );
  const up = act(linear(g, attended, `${prefix}.${names.up}`, s.hidden, s.intermediate));
  const down = linear(g, up, `${prefix}.${names.down}`, s.intermediate, s.hidden);
  return layerNorm(g, g.add(down, attended), `${prefix}.${names.outputNorm}`, s.hidden, eps);
}

/**
 * The word-embedding lookup and the decoder weight [H, V]. When the decoder is tied (left out of the
 * file), both use one transposed table: a Gather on axis 1 and a transpose of the small result, so
 * the session keeps one copy of the largest tensor instead of two.
 */
function embeddingsAndDecoder(
  g: GraphBuilder,
  inputIds: Value,
  wordName: string,
  decoderName: string,
  s: Sizes,
): { words: Value; decoder: Value } {
  if (!g.hasWeight(decoderName)) {
    const table = g.weight(wordName, [s.vocab, s.hidden], { transpose: true });
    return { words: g.transpose(g.gather(table, inputIds, 1), [1, 2, 0]), decoder: table };
  }
  return {
    words: g.gather(g.weight(wordName, [s.vocab, s.hidden]), inputIds),
    decoder: g.weight(decoderName, [s.vocab, s.hidden], { transpose: true }),
  };
}

/** Rows 0..T-1 of a position table [P, H], T = the number of tokens of `inputIds`. */
function firstPositions(g: GraphBuilder, table: Value, inputIds: Value): Value {
  return g.slice(table, [0], g.shape(inputIds, 1, 2), [0]);
}

function checkAbsolutePositions(config: ModelConfig): void {
  const kind = config.string('position_embedding_type', 'absolute');
  if (kind !== 'absolute') {
    throw new SpladeError(
      'model-unsupported',
      `${config.file}: position_embedding_type "${kind}" is not supported; supported: absolute`,
      { file: config.file },
    );
  }
}

function bertSizes(config: ModelConfig): Sizes {
  config.headSize();
  return {
    vocab: config.int('vocab_size'),
    hidden: config.int('hidden_size'),
    layers: config.int('num_hidden_layers'),
    heads: config.int('num_attention_heads'),
    intermediate: config.int('intermediate_size'),
    positions: config.int('max_position_embeddings'),
  };
}

/** BERT and RoBERTa: the same encoder under `base.`, different positions and heads. */
function buildBertLike(g: GraphBuilder, config: ModelConfig, family: 'bert' | 'roberta'): void {
  checkAbsolutePositions(config);
  const s = bertSizes(config);
  const eps = config.number('layer_norm_eps', 1e-12);
  const hiddenAct = config.string('hidden_act', 'gelu');
  const act = (x: Value) => activation(g, x, hiddenAct);
  const types = config.int('type_vocab_size', 2);
  const base = family; // 'bert.' or 'roberta.'
  const head = family === 'bert' ? 'cls.predictions' : 'lm_head';
  const { inputIds, attentionMask, tokenTypeIds } = modelInputs(g, family === 'bert' && types > 1);

  const { words, decoder } = embeddingsAndDecoder(
    g,
    inputIds,
    `${base}.embeddings.word_embeddings.weight`,
    `${head}.decoder.weight`,
    s,
  );
  const positionTable = g.weight(`${base}.embeddings.position_embeddings.weight`, [s.positions, s.hidden]);
  let positions: Value;
  if (family === 'bert') positions = firstPositions(g, positionTable, inputIds);
  else {
    const pad = config.int('pad_token_id', 1);
    // In int32: onnxruntime-web's WebGPU kernels keep int64 as int32 pairs, and int64 index
    // arithmetic there fed a Gather wrong rows (measured: the XLM-R fixture off by 1.4).
    const real = g.cast(g.not(g.equal(inputIds, g.scalar(pad, 'int64'))), 'int32');
    const ids = g.add(g.mul(g.cumSum(real, 1), real), g.constant(Int32Array.of(pad), [], 'int32'));
    positions = g.gather(positionTable, ids);
  }
  const typeTable = g.weight(`${base}.embeddings.token_type_embeddings.weight`, [types, s.hidden]);
  const typeRows = tokenTypeIds ? g.gather(typeTable, tokenTypeIds) : g.slice(typeTable, [0], [1], [0]);
  let x = g.add(g.add(words, positions), typeRows);
  x = layerNorm(g, x, `${base}.embeddings.LayerNorm`, s.hidden, eps);

  const bias = paddingBias(g, attentionMask);
  for (let layer = 0; layer < s.layers; layer++) {
    const prefix = `${base}.encoder.layer.${layer}`;
    x = g.scope(`layer.${layer}`, () => encoderLayer(g, x, bias, prefix, BERT_LAYER, s, act, eps));
  }

  let h: Value;
  let decoderBias: Value;
  if (family === 'bert') {
    h = act(linear(g, x, `${head}.transform.dense`, s.hidden, s.hidden));
    h = layerNorm(g, h, `${head}.transform.LayerNorm`, s.hidden, eps);
    decoderBias = g.weight(`${head}.bias`, [s.vocab], { tiedTo: `${head}.decoder.bias` });
  } else {
    h = gelu(g, linear(g, x, `${head}.dense`, s.hidden, s.hidden)); // RobertaLMHead calls gelu() itself
    h = layerNorm(g, h, `${head}.layer_norm`, s.hidden, eps);
    decoderBias = g.weight(`${head}.bias`, [s.vocab], { tiedTo: `${head}.decoder.bias` });
  }
  vocabularyHead(g, h, { layout: 'hidden-vocab', weight: decoder, bias: decoderBias }, s, { inputIds, attentionMask });
}

export const buildBertForMaskedLM: ArchitectureBuilder = ({ config, graph }) => buildBertLike(graph, config, 'bert');

/** RobertaForMaskedLM and XLMRobertaForMaskedLM. */
export const buildRobertaForMaskedLM: ArchitectureBuilder = ({ config, graph }) =>
  buildBertLike(graph, config, 'roberta');

export const buildDistilBertForMaskedLM: ArchitectureBuilder = ({ config, graph: g }) => {
  const eps = 1e-12; // modeling_distilbert.py hard-codes it for every LayerNorm
  config.headSize('dim', 'n_heads');
  const s: Sizes = {
    vocab: config.int('vocab_size'),
    hidden: config.int('dim'),
    layers: config.int('n_layers'),
    heads: config.int('n_heads'),
    intermediate: config.int('hidden_dim'),
    positions: config.int('max_position_embeddings'),
  };
  const actName = config.string('activation', 'gelu');
  const act = (x: Value) => activation(g, x, actName, 'activation');
  const { inputIds, attentionMask } = modelInputs(g, false);

  const { words, decoder } = embeddingsAndDecoder(
    g,
    inputIds,
    'distilbert.embeddings.word_embeddings.weight',
    'vocab_projector.weight',
    s,
  );
  const positions = firstPositions(
    g,
    g.weight('distilbert.embeddings.position_embeddings.weight', [s.positions, s.hidden]),
    inputIds,
  );
  let x = layerNorm(g, g.add(words, positions), 'distilbert.embeddings.LayerNorm', s.hidden, eps);

  const bias = paddingBias(g, attentionMask);
  for (let layer = 0; layer < s.layers; layer++) {
    const prefix = `distilbert.transformer.layer.${layer}`;
    x = g.scope(`layer.${layer}`, () => encoderLayer(g, x, bias, prefix, DISTILBERT_LAYER, s, act, eps));
  }

  let h = act(linear(g, x, 'vocab_transform', s.hidden, s.hidden));
  h = layerNorm(g, h, 'vocab_layer_norm', s.hidden, eps);
  const decoderBias = g.weight('vocab_projector.bias', [s.vocab]);
  vocabularyHead(g, h, { layout: 'hidden-vocab', weight: decoder, bias: decoderBias }, s, { inputIds, attentionMask });
};
