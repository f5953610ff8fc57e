/**
 * Reads the Hugging Face sentence-transformers SparseEncoder layout into a ModelSpec:
 *   modules.json -> Router (router_config.json: query / document routes) or a plain module list;
 *   SparseStaticEmbedding (inference-free query side), MLMTransformer (+ ONNX file), SpladePooling.
 * Modules are matched on the last dotted segment of `type`, since sentence-transformers v5 and v6
 * spell the package path differently. A bare transformers repository (no modules.json; config.json
 * names a *ForMaskedLM) is read as naver's SPLADE models are used: MLMTransformer + SpladePooling
 * (max, `relu` = log1p(relu(x))); with an idf.json beside it (OpenSearch's bare repos) queries go
 * through that table instead. A transformer folder with no ONNX file but config.json + safetensors
 * gets its graph built (src/model/graph/). Which ONNX file a folder offers (transformers.js' dtype
 * variants, fastembed's root model.onnx) and what its graph looks like is onnx-layout.ts' business; a
 * repository with an ONNX file + tokenizer.json and nothing else (fastembed / Qdrant) is read like a
 * bare repo, pooled as the `spladePooling` option says (default max + relu).
 */
import { SpladeError } from '../errors.ts';
import { parsePoolingConfig, type PoolingConfig } from '../pooling/config.ts';
import type { EncoderDevice } from '../runtime/types.ts';
import type { DtypeOption, ModelDtype } from './dtype.ts';
import { loadBuiltModel, type LoadedModel } from './graph/cached.ts';
import { graphTailFor, type GraphTail } from './graph/tail.ts';
import { maskedLmArchitecture, type ExternalDataFile } from './graph/load.ts';
import { findOnnxModel, onnxCandidates, type OnnxModel, type SpladePoolingOption } from './onnx-layout.ts';
import { readSafetensors } from './safetensors.ts';
import type { SourceVersion } from './build-cache.ts';
import type { ModelFiles } from './source.ts';
import { TextTokenizer } from './tokenizer.ts';

export interface StaticRoute {
  kind: 'static';
  dir: string;
  tokenizer: TextTokenizer;
  /** weight[id] for every vocabulary id. */
  weights: Float32Array;
}

export interface MlmRoute {
  kind: 'mlm';
  dir: string;
  tokenizer: TextTokenizer;
  /** Path of the ONNX file inside the repository (for a built graph: its weights file). */
  onnxFile: string;
  /** The ONNX bytes; absent when the route was loaded with `queryOnly`. */
  onnx?: Uint8Array;
  /** Weights `onnx` references as external data: a built graph's, or an ONNX file's `.onnx_data` files. */
  externalData?: ExternalDataFile[];
  /** The repository paths of an ONNX file's external data files (none for a built graph). */
  externalDataFiles?: string[];
  /** The precision the session runs at: the chosen file's (transformers.js layout) or the built graph's. */
  dtype: ModelDtype;
  /** The graph output holding the logits [batch, tokens, vocab], when the graph was read (not built). */
  outputName?: string;
  /** Set when the graph was built from safetensors (no ONNX file in the repository). */
  built?: {
    architecture: string;
    /** What the graph ends in: the logits, or SPLADE pooling over them (CPU backends; graph/tail.ts). */
    tail: GraphTail;
    buildMs: number;
    weightBytes: number;
    /** Loaded from the build cache: nothing was downloaded or converted. */
    fromCache: boolean;
    /** Node: the kept model file onnxruntime loads by path (the weights are then not in `externalData`). */
    modelPath?: string;
    /** The weights files and their versions (ETag, content hash): the build's key. */
    sources?: SourceVersion[];
  };
  pooling: PoolingConfig;
  maxSeqLength: number;
  /** Attention heads per layer (config.json; 12 when it does not say): sizes a window's attention scores. */
  attentionHeads: number;
}

export type Route = StaticRoute | MlmRoute;

export interface ModelSpec {
  source: string;
  query: Route;
  document: Route;
  /** True when queries go through a static weight table (no network at query time). */
  inferenceFree: boolean;
  vocabSize: number;
  /** Text put before each query or document (config_sentence_transformers.json), undefined for none. */
  prompts: { query?: string | undefined; document?: string | undefined };
  similarity: string;
}

export const SUPPORTED_MODULES = ['Router', 'MLMTransformer', 'SpladePooling', 'SparseStaticEmbedding'] as const;

export interface LayoutOptions {
  /** Skip downloading the document model (a page that only encodes queries). */
  queryOnly?: boolean;
  /** ONNX file inside the transformer folder, e.g. `onnx/model_quantized.onnx`. */
  onnxFile?: string;
  /** Precision (default 'auto': the best file present for `device`). */
  dtype?: DtypeOption;
  /** The device the session will run on ('auto' resolved), for dtype 'auto'. */
  device?: EncoderDevice;
  /** Whether `device` runs fp16 natively (WebGPU with shader-f16). */
  shaderF16?: boolean;
  /** Pooling where the repository has no SpladePooling module (default max + relu). */
  spladePooling?: SpladePoolingOption;
}

export async function loadModelSpec(files: ModelFiles, options: LayoutOptions = {}): Promise<ModelSpec> {
  const modules = await readJson(files, 'modules.json', false);
  if (modules === undefined) return loadBareRepo(files, options);
  if (!Array.isArray(modules) || modules.length === 0) {
    throw new SpladeError(
      'model-file-invalid',
      `modules.json must be a non-empty list of modules in ${files.description}`,
      { file: 'modules.json' },
    );
  }
  const entries = modules.map((m, k) => {
    const { type, path } = (m ?? {}) as { type?: unknown; path?: unknown };
    if (typeof type !== 'string')
      throw new SpladeError('model-file-invalid', `modules.json entry ${k} has no "type"`, { file: 'modules.json' });
    return { kind: moduleKind(type, 'modules.json'), path: typeof path === 'string' ? path : '' };
  });

  let query: Route;
  let document: Route;
  if (entries[0]!.kind === 'Router') {
    const router = (await readJson(files, join(entries[0]!.path, 'router_config.json'), true)) as {
      types?: Record<string, string>;
      structure?: Record<string, string[]>;
    };
    const routeOf = async (name: 'query' | 'document', queryOnly: boolean): Promise<Route> => {
      const ids = router.structure?.[name];
      if (!Array.isArray(ids) || ids.length === 0) {
        throw new SpladeError('model-file-invalid', `router_config.json has no "${name}" route in its "structure"`, {
          file: 'router_config.json',
        });
      }
      const parts = ids.map((id) => {
        const type = router.types?.[id];
        if (typeof type !== 'string')
          throw new SpladeError(
            'model-file-invalid',
            `router_config.json names module "${id}" but gives no type for it`,
            { file: 'router_config.json' },
          );
        return { kind: moduleKind(type, 'router_config.json'), path: join(entries[0]!.path, id) };
      });
      return buildRoute(files, parts, { ...options, queryOnly });
    };
    query = await routeOf('query', false);
    document = await routeOf('document', options.queryOnly === true);
  } else {
    query = await buildRoute(files, entries, options);
    document = query;
  }
  return assembleSpec(files, query, document);
}

async function assembleSpec(files: ModelFiles, query: Route, document: Route): Promise<ModelSpec> {
  const config = ((await readJson(files, 'config_sentence_transformers.json', false)) ?? {}) as {
    prompts?: Record<string, string>;
    similarity_fn_name?: string;
  };
  const prompts = { query: nonEmpty(config.prompts?.['query']), document: nonEmpty(config.prompts?.['document']) };
  const vocabSize = query.kind === 'static' ? query.weights.length : query.pooling.vocabSize;
  return {
    source: files.description,
    query,
    document,
    inferenceFree: query.kind === 'static',
    vocabSize,
    prompts,
    similarity: config.similarity_fn_name ?? 'dot',
  };
}

/** A transformers repository without modules.json (e.g. naver/splade-v3): see the top comment. */
async function loadBareRepo(files: ModelFiles, options: LayoutOptions): Promise<ModelSpec> {
  const config = await readJson(files, 'config.json', false);
  // Without a masked-LM config.json, only an ONNX export beside a tokenizer.json (fastembed / Qdrant) will do.
  const onnxOnly = config === undefined || !maskedLmArchitecture(config);
  const pooling: PoolingConfig = {
    strategy: options.spladePooling?.strategy ?? 'max',
    activation: options.spladePooling?.activation ?? 'relu',
    vocabSize: 0,
  };
  const notFound = (): SpladeError => {
    const what =
      config === undefined ? 'no config.json either' : 'a config.json that names no *ForMaskedLM architecture';
    return new SpladeError(
      'model-not-found',
      `modules.json is missing from ${files.description}, which has ${what} and no ONNX model (${onnxCandidates('fp32').join(', ')}) with a tokenizer.json; a SPLADE model needs the sentence-transformers files, a masked-LM transformers repository, or an ONNX export of one`,
      { file: 'modules.json' },
    );
  };
  const document = await loadMlm(files, '', pooling, options, onnxOnly ? notFound : undefined).catch((error) => {
    throw onnxOnly && error instanceof SpladeError && error.code === 'model-not-found' ? notFound() : error;
  });
  // The root's model.safetensors is the transformer's here, so the query table comes from idf.json alone.
  const query = (await files.read('idf.json')) ? await loadStatic(files, '', { idfOnly: true }) : document;
  return assembleSpec(files, query, document);
}

type ModuleKind = (typeof SUPPORTED_MODULES)[number];

function moduleKind(type: string, file: string): ModuleKind {
  const last = type.split('.').pop() ?? '';
  if ((SUPPORTED_MODULES as readonly string[]).includes(last)) return last as ModuleKind;
  throw new SpladeError(
    'unsupported-module',
    `${file} names module type "${type}", which splade-web cannot run; supported module types: ${SUPPORTED_MODULES.join(', ')}`,
    { file },
  );
}

async function buildRoute(
  files: ModelFiles,
  parts: { kind: ModuleKind; path: string }[],
  options: LayoutOptions,
): Promise<Route> {
  const shape = parts.map((p) => p.kind).join(' -> ');
  if (parts.length === 1 && parts[0]!.kind === 'SparseStaticEmbedding') return loadStatic(files, parts[0]!.path);
  if (parts.length === 2 && parts[0]!.kind === 'MLMTransformer' && parts[1]!.kind === 'SpladePooling') {
    return loadMlm(files, parts[0]!.path, parts[1]!.path, options);
  }
  throw new SpladeError(
    'unsupported-module',
    `the module sequence ${shape} is not supported; supported: SparseStaticEmbedding, or MLMTransformer -> SpladePooling`,
    { file: 'modules.json' },
  );
}

async function loadStatic(files: ModelFiles, dir: string, options: { idfOnly?: boolean } = {}): Promise<StaticRoute> {
  const { tokenizer } = await loadTokenizer(files, dir !== '' ? [dir, ''] : ['']);
  const weightsFile = join(dir, 'model.safetensors');
  const bytes = options.idfOnly ? undefined : await files.read(weightsFile);
  let weights: Float32Array;
  if (bytes) {
    const tensor = readSafetensors(bytes, weightsFile).get('weight');
    if (!tensor || tensor.shape.length !== 1) {
      throw new SpladeError(
        'model-file-invalid',
        `${weightsFile} must hold a 1-D tensor named "weight" (one weight per vocabulary id)`,
        { file: weightsFile },
      );
    }
    weights = tensor.data;
  } else {
    // OpenSearch repos also carry idf.json (token -> weight); accept it alone.
    const idfFile = join(dir, 'idf.json');
    const idf = (await readJson(files, idfFile, false)) as Record<string, number> | undefined;
    if (!idf)
      throw new SpladeError(
        'model-not-found',
        `the SparseStaticEmbedding module needs ${weightsFile} or ${idfFile}; neither exists in ${files.description}`,
        { file: weightsFile },
      );
    const size = Math.max(...Object.keys(idf).map((t) => tokenizer.idOf(t) ?? -1)) + 1;
    weights = new Float32Array(size);
    for (const [token, w] of Object.entries(idf)) {
      const id = tokenizer.idOf(token);
      if (id !== undefined && Number.isFinite(w)) weights[id] = w;
    }
  }
  return { kind: 'static', dir, tokenizer, weights };
}

/**
 * An MLMTransformer route; `pooling` is the SpladePooling folder, or the config itself (bare repositories).
 * `notFound` replaces the error for a folder with neither an ONNX file nor weights to build from.
 */
async function loadMlm(
  files: ModelFiles,
  dir: string,
  pooling: string | PoolingConfig,
  options: LayoutOptions,
  notFound?: () => SpladeError,
): Promise<MlmRoute> {
  // Some official repos keep the transformer at the repository root: try the folder, then the root
  // (the folder holding the tokenizer is the transformer's; each file is read once).
  const { tokenizer, dir: base } = await loadTokenizer(files, dir !== '' ? [dir, ''] : ['']);
  const poolingFile = typeof pooling === 'string' ? join(pooling, 'config.json') : '';
  const poolingConfig =
    typeof pooling === 'string'
      ? parsePoolingConfig(await readJson(files, poolingFile, true), poolingFile)
      : { ...pooling };
  const asked = options.spladePooling;
  if (typeof pooling === 'string' && asked) {
    const differs =
      (asked.strategy ?? 'max') !== poolingConfig.strategy || (asked.activation ?? 'relu') !== poolingConfig.activation;
    if (differs)
      throw new SpladeError(
        'invalid-option',
        `spladePooling applies to repositories without a SpladePooling module; ${files.description} has ${poolingFile} (${poolingConfig.strategy}, ${poolingConfig.activation}), which the model was trained with`,
        { file: poolingFile },
      );
  }
  const bert = ((await readJson(files, join(base, 'sentence_bert_config.json'), false)) ?? {}) as {
    max_seq_length?: number;
  };
  const hfJson = await readJson(files, join(base, 'config.json'), false);
  const hf = (hfJson ?? {}) as {
    max_position_embeddings?: number;
    vocab_size?: number;
    num_attention_heads?: number;
    n_heads?: number;
  };
  let maxSeqLength = bert.max_seq_length ?? 512;
  if (hf.max_position_embeddings) maxSeqLength = Math.min(maxSeqLength, hf.max_position_embeddings);
  if (!Number.isInteger(maxSeqLength) || maxSeqLength < 3) {
    throw new SpladeError(
      'model-file-invalid',
      `sentence_bert_config.json: max_seq_length must be an integer >= 3, got ${JSON.stringify(bert.max_seq_length)}`,
      { file: join(base, 'sentence_bert_config.json') },
    );
  }
  if (!poolingConfig.vocabSize) poolingConfig.vocabSize = hf.vocab_size ?? 0;
  const route: MlmRoute = {
    kind: 'mlm',
    dir: base,
    tokenizer,
    onnxFile: join(base, options.onnxFile ?? onnxCandidates('fp32')[0]!),
    dtype: options.dtype === undefined || options.dtype === 'auto' ? 'fp32' : options.dtype,
    pooling: poolingConfig,
    maxSeqLength,
    attentionHeads: positiveInteger(hf.num_attention_heads ?? hf.n_heads) ?? DEFAULT_ATTENTION_HEADS,
  };
  if (options.queryOnly) return route;

  const found: OnnxModel | undefined = await findOnnxModel(files, base, options, poolingConfig.vocabSize);
  if (found) {
    route.onnxFile = found.onnxFile;
    route.onnx = found.onnx;
    route.dtype = found.dtype;
    route.outputName = found.outputName;
    if (found.externalData.length) {
      route.externalData = found.externalData;
      route.externalDataFiles = found.externalDataFiles;
    }
    if (!poolingConfig.vocabSize && found.outputVocab) poolingConfig.vocabSize = found.outputVocab;
    return route;
  }
  // No ONNX file (and none asked for by name): build the graph from config.json + safetensors,
  // pooling inside it on the CPU backends, ending at the hidden state for WebGPU's fused head (graph/tail.ts).
  const tail = graphTailFor(options.device, poolingConfig);
  const built: LoadedModel | undefined =
    !options.onnxFile && hfJson !== undefined && !notFound
      ? await loadBuiltModel(files, base, hfJson, { ...options, tail })
      : undefined;
  if (!built) {
    if (notFound) throw notFound();
    const folder = base === '' ? 'the repository root' : base;
    const looked =
      options.dtype === undefined || options.dtype === 'auto'
        ? [...onnxCandidates('fp32'), 'onnx/model_fp16.onnx', '…']
        : onnxCandidates(options.dtype);
    throw new SpladeError(
      'model-not-found',
      `no ONNX model in ${files.description}: looked for ${looked.map((c) => join(base, c)).join(', ')} and no config.json with model.safetensors (or model.safetensors.index.json) in ${folder} to build the graph from`,
      { file: route.onnxFile },
    );
  }
  route.onnx = built.onnx;
  route.onnxFile = built.weightsFile;
  route.externalData = built.externalData;
  route.dtype = built.dtype;
  const { architecture, buildMs, weightBytes, fromCache, modelPath, sources } = built;
  route.built = { architecture, tail: built.tail, buildMs, weightBytes, fromCache };
  if (modelPath) route.built.modelPath = modelPath;
  if (sources) route.built.sources = sources;
  return route;
}

/** The tokenizer of the first of `dirs` that has a tokenizer.json, and that folder. */
async function loadTokenizer(files: ModelFiles, dirs: string[]): Promise<{ tokenizer: TextTokenizer; dir: string }> {
  for (const dir of dirs) {
    const file = join(dir, 'tokenizer.json');
    const json = await readJson(files, file, false);
    if (json === undefined) continue;
    const config = await readJson(files, join(dir, 'tokenizer_config.json'), false);
    return { tokenizer: TextTokenizer.fromJson(json, config, file), dir };
  }
  throw new SpladeError(
    'model-not-found',
    `no tokenizer in ${files.description}: looked for ${dirs.map((d) => join(d, 'tokenizer.json')).join(', ')}`,
    { file: join(dirs[0]!, 'tokenizer.json') },
  );
}

export async function readJson(files: ModelFiles, path: string, required: boolean): Promise<unknown> {
  const bytes = await files.read(path);
  if (!bytes) {
    if (required)
      throw new SpladeError('model-not-found', `${path} is missing from ${files.description}`, { file: path });
    return undefined;
  }
  try {
    return JSON.parse(new TextDecoder().decode(bytes));
  } catch (cause) {
    throw new SpladeError('model-file-invalid', `${path} is not valid JSON (${(cause as Error).message})`, {
      file: path,
      cause,
    });
  }
}

function join(dir: string, file: string): string {
  return dir === '' ? file : `${dir.replace(/\/+$/, '')}/${file}`;
}

function nonEmpty(s: string | undefined): string | undefined {
  return s ? s : undefined;
}

/** BERT-base's heads: what a window is sized for when config.json does not say (an ONNX-only repository). */
const DEFAULT_ATTENTION_HEADS = 12;

function positiveInteger(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isInteger(value) && value > 0 ? value : undefined;
}
