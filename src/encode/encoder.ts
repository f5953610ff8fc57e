/**
 * SparseEncoder: text -> SPLADE sparse vectors, exactly as sentence-transformers' SparseEncoder
 * computes them (plus windowing for long documents and zeroed special tokens).
 *
 * Runtime-agnostic: the browser entry plugs in onnxruntime-web (WebGPU + WGSL pooling, or WASM),
 * the Node entry plugs in onnxruntime-node. Everything else is shared.
 */
import { SpladeError, throwIfAborted } from '../errors.ts';
import { parseDtype } from '../model/dtype.ts';
import {
  loadModelSpec,
  type LayoutOptions,
  type MlmRoute,
  type ModelSpec,
  type Route,
  type StaticRoute,
} from '../model/layout.ts';
import { checkSpladePoolingOption } from '../model/onnx-layout.ts';
import { openModelSource } from '../model/source.ts';
import { cleanText, type ContentTokens } from '../model/tokenizer.ts';
import { ENCODER_DEVICES, type BackendInfo, type EncoderDevice, type Runtime } from '../runtime/types.ts';
import { decodeVector, explainMatch, type Explanation, type TokenWeight } from '../results/explain.ts';
import type { SparseVector } from '../vector.ts';
import { truncatedWindow, windowsOf } from './plan.ts';
import { windowTokens } from './window.ts';
import { ModelSession } from './session.ts';
import { attachSpans, mergeParts, NO_SPAN, selectTopK, type DocumentTokens, type EncodedVector } from './merge.ts';
import { type EncodeOptions, type EncoderOptions, type EncodeStats, type SparseTextEncoder } from './types.ts';

export type { EncodedVector } from './merge.ts';
export type { ContentTokens } from '../model/tokenizer.ts';
export { NO_SPAN } from './merge.ts';
export {
  DEFAULT_BATCH_SIZE,
  type EncodeOptions,
  type EncoderOptions,
  type EncodeStats,
  type SparseTextEncoder,
} from './types.ts';

export class SparseEncoder implements SparseTextEncoder {
  private readonly session: ModelSession;
  private disposed = false;
  /** Figures of the last encode call. */
  lastStats: EncodeStats = { device: 'static', batches: 0, windows: 0, readbackBytes: 0, logitsBytes: 0, recovered: 0 };

  protected constructor(
    readonly spec: ModelSpec,
    runtime: Runtime,
    private readonly options: EncoderOptions,
  ) {
    this.session = new ModelSession(runtime, options);
  }

  /**
   * The onnxruntime this class runs on. The entry files' subclasses (browser: onnxruntime-web,
   * Node: onnxruntime-node) name theirs; a getter rather than a static field so that importing an
   * entry runs nothing.
   */
  static get runtime(): Runtime | undefined {
    return undefined;
  }

  /**
   * Loads a model in the sentence-transformers layout from a hub id (`owner/name`), a URL, or a path
   * (`/models/x`, `./x`; plain file-system paths on Node) and returns an instance of the class it is
   * called on, so `instanceof SparseEncoder` holds for the entry's exported class.
   */
  static async fromPretrained<C extends typeof SparseEncoder>(
    this: C,
    source: string,
    options: EncoderOptions = {},
  ): Promise<C['prototype']> {
    const runtime = this.runtime;
    if (!runtime) {
      throw new SpladeError(
        'invalid-option',
        'this SparseEncoder class has no runtime; call fromPretrained on the SparseEncoder exported by "splade-web" (browser) or "splade-web/node"',
      );
    }
    validateOptions(options);
    const files = openModelSource(
      source,
      { ...options, ...(runtime.readLocalFile ? { readLocalFile: runtime.readLocalFile } : {}) },
      {
        openLocalFile: runtime.openLocalFile,
        builds: runtime.buildStore?.(options),
        files: runtime.fileCache?.(options),
      },
    );
    const layout: LayoutOptions = { dtype: parseDtype(options.dtype) };
    if (options.queryOnly) layout.queryOnly = true;
    if (options.onnxFile) layout.onnxFile = options.onnxFile;
    const spladePooling = checkSpladePoolingOption(options.spladePooling);
    if (spladePooling) layout.spladePooling = spladePooling;
    if (!options.queryOnly) {
      // Which file a dtype takes (and whether an fp16 one can run) depends on the device the session gets.
      const requested = options.device ?? 'auto';
      layout.device = requested === 'auto' ? await runtime.autoDevice() : requested;
      layout.shaderF16 = (await runtime.runsFp16?.(layout.device, options)) ?? true;
    }
    const spec = await loadModelSpec(files, layout);
    const encoder = new (
      this as unknown as new (spec: ModelSpec, runtime: Runtime, options: EncoderOptions) => C['prototype']
    )(spec, runtime, options);
    // The session starts now, so that `ready` (and `device`) name the device actually chosen, and a
    // device that cannot start fails the load rather than the first encode.
    const route = encoder.sessionRoute();
    if (route) {
      try {
        throwIfAborted(options.signal);
        await encoder.session.start(route);
        encoder.windowLength(route); // a maxTokens this model cannot take fails the load
      } catch (error) {
        await encoder.dispose();
        throw error;
      }
    }
    options.onProgress?.({ status: 'ready', model: source, device: encoder.device ?? 'static' });
    return encoder;
  }

  /** True when queries are encoded by table lookup, without a model call. */
  get inferenceFree(): boolean {
    return this.spec.inferenceFree;
  }

  get vocabSize(): number {
    return this.spec.vocabSize;
  }

  /**
   * The device documents are encoded on (the session starts while loading); undefined when the
   * model needs no session (an inference-free model loaded with queryOnly) or after dispose().
   */
  get device(): EncoderDevice | undefined {
    return this.session.backend?.device;
  }

  /**
   * Tokens per window of a document, special tokens included: `maxTokens` when given, else the
   * longest window up to the model's max_seq_length whose largest tensor (attention scores, logits)
   * fits the device (src/encode/window.ts). A longer document is encoded in windows of this length.
   */
  get windowTokens(): number {
    const route = this.spec.document;
    return route.kind === 'mlm' ? this.windowLength(route) : 0;
  }

  /** What documents are encoded on (adapter, or WASM threads and isolation); undefined where `device` is. */
  get backendInfo(): BackendInfo | undefined {
    return this.session.backend?.info;
  }

  encodeQuery(text: string, options?: EncodeOptions): Promise<EncodedVector>;
  encodeQuery(texts: readonly string[], options?: EncodeOptions): Promise<EncodedVector[]>;
  encodeQuery(
    texts: string | readonly string[],
    options: EncodeOptions = {},
  ): Promise<EncodedVector | EncodedVector[]> {
    return this.encodeRoute('query', texts, options);
  }

  encodeDocument(text: string, options?: EncodeOptions): Promise<EncodedVector>;
  encodeDocument(texts: readonly string[], options?: EncodeOptions): Promise<EncodedVector[]>;
  encodeDocument(
    texts: string | readonly string[],
    options: EncodeOptions = {},
  ): Promise<EncodedVector | EncodedVector[]> {
    return this.encodeRoute('document', texts, options);
  }

  private async encodeRoute(
    name: 'query' | 'document',
    texts: string | readonly string[],
    options: EncodeOptions,
  ): Promise<EncodedVector | EncodedVector[]> {
    const list = asList(texts);
    const route = this.spec[name];
    if (options.spans === true && name === 'query')
      throw new SpladeError('invalid-option', 'spans: true applies to documents (encodeDocument), not to queries');
    const vectors =
      route.kind === 'static'
        ? list.map((t) => this.staticVector(route, t, options))
        : await this.encodeWithModel(route, list, this.spec.prompts[name], options, name);
    return typeof texts === 'string' ? vectors[0]! : vectors;
  }

  /** The `topK` heaviest entries as tokens. */
  decode(vector: SparseVector, topK?: number): TokenWeight[] {
    return decodeVector(vector, (id) => this.token(id), topK);
  }

  /** Per-token contributions of `doc` to the score of `query`; they sum to the dot product. */
  explain(query: SparseVector, doc: SparseVector): Explanation {
    return explainMatch(query, doc, (id) => this.token(id));
  }

  /** The vocabulary entry of an id. */
  token(id: number): string {
    return this.spec.document.tokenizer.token(id);
  }

  /** The windows (token ids with special tokens) a document is encoded as; positions refer to them. */
  async windows(text: string, route: 'query' | 'document' = 'document'): Promise<number[][]> {
    if (typeof text !== 'string')
      throw new SpladeError('invalid-input', `texts must be strings, got ${text === null ? 'null' : typeof text}`);
    const r = route === 'query' ? this.spec.query : this.spec.document;
    if (r.kind === 'static') {
      const ids = r.tokenizer.contentIds(text);
      return ids.length ? [ids] : [];
    }
    const prompt = route === 'query' ? this.spec.prompts.query : this.spec.prompts.document;
    return this.windowsFor(r, (prompt ?? '') + cleanText(text));
  }

  /**
   * The document tokenizer's content tokens of `text` (no prompt, no special tokens) with their
   * spans in `text`: ids plus start/end pairs, from the tokenizer's own pipeline. No model call.
   */
  async tokens(text: string): Promise<ContentTokens> {
    if (typeof text !== 'string')
      throw new SpladeError('invalid-input', `texts must be strings, got ${text === null ? 'null' : typeof text}`);
    return this.spec.document.tokenizer.contentTokens(text);
  }

  async dispose(): Promise<void> {
    this.disposed = true;
    await this.session.dispose();
  }

  private staticVector(route: StaticRoute, text: string, options: EncodeOptions): EncodedVector {
    this.checkUsable();
    // Inference-free: the distinct query tokens, each weighted by the static table (no specials).
    const ids = [...new Set(route.tokenizer.contentIds(text))].sort((a, b) => a - b);
    const indices: number[] = [];
    const values: number[] = [];
    const threshold = options.threshold ?? 0;
    for (const id of ids) {
      const w = route.weights[id] ?? 0;
      if (w > threshold) {
        indices.push(id);
        values.push(w);
      }
    }
    this.lastStats = { device: 'static', batches: 0, windows: 0, readbackBytes: 0, logitsBytes: 0, recovered: 0 };
    return selectTopK(
      { indices: Uint32Array.from(indices), values: Float32Array.from(values) },
      options.maxActiveDims ?? this.options.maxActiveDims,
    );
  }

  private windowsFor(route: MlmRoute, text: string): number[][] {
    return this.cut(route, route.tokenizer.contentIds(text));
  }

  /** Content ids cut into the windows one pass each encodes (or the first alone, with 'truncate'). */
  private cut(route: MlmRoute, ids: readonly number[]): number[][] {
    const { prefix, suffix } = route.tokenizer;
    const length = this.windowLength(route);
    return this.options.longDocuments === 'truncate'
      ? truncatedWindow(ids, length, prefix, suffix)
      : windowsOf(ids, length, prefix, suffix);
  }

  /**
   * The window length on the backend running now (it can change: a lost GPU device leaves WASM);
   * before a session exists (queryOnly), the model's own limit.
   */
  private windowLength(route: MlmRoute): number {
    const backend = this.session.backend;
    const model = {
      maxSeqLength: route.maxSeqLength,
      attentionHeads: route.attentionHeads,
      vocab: route.pooling.vocabSize,
      // The fused head pools the hidden state: a window's logits never exist there.
      logits: backend?.info.pooling !== 'fused-head',
      specialTokens: route.tokenizer.prefix.length + route.tokenizer.suffix.length,
    };
    return windowTokens(model, backend?.maxTensorBytes ?? Infinity, this.options.maxTokens);
  }

  /** Windows of a document and, for spans, its content tokens with offsets in the text (prompt removed). */
  private tokenWindows(
    route: MlmRoute,
    prompt: string,
    clean: string,
  ): { windows: number[][]; tokens: DocumentTokens } {
    const { ids, offsets } = route.tokenizer.contentTokens(prompt + clean);
    const { prefix, suffix } = route.tokenizer;
    const windows = this.cut(route, ids);
    // Offsets into the text alone: tokens wholly inside the prompt have none; one that straddles
    // the prompt's end (a prompt not ending in a space) keeps its part in the text.
    const p = prompt.length;
    const own = new Uint32Array(offsets.length);
    for (let k = 0; k < ids.length; k++) {
      const s = offsets[2 * k]!;
      const e = offsets[2 * k + 1]!;
      if (e < p || (e === p && s < p)) {
        own[2 * k] = own[2 * k + 1] = NO_SPAN;
      } else {
        own[2 * k] = Math.max(s, p) - p;
        own[2 * k + 1] = e - p;
      }
    }
    const extra = prefix.length + suffix.length;
    return {
      windows,
      tokens: { ids, offsets: own, prefixLength: prefix.length, windowLengths: windows.map((w) => w.length - extra) },
    };
  }

  private async encodeWithModel(
    route: MlmRoute,
    texts: readonly string[],
    prompt: string | undefined,
    options: EncodeOptions,
    name: 'query' | 'document' = 'document',
  ): Promise<EncodedVector[]> {
    this.checkUsable();
    const spans = options.spans === true;
    if (spans && name !== 'document')
      throw new SpladeError('invalid-option', 'spans: true applies to documents (encodeDocument), not to queries');
    if (spans && route.pooling.strategy !== 'max') {
      throw new SpladeError(
        'invalid-option',
        `spans: true needs max pooling (each entry then comes from one token); this model's document route pools with "${route.pooling.strategy}"`,
      );
    }
    // Tokenize before queueing so bad input fails fast and never reaches the model.
    const tokens: (DocumentTokens | undefined)[] = [];
    const docs = texts.map((t) => {
      const clean = cleanText(t);
      if (clean.trim() === '') {
        tokens.push(undefined);
        return [];
      }
      if (!spans) return this.windowsFor(route, (prompt ?? '') + clean);
      const w = this.tokenWindows(route, prompt ?? '', clean);
      tokens.push(w.tokens);
      return w.windows;
    });
    // Spans are read off the positions, so they are pooled with positions even when not asked for.
    const reported = options.positions === true && route.pooling.strategy === 'max';
    const positions = reported || (spans && route.pooling.strategy === 'max');
    const parts = await this.session.run(route, docs, options, positions, (stats) => (this.lastStats = stats));
    const k = options.maxActiveDims ?? this.options.maxActiveDims;
    return parts.map((p, d) => {
      let v = selectTopK(mergeParts(p, route.pooling.strategy, positions), k);
      if (spans) {
        v = attachSpans(v, tokens[d] ?? { ids: [], offsets: new Uint32Array(0), prefixLength: 0, windowLengths: [] });
        if (!reported) delete v.positions;
      }
      return v;
    });
  }

  /** The route whose model a session runs (documents first), or undefined when no route has one. */
  private sessionRoute(): MlmRoute | undefined {
    for (const route of [this.spec.document, this.spec.query]) if (route.kind === 'mlm' && route.onnx) return route;
    return undefined;
  }

  private checkUsable(): void {
    if (this.disposed) throw new SpladeError('disposed', 'this SparseEncoder was disposed');
  }
}

function asList(texts: string | readonly string[]): readonly string[] {
  if (typeof texts === 'string') return [texts];
  if (!Array.isArray(texts))
    throw new SpladeError(
      'invalid-input',
      `expected a string or an array of strings, got ${texts === null ? 'null' : typeof texts}`,
    );
  return texts;
}

function validateOptions(options: EncoderOptions): void {
  if (options.device !== undefined && !ENCODER_DEVICES.includes(options.device)) {
    throw new SpladeError(
      'invalid-option',
      `device ${JSON.stringify(options.device)} is not supported; accepted: ${ENCODER_DEVICES.join(', ')}`,
    );
  }
  if (options.batchSize !== undefined && !(Number.isInteger(options.batchSize) && options.batchSize >= 1)) {
    throw new SpladeError(
      'invalid-option',
      `batchSize must be a positive integer, got ${JSON.stringify(options.batchSize)}`,
    );
  }
  if (options.maxActiveDims !== undefined && !(Number.isInteger(options.maxActiveDims) && options.maxActiveDims >= 1)) {
    throw new SpladeError(
      'invalid-option',
      `maxActiveDims must be a positive integer, got ${JSON.stringify(options.maxActiveDims)}`,
    );
  }
  if (options.wasmThreads !== undefined && !(Number.isInteger(options.wasmThreads) && options.wasmThreads >= 1)) {
    throw new SpladeError(
      'invalid-option',
      `wasmThreads must be a positive integer, got ${JSON.stringify(options.wasmThreads)}`,
    );
  }
  if (options.maxTokens !== undefined && !(Number.isInteger(options.maxTokens) && options.maxTokens >= 3)) {
    throw new SpladeError(
      'invalid-option',
      `maxTokens must be an integer of at least 3 (tokens per window, special tokens included), got ${JSON.stringify(options.maxTokens)}`,
    );
  }
  if (options.longDocuments !== undefined && !['window', 'truncate'].includes(options.longDocuments)) {
    throw new SpladeError(
      'invalid-option',
      `longDocuments must be 'window' or 'truncate', got ${JSON.stringify(options.longDocuments)}`,
    );
  }
}

export type { Route };
