/**
 * The graph of a transformer folder without ONNX, through the build cache (src/model/build-cache.ts):
 * kept from an earlier load when its weights files are still the versions it was built from (or
 * cannot be asked: offline), else built from safetensors (load.ts) and kept. Nothing is kept before
 * the build is complete, and a build that cannot be kept (no versions to key it by, a full disk)
 * still loads, from memory.
 */
import { findBuild, keepBuild, type SourceVersion, type StoredBuild } from '../build-cache.ts';
import type { ModelFiles } from '../source.ts';
import { architectureOf } from './architectures.ts';
import { ModelConfig } from './config.ts';
import { builtGraphDtype } from './dtypes.ts';
import { buildFromSafetensors, type BuildOptions, type BuiltModel } from './load.ts';
import { weightFilesOf } from './weights.ts';

export interface LoadedModel extends BuiltModel {
  /** True when the graph and weights came from the build cache: nothing downloaded or converted. */
  fromCache: boolean;
  /** The kept model file, its external data beside it, for onnxruntime to load by path (Node's cache). */
  modelPath?: string;
  /** The weights files and their versions (ETag, content hash), when known: what the build is keyed by. */
  sources?: SourceVersion[];
}

/**
 * See the top comment; the dtype `options` resolve to (dtypes.ts: 'auto' by device) and the graph's
 * tail (tail.ts) are part of the key. Undefined when the folder has no weights.
 */
export async function loadBuiltModel(
  files: ModelFiles,
  dir: string,
  configJson: unknown,
  options: BuildOptions = {},
): Promise<LoadedModel | undefined> {
  const started = performance.now();
  const dtype = builtGraphDtype(options.dtype, options.device, options.shaderF16);
  const config = ModelConfig.from(configJson, join(dir, 'config.json'));
  architectureOf(config); // an unsupported architecture fails before anything is fetched or looked up
  const found = files.builds ? await weightFilesOf(files, dir) : undefined;
  const tail = options.tail ?? 'logits';
  const lookup = found && (await findBuild(files, found.sourceFile, found.paths, dtype, tail));
  if (lookup?.hit) return fromStored(lookup.hit, performance.now() - started);
  const signal = options.signal ? { signal: options.signal } : {};
  const built = (await buildFromSafetensors(files, dir, configJson, { ...signal, dtype, tail })) as
    (BuiltModel & { sources?: SourceVersion[] }) | undefined;
  if (!built) return undefined;
  const loaded: LoadedModel = { ...built, fromCache: false };
  if (!lookup || !built.sources) return loaded;
  const stored = await keepBuild(lookup, { ...built, sources: built.sources, dtype, tail });
  // Node: the session loads the kept files by path, so the weights need not stay in memory here.
  if (stored?.modelPath) return { ...loaded, modelPath: stored.modelPath, externalData: [] };
  return loaded;
}

function fromStored(stored: StoredBuild, ms: number): LoadedModel {
  const { manifest } = stored;
  return {
    onnx: stored.onnx,
    externalData: stored.externalData ?? [],
    weightsFile: manifest.weightsFile,
    architecture: manifest.architecture,
    dtype: manifest.dtype,
    tail: manifest.tail,
    buildMs: ms,
    weightBytes: manifest.weightBytes,
    fromCache: true,
    sources: manifest.sources,
    ...(stored.modelPath ? { modelPath: stored.modelPath } : {}),
  } as LoadedModel;
}

function join(dir: string, file: string): string {
  return dir === '' ? file : `${dir.replace(/\/+$/, '')}/${file}`;
}
