/**
 * The ONNX file of a transformer folder, in the layouts of the repositories that ship one:
 *   - transformers.js (onnx-community/*, Xenova/*): `onnx/model.onnx`, `onnx/model_fp16.onnx`,
 *     `onnx/model_quantized.onnx` (q8), `onnx/model_q4.onnx`, `onnx/model_q4f16.onnx`, chosen by the
 *     `dtype` option (src/model/dtype.ts), each with its external data files (`model.onnx_data`,
 *     `model.onnx_data_1`…) when its weights are kept outside the protobuf;
 *   - fastembed / Qdrant (Qdrant/Splade_PP_en_v1, prithivida/Splade_PP_en_v1…): `model.onnx` at the root
 *     beside tokenizer.json, exported by someone else: its inputs and its logits output are found from
 *     the graph (an output `[batch, tokens, vocab]`, whatever its name), and the pooling comes from the
 *     `spladePooling` option because such repositories carry no SpladePooling module.
 * Which external data files a model needs is read from the model itself (its initializers' `location`),
 * so no configuration has to say how many chunks there are.
 */
import { SpladeError } from '../errors.ts';
import { ACTIVATIONS, POOLING_STRATEGIES, type Activation, type PoolingStrategy } from '../pooling/config.ts';
import type { EncoderDevice, ExternalDataFile } from '../runtime/types.ts';
import {
  autoDtypeOrder,
  dtypeOfFile,
  isHalfDtype,
  MODEL_DTYPES,
  transformersJsFile,
  type DtypeOption,
  type ModelDtype,
} from './dtype.ts';
import { describeShape, ONNX_ELEM, readOnnxInfo, type OnnxInfo, type OnnxValueInfo } from './onnx-info.ts';
import type { ModelFiles } from './source.ts';

/** How the caller wants the ONNX file chosen. */
export interface OnnxChoice {
  /** Default 'auto': the best file present for `device`. */
  dtype?: DtypeOption;
  /** A file named by the caller (inside the transformer folder); wins over `dtype`. */
  onnxFile?: string;
  /** The device the session will run on ('auto' already resolved); default 'wasm'. */
  device?: EncoderDevice;
  /** Whether that device runs fp16 natively (a WebGPU adapter with `shader-f16`). Default true. */
  shaderF16?: boolean;
}

export interface OnnxModel {
  /** Path of the ONNX file inside the repository. */
  onnxFile: string;
  onnx: Uint8Array;
  dtype: ModelDtype;
  /** The files the model keeps its weights in, by the `location` the model names them with. */
  externalData: ExternalDataFile[];
  /** Those files' paths inside the repository. */
  externalDataFiles: string[];
  /** The graph output holding the logits [batch, tokens, vocab]. */
  outputName: string;
  /** The vocabulary size the graph declares on that output, when it declares one. */
  outputVocab?: number;
}

/** Where a dtype's file may be, inside a transformer folder: transformers.js' `onnx/`, then the folder itself. */
export function onnxCandidates(dtype: ModelDtype): string[] {
  const name = transformersJsFile(dtype);
  return [`onnx/${name}`, name];
}

/**
 * The ONNX model of folder `base` as `choice` asks, with its external data read; undefined when the
 * folder holds no ONNX file at all (the caller may build the graph from safetensors then).
 * `vocabSize` (0 = unknown) picks the logits output by shape.
 */
export async function findOnnxModel(
  files: ModelFiles,
  base: string,
  choice: OnnxChoice,
  vocabSize: number,
): Promise<OnnxModel | undefined> {
  const requested = choice.dtype ?? 'auto';
  let found: { file: string; bytes: Uint8Array; dtype: ModelDtype } | undefined;
  if (choice.onnxFile) {
    const named = dtypeOfFile(choice.onnxFile);
    if (named && requested !== 'auto' && named !== requested) {
      throw new SpladeError(
        'invalid-option',
        `onnxFile ${choice.onnxFile} is the ${named} file, but dtype '${requested}' was asked for; give one of the two`,
      );
    }
    const file = join(base, choice.onnxFile);
    const bytes = await files.read(file);
    if (!bytes) {
      throw new SpladeError('model-not-found', `no ONNX model in ${files.description}: looked for ${file}`, { file });
    }
    found = { file, bytes, dtype: named ?? (requested === 'auto' ? 'fp32' : requested) };
  } else {
    const device = choice.device ?? 'wasm';
    const order = requested === 'auto' ? autoDtypeOrder(device, choice.shaderF16 ?? true) : [requested];
    found = await firstPresent(files, base, order);
    if (!found && requested !== 'auto') {
      const present = await presentFiles(files, base);
      if (present.length > 0) {
        const looked = onnxCandidates(requested).map((c) => join(base, c));
        throw new SpladeError(
          'model-not-found',
          `${files.description} has no ${requested} ONNX file (looked for ${looked.join(', ')}); it has ${present
            .map((p) => `${p.file} (${p.dtype})`)
            .join(', ')}: pass one of those dtypes, or dtype 'auto'`,
          { file: looked[0]! },
        );
      }
    }
    if (
      found &&
      device === 'webgpu' &&
      requested !== 'auto' &&
      isHalfDtype(found.dtype) &&
      choice.shaderF16 === false
    ) {
      throw new SpladeError(
        'invalid-option',
        `dtype '${requested}' computes in fp16, which this WebGPU adapter cannot (it lacks the 'shader-f16' feature); use dtype 'fp32', 'q4' or 'auto', or device 'wasm'`,
      );
    }
  }
  if (!found) return undefined;

  const info = readOnnxInfo(found.bytes, found.file);
  const output = logitsOutput(info, vocabSize, found.file);
  const externalData: ExternalDataFile[] = [];
  const externalDataFiles: string[] = [];
  for (const location of info.externalData) {
    const path = join(dirOf(found.file), location);
    if (location.startsWith('/') || location.split(/[\\/]/).includes('..')) {
      throw new SpladeError(
        'model-file-invalid',
        `${found.file} names external data "${location}" outside its folder; accepted: a file beside it`,
        { file: found.file },
      );
    }
    const data = await files.read(path);
    if (!data) {
      throw new SpladeError(
        'model-not-found',
        `${found.file} keeps weights in ${location}, which is missing from ${files.description} (looked for ${path})`,
        { file: path },
      );
    }
    externalData.push({ path: location, data });
    externalDataFiles.push(path);
  }
  const model: OnnxModel = {
    onnxFile: found.file,
    onnx: found.bytes,
    dtype: found.dtype,
    externalData,
    externalDataFiles,
    outputName: output.name,
  };
  const last = output.dims?.[2];
  if (typeof last === 'number') model.outputVocab = last;
  return model;
}

/** The first dtype of `order` whose file is in the folder, read. */
async function firstPresent(
  files: ModelFiles,
  base: string,
  order: readonly ModelDtype[],
): Promise<{ file: string; bytes: Uint8Array; dtype: ModelDtype } | undefined> {
  for (const dtype of order) {
    for (const candidate of onnxCandidates(dtype)) {
      const file = join(base, candidate);
      const bytes = await files.read(file);
      if (bytes) return { file, bytes, dtype };
    }
  }
  return undefined;
}

/** A ModelFiles that can tell whether a file exists without downloading it (e.g. by a HEAD request). */
type ProbingFiles = ModelFiles & { exists?: (path: string) => Promise<boolean> };

/**
 * Every dtype's ONNX file present in the folder (for the message of a dtype that is missing). Where
 * the source cannot answer "does it exist" without a download, the files are read: this runs only on
 * that error path, and what was read stays in the download cache for the retry.
 */
async function presentFiles(files: ProbingFiles, base: string): Promise<{ file: string; dtype: ModelDtype }[]> {
  const present: { file: string; dtype: ModelDtype }[] = [];
  for (const dtype of MODEL_DTYPES) {
    for (const candidate of onnxCandidates(dtype)) {
      const file = join(base, candidate);
      const exists = files.exists ? await files.exists(file) : (await files.read(file)) !== undefined;
      if (exists) present.push({ file, dtype });
    }
  }
  return present;
}

const FLOAT_TYPES: readonly number[] = [ONNX_ELEM.float, ONNX_ELEM.float16];

/**
 * The output holding the per-token logits: `logits` when it is [batch, tokens, vocab], else the one
 * output of rank 3 whose last axis is the vocabulary (or the only rank-3 float output when the
 * vocabulary size is unknown or padded). A graph that pools over the tokens itself ([batch, vocab]) is
 * refused: the activation and pooling would be applied twice, and windows could not be max-pooled.
 */
export function logitsOutput(info: OnnxInfo, vocabSize: number, file: string): OnnxValueInfo {
  const rank3 = info.outputs.filter(
    (o) => (o.dims === undefined || o.dims.length === 3) && (o.elemType === 0 || FLOAT_TYPES.includes(o.elemType)),
  );
  const named = rank3.find((o) => o.name === 'logits');
  if (named) return named;
  const byVocab = rank3.filter((o) => vocabSize > 0 && o.dims?.[2] === vocabSize);
  if (byVocab.length === 1) return byVocab[0]!;
  const known = rank3.filter((o) => o.dims !== undefined);
  if (known.length === 1) return known[0]!;
  if (rank3.length === 1) return rank3[0]!;
  const all = info.outputs.map((o) => `"${o.name}" ${describeShape(o)}`).join(', ');
  const pooled = info.outputs.find((o) => o.dims?.length === 2);
  if (pooled && rank3.length === 0) {
    throw new SpladeError(
      'model-unsupported',
      `${file} returns ${all}: its output is already pooled over the tokens (one vector per text), but splade-web needs the masked-LM logits [batch, tokens, vocab] and pools them itself (spladePooling: max or sum, relu or log1p_relu); export the model without its pooling (e.g. optimum's fill-mask task)`,
      { file },
    );
  }
  const vocab = vocabSize ? ` = ${vocabSize}` : '';
  const which =
    rank3.length > 1
      ? `several outputs could be the logits and none is named "logits" or ends in the vocabulary size${vocab}`
      : 'no output has that shape';
  throw new SpladeError(
    'model-file-invalid',
    `${file} returns ${all || 'nothing'}: splade-web needs the logits [batch, tokens, vocab${vocab}], and ${which}`,
    { file },
  );
}

/** SpladePooling for repositories without a SpladePooling module (bare transformers, ONNX-only layouts). */
export interface SpladePoolingOption {
  /** Default 'max'. */
  strategy?: PoolingStrategy;
  /** sentence-transformers' names: 'relu' = log1p(relu(x)) (default), 'log1p_relu' = log1p(log1p(relu(x))). */
  activation?: Activation;
}

/** Checks the `spladePooling` option (a SpladeError 'invalid-option' listing what is accepted). */
export function checkSpladePoolingOption(value: unknown): SpladePoolingOption | undefined {
  if (value === undefined) return undefined;
  const { strategy, activation, ...rest } = (value ?? {}) as Record<string, unknown>;
  const extra = Object.keys(rest);
  if (typeof value !== 'object' || value === null || extra.length > 0) {
    throw new SpladeError(
      'invalid-option',
      `spladePooling must be an object { strategy?, activation? }${extra.length ? `; unknown key ${extra[0]}` : ''}`,
    );
  }
  if (strategy !== undefined && !POOLING_STRATEGIES.includes(strategy as PoolingStrategy)) {
    throw new SpladeError(
      'invalid-option',
      `spladePooling.strategy ${JSON.stringify(strategy)} is not supported; accepted: ${POOLING_STRATEGIES.join(', ')}`,
    );
  }
  if (activation !== undefined && !ACTIVATIONS.includes(activation as Activation)) {
    throw new SpladeError(
      'invalid-option',
      `spladePooling.activation ${JSON.stringify(activation)} is not supported; accepted: ${ACTIVATIONS.join(', ')} (relu = log1p(relu(x)), log1p_relu = log1p(log1p(relu(x))))`,
    );
  }
  return value as SpladePoolingOption;
}

function dirOf(path: string): string {
  const at = path.lastIndexOf('/');
  return at < 0 ? '' : path.slice(0, at);
}

function join(dir: string, file: string): string {
  return dir === '' ? file : `${dir.replace(/\/+$/, '')}/${file}`;
}
