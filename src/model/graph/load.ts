/**
 * The model graph of a transformer folder that ships `config.json` and safetensors weights but no
 * ONNX file: the architecture is checked first (an unknown one fails before any weight is
 * downloaded), then the weights are opened and the graph built. Nothing is cached here (cached.ts
 * keeps a build once it is complete), so a failure at any step leaves nothing half-built behind.
 */
import type { EncoderDevice } from '../../runtime/types.ts';
import type { DtypeOption, ModelDtype } from '../dtype.ts';
import type { SourceVersion } from '../build-cache.ts';
import type { ModelFiles } from '../source.ts';
import { architectureOf, buildModelGraph } from './architectures.ts';
import { ModelConfig } from './config.ts';
import { builtGraphDtype } from './dtypes.ts';
import type { GraphTail } from './tail.ts';
import { SafetensorsWeights } from './weights.ts';

/** An external data file of a built graph, as onnxruntime's `externalData` session option takes it. */
export interface ExternalDataFile {
  path: string;
  data: Uint8Array;
}

export interface BuiltModel {
  onnx: Uint8Array;
  externalData: ExternalDataFile[];
  /** The weights file (or shard index) inside the repository, for messages. */
  weightsFile: string;
  architecture: string;
  /** What the graph was built at: weights converted from the file's dtype to it (see dtypes.ts). */
  dtype: ModelDtype;
  /** What the graph ends in: the logits, or SPLADE pooling over them (tail.ts). */
  tail: GraphTail;
  /** The weights files and their versions (ETag, content hash) where the source gives them: the cache key. */
  sources?: SourceVersion[];
  /** Milliseconds to open the weights and build the graph (downloads included). */
  buildMs: number;
  weightBytes: number;
}

export interface BuildOptions {
  signal?: AbortSignal;
  /** Default 'auto'; see dtypes.ts for what each means and what 'auto' picks. */
  dtype?: DtypeOption;
  /** The device the session will run on, when known: 'auto' is chosen for it, and what it cannot run refused. */
  device?: EncoderDevice;
  /** Whether that device (WebGPU) has shader-f16. */
  shaderF16?: boolean;
  /** What the graph ends in (tail.ts; default 'logits'): layout.ts picks it by device and pooling. */
  tail?: GraphTail;
}

/**
 * Builds the graph of folder `dir` (`''` = the repository root) from its config.json (`configJson`,
 * already parsed) and safetensors weights at the dtype `options` resolve to, or returns undefined
 * when the folder has no weights. A dtype the device cannot run fails before anything is downloaded.
 */
export async function buildFromSafetensors(
  files: ModelFiles,
  dir: string,
  configJson: unknown,
  options: BuildOptions = {},
): Promise<BuiltModel | undefined> {
  const started = performance.now();
  const dtype = builtGraphDtype(options.dtype, options.device, options.shaderF16);
  const config = ModelConfig.from(configJson, join(dir, 'config.json'));
  architectureOf(config); // an unsupported architecture fails before the weights are downloaded
  const weights = await SafetensorsWeights.open(files, dir);
  if (!weights) return undefined;
  let graph: Awaited<ReturnType<typeof buildModelGraph>>;
  let sources: SourceVersion[] | undefined;
  try {
    const signal = options.signal ? { signal: options.signal } : {};
    graph = await buildModelGraph(config, weights, { ...signal, dtype, tail: options.tail ?? 'logits' });
    sources = await weights.versions();
  } finally {
    await weights.close(); // file handles closed, downloads reported done
  }
  return {
    ...(sources ? { sources } : {}),
    onnx: graph.model,
    externalData: graph.externalData,
    weightsFile: weights.sourceFile,
    architecture: graph.architecture,
    dtype: graph.dtype,
    tail: graph.tail,
    buildMs: performance.now() - started,
    weightBytes: graph.weightBytes,
  };
}

/** config.json's `architectures[0]` when it names a masked-LM (a bare transformers repo), else undefined. */
export function maskedLmArchitecture(json: unknown): string | undefined {
  const list = (json as { architectures?: unknown } | null)?.architectures;
  const name = Array.isArray(list) ? list[0] : undefined;
  return typeof name === 'string' && name.endsWith('ForMaskedLM') ? name : undefined;
}

function join(dir: string, file: string): string {
  return dir === '' ? file : `${dir.replace(/\/+$/, '')}/${file}`;
}
