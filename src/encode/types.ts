/**
 * The encoder's public shape: the options it takes, the figures it reports, and `SparseTextEncoder`,
 * the one interface both encoders implement (`SparseEncoder` in the calling thread,
 * `WorkerSparseEncoder` in a Web Worker), so callers can take either.
 */
import type { DtypeOption } from '../model/dtype.ts';
import type { SpladePoolingOption } from '../model/onnx-layout.ts';
import type { ContentTokens } from '../model/tokenizer.ts';
import type { SourceOptions } from '../model/source.ts';
import type { Explanation, TokenWeight } from '../results/explain.ts';
import type { BackendInfo, BackendOptions, EncoderDevice } from '../runtime/types.ts';
import type { SparseVector } from '../vector.ts';
import type { EncodedVector } from './merge.ts';

/** Default number of windows per model call. */
export const DEFAULT_BATCH_SIZE = 16;

export interface EncoderOptions extends SourceOptions, BackendOptions {
  /**
   * 'auto' (default): WebGPU on a hardware GPU, WASM otherwise (including software GPUs); when a
   * WebGPU session cannot be started, 'auto' falls back to WASM. The device actually used is in the
   * `ready` progress event and in `encoder.device`.
   */
  device?: 'auto' | EncoderDevice;
  /** Windows per model call (default 16); WebGPU batches are further split to fit buffer limits. */
  batchSize?: number;
  /** Keep only the k largest entries of every vector (sentence-transformers' max_active_dims). */
  maxActiveDims?: number;
  /** Load only what encoding queries needs (inference-free models never download their ONNX file then). */
  queryOnly?: boolean;
  /**
   * ONNX file inside the transformer folder (default: the file `dtype` picks, else the graph is built from
   * safetensors). Wins over `dtype`.
   */
  onnxFile?: string;
  /**
   * Precision, named as transformers.js names it: 'fp32', 'fp16', 'q8', 'q4', 'q4f16', or 'auto' (default).
   * In a repository that ships ONNX (transformers.js layout: onnx/model.onnx, onnx/model_fp16.onnx,
   * onnx/model_quantized.onnx, onnx/model_q4.onnx, onnx/model_q4f16.onnx) it picks the file; 'auto' takes
   * the best one present for the device (WebGPU: fp16 where the adapter has shader-f16, else fp32; WASM: q8,
   * then fp32; Node: fp32, then q8). A dtype whose file the repository lacks fails, naming the files it has.
   * The dtype used is in `encoder.backendInfo`.
   */
  dtype?: DtypeOption;
  /**
   * SPLADE pooling for repositories that carry no SpladePooling module (bare transformers repos, fastembed
   * / Qdrant and transformers.js ONNX layouts): default { strategy: 'max', activation: 'relu' }, where
   * 'relu' = log1p(relu(x)) and 'log1p_relu' = log1p(log1p(relu(x))) as sentence-transformers names them.
   * (Not `pooling`: that option says where WebGPU pools, 'gpu' or 'cpu'.)
   */
  spladePooling?: SpladePoolingOption;
  /**
   * Documents longer than the model's max_seq_length: 'window' (default) encodes every window and
   * max-pools across them; 'truncate' keeps the first window, as sentence-transformers does.
   */
  longDocuments?: 'window' | 'truncate';
  /**
   * Tokens per window, special tokens included (at most the model's max_seq_length). Default: the
   * longest window the device holds, up to max_seq_length: a window's attention scores grow with the
   * square of its length (src/encode/window.ts); `encoder.windowTokens` says what was chosen.
   */
  maxTokens?: number;
}

export interface EncodeOptions {
  maxActiveDims?: number;
  batchSize?: number;
  signal?: AbortSignal;
  /** Report, per entry, the (window, token) that produced it (max pooling only). */
  positions?: boolean;
  /**
   * Documents, max pooling only: report per entry the span of the document text whose token
   * reached the entry's max (`spans`, NO_SPAN twice for a special token or the prompt) and whether
   * the entry's id is one of the text's own tokens (`literal`; 0 marks an expansion term, whose
   * span names the word whose context produced it).
   */
  spans?: boolean;
  /** Keep entries strictly above this weight (default 0). */
  threshold?: number;
  /** Called after each model batch. */
  onBatch?: (progress: { done: number; total: number; device: EncoderDevice }) => void;
}

export interface EncodeStats {
  device: EncoderDevice | 'static';
  batches: number;
  windows: number;
  /**
   * Bytes of model output that reached JavaScript: read back from the GPU, or copied out of
   * onnxruntime on the CPU (the logits, or only pooled [rows, vocab] rows from a built graph).
   */
  readbackBytes: number;
  /** Bytes of the [rows, tokens, vocab] logits the model produced. */
  logitsBytes: number;
  /** Batches redone on the fallback device after a GPU device loss. */
  recovered: number;
}

/**
 * A loaded SPLADE model that turns text into sparse vectors: what `SparseEncoder` (in the calling
 * thread) and `WorkerSparseEncoder` (in a Web Worker) both are. Everything that may need the model
 * or the worker returns a Promise; what the page holds itself (the vocabulary) is answered at once.
 */
export interface SparseTextEncoder {
  /** True when queries are encoded by table lookup, without a model call. */
  readonly inferenceFree: boolean;
  readonly vocabSize: number;
  /**
   * The device documents are encoded on, known once loaded (the model's session is started while
   * loading); undefined when no session was needed (an inference-free model loaded with queryOnly).
   */
  readonly device: EncoderDevice | undefined;
  /** What documents are encoded on (adapter, or WASM threads and isolation), alike. */
  readonly backendInfo: BackendInfo | undefined;
  /** Figures of the last encode call (zeros before the first). */
  readonly lastStats: EncodeStats;

  encodeQuery(text: string, options?: EncodeOptions): Promise<EncodedVector>;
  encodeQuery(texts: readonly string[], options?: EncodeOptions): Promise<EncodedVector[]>;
  encodeDocument(text: string, options?: EncodeOptions): Promise<EncodedVector>;
  encodeDocument(texts: readonly string[], options?: EncodeOptions): Promise<EncodedVector[]>;

  /** The `topK` heaviest entries as tokens. */
  decode(vector: SparseVector, topK?: number): TokenWeight[];
  /** Per-token contributions of `doc` to the score of `query`; they sum to the dot product. */
  explain(query: SparseVector, doc: SparseVector): Explanation;
  /** The vocabulary entry of an id. */
  token(id: number): string;
  /** The windows (token ids with special tokens) a text is encoded as; positions refer to them. No model call. */
  windows(text: string, route?: 'query' | 'document'): Promise<number[][]>;
  /**
   * The document tokenizer's content tokens of `text` (no prompt, no special tokens) with their
   * spans in `text`, from the tokenizer's own pipeline. No model call.
   */
  tokens(text: string): Promise<ContentTokens>;
  /** Frees the model's session and GPU buffers (and ends the worker); later calls fail with 'disposed'. */
  dispose(): Promise<void>;
}
