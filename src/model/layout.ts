/**
 * Reads the Hugging Face sentence-transformers SparseEncoder layout into a ModelSpec:
 *   modules.json -> Router (router_config.json: query / document routes) or a plain module list;
 *   SparseStaticEmbedding (inference-free query side), MLMTransformer (+ ONNX file), SpladePooling.
 * Modules are matched on the last dotted segment of `type`, since sentence-transformers v5 and v6
 * spell the package path differently. A bare transformers repository (no modules.json; config.json
 * names a *ForMaskedLM) is read as naver's SPLADE models are used: MLMTransformer + SpladePooling
 * (max, `relu` = log1p(relu(x))); with an idf.json beside it (OpenSearch's bare repos) queries go
 * through that table instead. A transformer folder with no ONNX file but config.json + safetensors
 * gets its graph built (src/model/graph/).
 */
import { SpladeError } from '../errors.ts';
import { parsePoolingConfig, type PoolingConfig } from '../pooling/config.ts';
import { buildFromSafetensors, maskedLmArchitecture, type BuiltModel, type ExternalDataFile } from './graph/load.ts';
import { readSafetensors } from './safetensors.ts';
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
  /** A graph built from config.json + safetensors: its weights, which `onnx` references as external data. */
  externalData?: ExternalDataFile[];
  /** Set when the graph was built from safetensors (no ONNX file in the repository). */
  built?: { architecture: string; buildMs: number; weightBytes: number };
  pooling: PoolingConfig;
  maxSeqLength: number;
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
const ONNX_CANDIDATES = ['onnx/model.onnx', 'model.onnx'];

export interface LayoutOptions {
  /** Skip downloading the document model (a page that only encodes queries). */
  queryOnly?: boolean;
  /** ONNX file inside the transformer folder, e.g. `onnx/model_quantized.onnx`. */
  onnxFile?: string;
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
  if (config === undefined || !maskedLmArchitecture(config)) {
    const what =
      config === undefined ? 'no config.json either' : 'a config.json that names no *ForMaskedLM architecture';
    throw new SpladeError(
      'model-not-found',
      `modules.json is missing from ${files.description}, which has ${what}; a SPLADE model needs the sentence-transformers files or a masked-LM transformers repository`,
      { file: 'modules.json' },
    );
  }
  const pooling: PoolingConfig = { strategy: 'max', activation: 'relu', vocabSize: 0 };
  const document = await loadMlm(files, '', pooling, options);
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

/** An MLMTransformer route; `pooling` is the SpladePooling folder, or the config itself (bare repositories). */
async function loadMlm(
  files: ModelFiles,
  dir: string,
  pooling: string | PoolingConfig,
  options: LayoutOptions,
): Promise<MlmRoute> {
  // Some official repos keep the transformer at the repository root: try the folder, then the root
  // (the folder holding the tokenizer is the transformer's; each file is read once).
  const { tokenizer, dir: base } = await loadTokenizer(files, dir !== '' ? [dir, ''] : ['']);
  const poolingFile = typeof pooling === 'string' ? join(pooling, 'config.json') : '';
  const poolingConfig =
    typeof pooling === 'string'
      ? parsePoolingConfig(await readJson(files, poolingFile, true), poolingFile)
      : { ...pooling };
  const bert = ((await readJson(files, join(base, 'sentence_bert_config.json'), false)) ?? {}) as {
    max_seq_length?: number;
  };
  const hfJson = await readJson(files, join(base, 'config.json'), false);
  const hf = (hfJson ?? {}) as {
    max_position_embeddings?: number;
    vocab_size?: number;
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
  const candidates = options.onnxFile ? [options.onnxFile] : ONNX_CANDIDATES;
  let onnxFile = join(base, candidates[0]!);
  let onnx: Uint8Array | undefined;
  let built: BuiltModel | undefined;
  if (!options.queryOnly) {
    for (const c of candidates) {
      onnxFile = join(base, c);
      onnx = await files.read(onnxFile);
      if (onnx) break;
    }
    // No ONNX file (and none asked for by name): build the graph from config.json + safetensors.
    if (!onnx && !options.onnxFile && hfJson !== undefined) built = await buildFromSafetensors(files, base, hfJson);
    if (built) {
      onnx = built.onnx;
      onnxFile = built.weightsFile;
    }
    if (!onnx) {
      const folder = base === '' ? 'the repository root' : base;
      const buildable = options.onnxFile
        ? ''
        : ` and no config.json with model.safetensors (or model.safetensors.index.json) in ${folder} to build the graph from`;
      throw new SpladeError(
        'model-not-found',
        `no ONNX model in ${files.description}: looked for ${candidates.map((c) => join(base, c)).join(', ')}${buildable}`,
        { file: onnxFile },
      );
    }
  }
  const route: MlmRoute = { kind: 'mlm', dir: base, tokenizer, onnxFile, pooling: poolingConfig, maxSeqLength };
  if (onnx) route.onnx = onnx;
  if (built) {
    route.externalData = built.externalData;
    route.built = { architecture: built.architecture, buildMs: built.buildMs, weightBytes: built.weightBytes };
  }
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
