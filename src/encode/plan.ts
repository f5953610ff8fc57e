/**
 * Pure planning: texts -> windows -> batches. Kept free of any runtime so it is unit-tested in Node.
 */

/**
 * Cuts a document's content ids into windows of at most `maxSeqLength` ids including the model's
 * prefix/suffix ([CLS] ... [SEP]). Consecutive windows do not overlap, so every content token is
 * encoded exactly once. Each window is its own forward pass: a token sees only the tokens of its own
 * window (attention does not cross window borders), and the document's vector is the max over the
 * windows' pooled logits. That is not what one pass over the whole document would give (the model
 * could not take it), and it is not sentence-transformers' result either, which truncates to the
 * first window (`longDocuments: 'truncate'`, see `truncatedWindow`).
 */
export function windowsOf(
  contentIds: readonly number[],
  maxSeqLength: number,
  prefix: readonly number[],
  suffix: readonly number[],
): number[][] {
  if (contentIds.length === 0) return [];
  const room = maxSeqLength - prefix.length - suffix.length;
  if (room < 1)
    throw new RangeError(
      `max sequence length ${maxSeqLength} leaves no room for content between ${prefix.length + suffix.length} special tokens`,
    );
  const windows: number[][] = [];
  for (let at = 0; at < contentIds.length; at += room) {
    windows.push([...prefix, ...contentIds.slice(at, at + room), ...suffix]);
  }
  return windows;
}

/** Only the first window: what sentence-transformers does (it truncates at max_seq_length). */
export function truncatedWindow(
  contentIds: readonly number[],
  maxSeqLength: number,
  prefix: readonly number[],
  suffix: readonly number[],
): number[][] {
  return windowsOf(contentIds, maxSeqLength, prefix, suffix).slice(0, 1);
}

export interface PlannedRow {
  doc: number;
  /** Index of this window within its document. */
  window: number;
  ids: readonly number[];
}

export interface PlannedBatch {
  rows: PlannedRow[];
  /** Padded sequence length of the batch (its longest row). */
  tokens: number;
  /** Consecutive row ranges of one document each. */
  segments: { doc: number; firstWindow: number; start: number; end: number }[];
}

/**
 * Groups windows into batches of at most `maxRows` rows and at most `limit` padded tokens (rows x
 * tokens), or, given a function, of the sizes it accepts (`fits(rows, tokens)`: a byte budget, e.g.
 * `largestBatchBuffer` against a GPU's binding limit). A batch always takes its first row.
 * Documents are taken shortest first so rows in a batch have similar lengths (less padding); a long
 * document's windows stay in order and may span batches (their pooled parts are merged afterwards).
 */
export function planBatches(
  docs: readonly (readonly number[][])[],
  maxRows: number,
  limit: number | ((rows: number, tokens: number) => boolean) = Infinity,
): PlannedBatch[] {
  if (!(maxRows >= 1)) throw new RangeError(`maxRows must be at least 1, got ${maxRows}`);
  const fits = typeof limit === 'function' ? limit : (rows: number, tokens: number) => rows * tokens <= limit;
  const order = docs.map((_, k) => k).filter((k) => docs[k]!.length > 0);
  const cost = (k: number) => docs[k]!.reduce((n, w) => Math.max(n, w.length), 0);
  order.sort((a, b) => cost(a) - cost(b) || a - b);
  const batches: PlannedBatch[] = [];
  let current: PlannedBatch | undefined;
  for (const doc of order) {
    docs[doc]!.forEach((ids, window) => {
      const tokens = Math.max(current?.tokens ?? 0, ids.length);
      if (!current || current.rows.length >= maxRows || !fits(current.rows.length + 1, tokens)) {
        current = { rows: [], tokens: 0, segments: [] };
        batches.push(current);
      }
      current.tokens = Math.max(current.tokens, ids.length);
      const last = current.segments[current.segments.length - 1];
      if (last && last.doc === doc) last.end++;
      else
        current.segments.push({ doc, firstWindow: window, start: current.rows.length, end: current.rows.length + 1 });
      current.rows.push({ doc, window, ids });
    });
  }
  return batches;
}

/** What bounds a batch's GPU buffers once the logits are gone (graph/head-file.ts HeadWeights). */
export interface ActivationSizes {
  hidden: number;
  vocab: number;
  /** Attention heads; unknown: hidden / 64 (the head size of every architecture built here). */
  heads?: number | undefined;
  /** MLP width; unknown: 4 x hidden. */
  intermediate?: number | undefined;
}

/**
 * Bytes of the largest single GPU buffer a batch of `rows` windows of `tokens` needs when its logits
 * never exist (the fused head, src/pooling/fused-head.ts): the widest per-token activation of a layer
 * (the hidden state, the MLP's up projection, up to 2 x intermediate with a gate, or a row of
 * attention scores, heads x tokens) over every token, or the head's [documents, vocab] accumulators
 * (documents <= rows). With logits, [rows, tokens, vocab] was the largest by far (62.5 MB per
 * 512-token window at 30522 entries, against 12.6 MB of attention scores for 12 heads).
 */
export function largestBatchBuffer(rows: number, tokens: number, s: ActivationSizes): number {
  const heads = s.heads ?? Math.max(1, Math.round(s.hidden / 64));
  const widest = Math.max(s.hidden, 2 * (s.intermediate ?? 4 * s.hidden), heads * tokens);
  return Math.max(rows * tokens * widest * 4, rows * s.vocab * 4);
}

/** Model inputs of one batch: right-padded ids and the attention mask, as int64 for ONNX. */
export function batchInputs(
  batch: PlannedBatch,
  padId: number,
): { inputIds: BigInt64Array; attentionMask: BigInt64Array; lengths: Int32Array } {
  const T = batch.tokens;
  const R = batch.rows.length;
  const inputIds = new BigInt64Array(R * T).fill(BigInt(padId));
  const attentionMask = new BigInt64Array(R * T);
  const lengths = new Int32Array(R);
  batch.rows.forEach((row, r) => {
    lengths[r] = row.ids.length;
    for (let t = 0; t < row.ids.length; t++) {
      inputIds[r * T + t] = BigInt(row.ids[t]!);
      attentionMask[r * T + t] = 1n;
    }
  });
  return { inputIds, attentionMask, lengths };
}
