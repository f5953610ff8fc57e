/**
 * The state of a GraphBuilder (see builder.ts for the API): inputs, outputs, nodes, weights and
 * constants, and `build()`, which reads the weights tensor by tensor and writes the ModelProto.
 * builder.ts adds the op helpers on top.
 */
import { SpladeError } from '../../errors.ts';
import type { ModelDtype } from '../dtype.ts';
import { toFloat16Array, type QuantBits } from './quantize.ts';
import type { GraphTail } from './tail.ts';
import { shapeWeight } from './weights.ts';
import {
  DataType,
  encodeModel,
  type AttributeValue,
  type DataTypeCode,
  type Dim,
  type NodeProtoData,
  type TensorProtoData,
} from './proto.ts';

export type ElementType = 'float32' | 'float16' | 'int64' | 'int32' | 'uint8' | 'bool';

/** A tensor in the graph: its name, element type, and rank where the builder knows it. */
export interface Value {
  readonly name: string;
  readonly type: ElementType;
  readonly rank?: number;
}

/** Where weights come from: the tensors of a safetensors file (or shards) by Hugging Face name. */
export interface WeightSource {
  /** For messages: the repository or folder the weights come from. */
  readonly description: string;
  /** The stored shape of `name` (legacy names resolved), or undefined when no file holds it. */
  shape(name: string): readonly number[] | undefined;
  /** The file that holds `name`, for messages. */
  fileOf(name: string): string | undefined;
  /** The tensor's elements as float32 (F16 / BF16 converted). */
  read(name: string): Promise<Float32Array>;
}

export interface WeightOptions {
  /** Store the 2-D tensor transposed: a Hugging Face Linear weight [out, in] becomes [in, out] for MatMul. */
  transpose?: boolean;
  /**
   * Keep only rows [start, end) of dimension 0 (before any transpose): one part of a packed projection.
   * `shape` stays the stored tensor's full shape.
   */
  rows?: readonly [number, number];
  /** The tensor to use when the file leaves `name` out (tied decoder weights). */
  tiedTo?: string;
}

export interface BuiltGraph {
  /** ModelProto bytes. */
  model: Uint8Array;
  /** External data files as onnxruntime's `externalData` session option takes them. */
  externalData: { path: string; data: Uint8Array }[];
  nodeCount: number;
  /** Bytes of external weight data. */
  weightBytes: number;
}

export const ELEMENT_CODES: Record<ElementType, DataTypeCode> = {
  float32: DataType.FLOAT,
  float16: DataType.FLOAT16,
  int64: DataType.INT64,
  int32: DataType.INT32,
  uint8: DataType.UINT8,
  bool: DataType.BOOL,
};
export const OPSET = 17;
const IR_VERSION = 8;
/** Computed constants at least this large go to external data too. */
const INLINE_LIMIT = 64 * 1024;

interface PendingWeight {
  /** The initializers this weight becomes (one, or B / scales / zero points of a quantized one). */
  tensors: TensorProtoData[];
  source: string;
  storedShape: readonly number[];
  options: WeightOptions;
  /** The initializers' bytes from the weight as read, `rows` and `transpose` applied. */
  encode: (data: Float32Array) => Uint8Array[];
}

/** What the graph is built at (src/model/dtype.ts names them; dtypes.ts says what each means here). */
export interface GraphOptions {
  /** Default 'fp32'. */
  dtype?: ModelDtype;
  /** What the graph ends in (tail.ts): the logits, or SPLADE pooling over them. Default 'logits'. */
  tail?: GraphTail;
}

export const bytesOf = (a: ArrayBufferView): Uint8Array => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

export class GraphCore {
  private readonly nodes: NodeProtoData[] = [];
  private readonly inputs: { name: string; dataType: DataTypeCode; shape: readonly Dim[] }[] = [];
  private readonly outputs: { name: string; dataType: DataTypeCode; shape: readonly Dim[] }[] = [];
  private readonly initializers: TensorProtoData[] = [];
  private readonly pending: PendingWeight[] = [];
  private readonly external: { path: string; data: Uint8Array }[] = [];
  private readonly sideFiles: {
    path: string;
    encode: (read: (weight: Value) => Promise<Float32Array>) => Promise<Uint8Array>;
  }[] = [];
  private readonly weightValues = new Map<string, Value>();
  private readonly constants = new Map<string, Value>();
  private readonly names = new Set<string>();
  private readonly domains = new Set<string>();
  private counter = 0;
  /** Depth of `exact()` calls: inside, 'float32' means float32 whatever the dtype. */
  private exactDepth = 0;
  /** Prefix of generated names (set with `scope`), so a graph viewer shows where a node came from. */
  private prefix = '';

  readonly dtype: ModelDtype;
  /** The element type of activations and float weights: float16 at fp16 and q4f16, else float32. */
  readonly float: 'float32' | 'float16';
  /** Linear layers' weight bits (MatMulNBits) at q4, q4f16 and q8; undefined: plain MatMul. */
  readonly quantBits: QuantBits | undefined;
  /** What the graph ends in (layers.ts `vocabularyHead` reads it, so architectures build any tail unchanged). */
  readonly tail: GraphTail;

  constructor(
    readonly weights?: WeightSource,
    options: GraphOptions = {},
  ) {
    this.dtype = options.dtype ?? 'fp32';
    this.float = this.dtype === 'fp16' || this.dtype === 'q4f16' ? 'float16' : 'float32';
    this.quantBits = this.dtype === 'q8' ? 8 : this.dtype === 'q4' || this.dtype === 'q4f16' ? 4 : undefined;
    this.tail = options.tail ?? 'logits';
  }

  /**
   * The element type a request for `type` gets: 'float32' stands for the graph's float type (so the
   * architectures, written in float32, build an fp16 graph unchanged), except inside `exact()`.
   */
  protected floatType(type: ElementType): ElementType {
    return type === 'float32' && this.exactDepth === 0 ? this.float : type;
  }

  /**
   * Runs `body` with 'float32' meaning float32 (constants, casts, weights), for the parts an fp16
   * graph computes in float32 (softmax, RMS norm, the logits output).
   */
  exact<T>(body: () => T): T {
    this.exactDepth++;
    try {
      return body();
    } finally {
      this.exactDepth--;
    }
  }

  /** Runs `body` with node names prefixed by `name` (e.g. 'layer.3'). */
  scope<T>(name: string, body: () => T): T {
    const saved = this.prefix;
    this.prefix = `${saved}${name}/`;
    try {
      return body();
    } finally {
      this.prefix = saved;
    }
  }

  private fresh(base: string): string {
    let name = `${this.prefix}${base}_${this.counter++}`;
    while (this.names.has(name)) name = `${this.prefix}${base}_${this.counter++}`;
    this.names.add(name);
    return name;
  }

  input(name: string, type: ElementType, shape: readonly Dim[]): Value {
    this.names.add(name);
    this.inputs.push({ name, dataType: ELEMENT_CODES[type], shape });
    return { name, type, rank: shape.length };
  }

  /** Names of the graph inputs declared so far. */
  inputNames(): string[] {
    return this.inputs.map((i) => i.name);
  }

  /** Declares `value` a graph output named `name` (an Identity node gives it that name). */
  output(value: Value, name: string, shape: readonly Dim[]): void {
    this.names.add(name);
    this.nodes.push({ opType: 'Identity', inputs: [value.name], outputs: [name], name: `output_${name}` });
    this.outputs.push({ name, dataType: ELEMENT_CODES[value.type], shape });
  }

  /** Any ONNX node; returns its outputs. `type` is the outputs' element type (default: the first input's). */
  node(
    opType: string,
    inputs: readonly (Value | undefined)[],
    attributes: Record<string, AttributeValue> = {},
    options: { outputs?: number; type?: ElementType; rank?: number; domain?: string } = {},
  ): Value[] {
    const name = this.fresh(opType);
    const outputs = Array.from({ length: options.outputs ?? 1 }, (_, k) => `${name}:${k}`);
    // Trailing absent optional inputs are left out rather than written as '': onnxruntime-web's WebGPU
    // kernels (e.g. Slice without `steps`) count every listed input and reject an empty one.
    let count = inputs.length;
    while (count > 0 && inputs[count - 1] === undefined) count--;
    const inputNames = inputs.slice(0, count).map((v) => v?.name ?? '');
    const node: NodeProtoData = { opType, name, inputs: inputNames, outputs, attributes };
    if (options.domain !== undefined) {
      node.domain = options.domain;
      this.domains.add(options.domain);
    }
    this.nodes.push(node);
    const type = options.type !== undefined ? this.floatType(options.type) : (inputs[0]?.type ?? this.float);
    return outputs.map((o) => (options.rank === undefined ? { name: o, type } : { name: o, type, rank: options.rank }));
  }

  protected op(opType: string, inputs: (Value | undefined)[], attributes: Record<string, AttributeValue> = {}): Value {
    const ranks = inputs.map((v) => v?.rank);
    const rank = ranks.every((r) => r !== undefined) ? Math.max(...(ranks as number[])) : undefined;
    return this.node(opType, inputs, attributes, rank === undefined ? {} : { rank })[0]!;
  }

  // ---- weights and constants ----

  /**
   * A weight by Hugging Face name, checked against `shape` now and read in `build()`; stored in the
   * graph's float type (float16 at fp16 / q4f16, unless inside `exact()`).
   */
  weight(name: string, shape: readonly number[], options: WeightOptions = {}): Value {
    const { stored, dims } = this.checkWeight(name, shape, options);
    const type = this.floatType('float32');
    const key = `${stored}|${options.transpose === true}|${options.rows?.join(':') ?? ''}|${type}`;
    const known = this.weightValues.get(key);
    if (known) return known;
    const suffix = (options.rows ? `[${options.rows.join(':')}]` : '') + (options.transpose ? '.T' : '');
    const tensor = this.initializer(`${stored}${suffix}${type === 'float16' ? '.f16' : ''}`, type, dims);
    this.readLater(stored, options, [tensor], (data) => [
      type === 'float16' ? bytesOf(toFloat16Array(data)) : bytesOf(data),
    ]);
    const value: Value = { name: tensor.name, type, rank: dims.length };
    this.weightValues.set(key, value);
    return value;
  }

  /**
   * Has `build()` read weight `stored` (`rows` / `transpose` applied) and `encode` it into the bytes
   * of `tensors`, one array each.
   */
  protected readLater(
    stored: string,
    options: WeightOptions,
    tensors: TensorProtoData[],
    encode: (data: Float32Array) => Uint8Array[],
  ): void {
    this.pending.push({ tensors, source: stored, storedShape: this.weights!.shape(stored)!, options, encode });
  }

  /** A weight initializer `name` (its data filled in by `build()`). */
  protected initializer(name: string, type: ElementType, dims: readonly number[]): TensorProtoData {
    this.names.add(name);
    const tensor: TensorProtoData = { name, dataType: ELEMENT_CODES[type], dims };
    this.initializers.push(tensor);
    return tensor;
  }

  /** Checks `name` (or what it is tied to) against `shape`; the stored name and the kept dims. */
  protected checkWeight(
    name: string,
    shape: readonly number[],
    options: WeightOptions,
  ): { stored: string; dims: readonly number[] } {
    const source = this.weights;
    if (!source) throw new Error('GraphBuilder.weight: this builder was made without a WeightSource');
    let stored = name;
    let found = source.shape(name);
    if (!found && options.tiedTo !== undefined) {
      stored = options.tiedTo;
      found = source.shape(stored);
    }
    if (!found) {
      const tied = options.tiedTo !== undefined ? ` (nor "${options.tiedTo}", which it is tied to)` : '';
      throw new SpladeError(
        'model-file-invalid',
        `tensor "${name}"${tied} is missing from the weights of ${source.description}; expected shape [${shape.join(', ')}]`,
        { file: source.fileOf(name) ?? source.description },
      );
    }
    const rows = options.rows;
    const fits =
      found.length === shape.length &&
      found.every((d, k) => d === shape[k]) &&
      (!rows || (rows[0] >= 0 && rows[0] < rows[1] && rows[1] <= (shape[0] ?? 0)));
    if (!fits) {
      const file = source.fileOf(stored) ?? source.description;
      const part = rows ? ` (rows ${rows[0]}..${rows[1]} of it)` : '';
      throw new SpladeError(
        'model-file-invalid',
        `tensor "${stored}" in ${file} has shape [${found.join(', ')}]; the config implies [${shape.join(', ')}]${part}`,
        { file },
      );
    }
    const kept = rows ? [rows[1] - rows[0], ...shape.slice(1)] : shape;
    return { stored, dims: options.transpose ? [...kept].reverse() : kept };
  }

  /** Whether the weights hold `name` (optional tensors such as biases). */
  hasWeight(name: string): boolean {
    return this.weights?.shape(name) !== undefined;
  }

  /**
   * A constant tensor (computed tables, e.g. rotary frequencies); large ones go to external data.
   * Float32 data becomes the graph's float type (float16 values saturate at ±65504).
   */
  constant(
    data: Float32Array | BigInt64Array | Int32Array | Uint8Array,
    shape: readonly number[],
    type?: ElementType,
  ): Value {
    const elementType: ElementType = this.floatType(
      type ??
        (data instanceof Float32Array
          ? 'float32'
          : data instanceof BigInt64Array
            ? 'int64'
            : data instanceof Int32Array
              ? 'int32'
              : 'bool'),
    );
    const bytes =
      elementType === 'float16' && data instanceof Float32Array ? bytesOf(toFloat16Array(data)) : bytesOf(data);
    const key = bytes.byteLength <= 64 ? `${elementType}|${shape.join(',')}|${Array.from(bytes).join(',')}` : undefined;
    const known = key === undefined ? undefined : this.constants.get(key);
    if (known) return known;
    const name = this.fresh('const');
    const tensor: TensorProtoData = { name, dataType: ELEMENT_CODES[elementType], dims: shape };
    if (bytes.byteLength >= INLINE_LIMIT) {
      const path = `c${this.external.length}.bin`;
      this.external.push({ path, data: bytes.slice() });
      tensor.external = { location: path, offset: 0, length: bytes.byteLength };
    } else tensor.raw = bytes.slice();
    this.initializers.push(tensor);
    const value: Value = { name, type: elementType, rank: shape.length };
    if (key !== undefined) this.constants.set(key, value);
    return value;
  }

  /** A rank-0 constant. */
  scalar(value: number, type: 'float32' | 'int64' = 'float32'): Value {
    return type === 'int64'
      ? this.constant(BigInt64Array.of(BigInt(value)), [], 'int64')
      : this.constant(Float32Array.of(value), []);
  }

  /** A 1-D int64 constant (shapes, axes, indices). */
  ints(values: readonly number[]): Value {
    return this.constant(
      BigInt64Array.from(values, (v) => BigInt(v)),
      [values.length],
      'int64',
    );
  }

  /** A 1-D float constant (the graph's float type). */
  floats(values: readonly number[]): Value {
    return this.constant(Float32Array.from(values), [values.length]);
  }

  protected asInts(v: Value | readonly number[]): Value {
    return Array.isArray(v) ? this.ints(v) : (v as Value);
  }

  /**
   * An external data file that no node reads, written by `build()` after the weights: `encode` gets
   * `read`, which gives a weight declared with `weight()` as stored in the file ([out, in], `rows`
   * applied, not transposed, float32). The 'hidden' tail's decoder (tail.ts) travels this way.
   */
  sideFile(path: string, encode: (read: (weight: Value) => Promise<Float32Array>) => Promise<Uint8Array>): void {
    this.sideFiles.push({ path, encode });
  }

  // ---- output ----

  /** Reads the weights (tensor by tensor) and writes the model. Call once. */
  async build(options: { signal?: AbortSignal; metadata?: Record<string, string> } = {}): Promise<BuiltGraph> {
    let weightBytes = 0;
    let files = 0;
    // A weight no node reads (the decoder of a graph that ends before it) is neither read nor kept.
    const used = new Set(this.nodes.flatMap((n) => n.inputs));
    const unused = new Set(this.pending.filter((p) => !p.tensors.some((t) => used.has(t.name))));
    const byTensor = new Map(this.pending.flatMap((p) => p.tensors.map((t) => [t.name, p] as const)));
    for (let k = this.initializers.length - 1; k >= 0; k--)
      if (unused.has(byTensor.get(this.initializers[k]!.name)!)) this.initializers.splice(k, 1);
    for (const p of this.pending) {
      if (unused.has(p)) continue;
      options.signal?.throwIfAborted();
      const encoded = p.encode(shapeWeight(await this.weights!.read(p.source), p.storedShape, p.options));
      for (const [k, bytes] of encoded.entries()) {
        const path = `w${files++}.bin`;
        this.external.push({ path, data: bytes });
        weightBytes += bytes.byteLength;
        p.tensors[k]!.external = { location: path, offset: 0, length: bytes.byteLength };
      }
    }
    const readStored = async (weight: Value): Promise<Float32Array> => {
      const p = byTensor.get(weight.name);
      if (!p) throw new Error(`GraphBuilder.sideFile: ${weight.name} is not a weight`);
      const { rows } = p.options;
      return shapeWeight(await this.weights!.read(p.source), p.storedShape, rows ? { rows } : {});
    };
    for (const side of this.sideFiles) {
      options.signal?.throwIfAborted();
      const data = await side.encode(readStored);
      this.external.push({ path: side.path, data });
      weightBytes += data.byteLength;
    }
    // MatMulNBits is onnxruntime's contrib op (com.microsoft, version 1).
    const contrib = [...this.domains].filter((d) => d !== '').map((domain) => ({ domain, version: 1 }));
    const model = encodeModel({
      irVersion: IR_VERSION,
      opsets: [{ domain: '', version: OPSET }, ...contrib],
      producerName: 'splade-web',
      graph: {
        name: 'splade-web',
        nodes: this.nodes,
        inputs: this.inputs,
        outputs: this.outputs,
        initializers: this.initializers,
      },
      ...(options.metadata ? { metadata: options.metadata } : {}),
    });
    return { model, externalData: this.external, nodeCount: this.nodes.length, weightBytes };
  }
}
