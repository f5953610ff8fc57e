/**
 * How many tokens one window holds: a memory decision, not a constant. A document longer than a
 * window is cut into windows (plan.ts windowsOf) whose tokens never attend across the border, so
 * the longer the window the closer the vector is to one pass over the whole text; but one pass
 * costs memory that grows with the window: the attention scores of a layer are heads × T² floats
 * (the graphs here compute attention as MatMul → Softmax → MatMul, with no fused kernel), and the
 * logits T × vocab floats where the backend materializes them. The default window is the longest,
 * up to the model's max_seq_length, whose largest tensor fits what the backend can hold in one
 * tensor (`ExecutionBackend.maxTensorBytes`: a WebGPU device's binding limit, a budget on the CPU).
 */
import { SpladeError } from '../errors.ts';

/** What of a model decides its largest tensors per window. */
export interface WindowModel {
  /** The model's limit (sentence_bert_config.json max_seq_length, capped by its positions). */
  maxSeqLength: number;
  /** Attention heads per layer (config.json num_attention_heads; DistilBERT's n_heads). */
  attentionHeads: number;
  vocab: number;
  /** Whether one pass holds [T, vocab] logits (false when the fused head pools the hidden state). */
  logits: boolean;
  /** Special tokens around each window ([CLS] … [SEP]): a window must leave room for content. */
  specialTokens: number;
}

/** Bytes of one float32 attention-score tensor [1, heads, T, T]. */
export function attentionBytes(heads: number, tokens: number): number {
  return heads * tokens * tokens * 4;
}

/** The largest tensor one pass over a window of `tokens` holds, in bytes (one row, float32). */
export function windowPeakBytes(model: WindowModel, tokens: number): number {
  return Math.max(attentionBytes(model.attentionHeads, tokens), model.logits ? tokens * model.vocab * 4 : 0);
}

/**
 * The window length: `requested` (the encoder's maxTokens) when given, else the longest window up to
 * max_seq_length whose largest tensor fits `maxTensorBytes`, never less than 64 tokens of content
 * (so a tiny limit still encodes, in many windows, rather than failing).
 */
export function windowTokens(model: WindowModel, maxTensorBytes: number, requested?: number): number {
  const least = model.specialTokens + 1;
  if (requested !== undefined) {
    if (!Number.isInteger(requested) || requested < least || requested > model.maxSeqLength)
      throw new SpladeError(
        'invalid-option',
        `maxTokens must be an integer from ${least} (room for one token between the special tokens) to this model's max_seq_length ${model.maxSeqLength}, got ${JSON.stringify(requested)}`,
      );
    return requested;
  }
  if (!(maxTensorBytes < Infinity) || windowPeakBytes(model, model.maxSeqLength) <= maxTensorBytes)
    return model.maxSeqLength;
  // Largest T with heads·T²·4 ≤ budget and (with logits) T·vocab·4 ≤ budget.
  let fit = Math.floor(Math.sqrt(maxTensorBytes / (4 * model.attentionHeads)));
  if (model.logits) fit = Math.min(fit, Math.floor(maxTensorBytes / (4 * model.vocab)));
  while (fit > 0 && windowPeakBytes(model, fit) > maxTensorBytes) fit--; // float rounding at the edge
  return Math.min(model.maxSeqLength, Math.max(fit, Math.min(model.maxSeqLength, model.specialTokens + 64)));
}
