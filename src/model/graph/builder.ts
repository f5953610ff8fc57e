/**
 * GraphBuilder: an ONNX graph (opset 17, IR 8) described as data, then written as ModelProto bytes
 * with the weights as external data (no 2 GB protobuf limit; F32 weights stay views of the
 * downloaded file, no second copy).
 *
 * API in one screen (every op helper returns a `Value`: a named tensor with its element type and,
 * where known, its rank; nothing runs until onnxruntime loads the model):
 *
 *   const g = new GraphBuilder(weights);                     // weights: a WeightSource (weights.ts)
 *   const ids = g.input('input_ids', 'int64', ['batch', 'tokens']);
 *   const table = g.weight('bert.embeddings.word_embeddings.weight', [vocab, hidden]);
 *   const w = g.weight('...dense.weight', [out, inp], { transpose: true });      // stored [inp, out]
 *   const q = g.weight('...qkv_proj.weight', [3 * h, h], { rows: [0, h], transpose: true }); // part
 *   let x = g.gather(table, ids);                            // Value, float32, rank 3
 *   x = g.add(g.matmul(x, w), g.weight('...dense.bias', [out]));
 *   g.output(x, 'logits', ['batch', 'tokens', vocab]);
 *   const built = await g.build();                           // { model, externalData, ... }
 *
 * - Weights are referenced by their Hugging Face names; `weight()` checks the name and shape against
 *   the source's headers at once (a missing tensor or a wrong shape throws `model-file-invalid`
 *   naming tensor, file, expected and found) and reads the data only in `build()`, tensor by tensor.
 *   `tiedTo` names the tensor to use when the file leaves this one out (tied decoder weights).
 * - Constants: `scalar(1.5)`, `scalar(2, 'int64')`, `ints([0, 0, -1])` (1-D int64),
 *   `floats([...])`, `constant(data, shape)` for computed tables (e.g. rotary frequencies).
 * - Ops: the helpers below follow ONNX opset 17 (ReduceMean/ReduceMax take `axes` as an attribute,
 *   Split/Squeeze/Unsqueeze/Slice/ReduceSum take them as inputs: the helpers hide the difference).
 *   Anything else: `g.node(opType, inputs, attributes, { outputs, type })`.
 * - Composite layers (gelu, layer norm by prefix, linear, rms norm, activations by `hidden_act`)
 *   live in layers.ts.
 */
import { SpladeError } from '../../errors.ts';
import {
  DataType,
  encodeModel,
  type AttributeValue,
  type DataTypeCode,
  type Dim,
  type NodeProtoData,
  type TensorProtoData,
} from './proto.ts';

export type { AttributeValue, Dim } from './proto.ts';
export type ElementType = 'float32' | 'float16' | 'int64' | 'int32' | 'bool';

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

const ELEMENT_CODES: Record<ElementType, DataTypeCode> = {
  float32: DataType.FLOAT,
  float16: DataType.FLOAT16,
  int64: DataType.INT64,
  int32: DataType.INT32,
  bool: DataType.BOOL,
};
export const OPSET = 17;
const IR_VERSION = 8;
/** Computed constants at least this large go to external data too. */
const INLINE_LIMIT = 64 * 1024;

interface PendingWeight {
  tensor: TensorProtoData;
  source: string;
  storedShape: readonly number[];
  options: WeightOptions;
}

export class GraphBuilder {
  private readonly nodes: NodeProtoData[] = [];
  private readonly inputs: { name: string; dataType: DataTypeCode; shape: readonly Dim[] }[] = [];
  private readonly outputs: { name: string; dataType: DataTypeCode; shape: readonly Dim[] }[] = [];
  private readonly initializers: TensorProtoData[] = [];
  private readonly pending: PendingWeight[] = [];
  private readonly external: { path: string; data: Uint8Array }[] = [];
  private readonly weightValues = new Map<string, Value>();
  private readonly constants = new Map<string, Value>();
  private readonly names = new Set<string>();
  private counter = 0;
  /** Prefix of generated names (set with `scope`), so a graph viewer shows where a node came from. */
  private prefix = '';

  constructor(readonly weights?: WeightSource) {}

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
    const node: NodeProtoData = { opType, name, inputs: inputs.map((v) => v?.name ?? ''), outputs, attributes };
    if (options.domain !== undefined) node.domain = options.domain;
    this.nodes.push(node);
    const type = options.type ?? inputs[0]?.type ?? 'float32';
    return outputs.map((o) => (options.rank === undefined ? { name: o, type } : { name: o, type, rank: options.rank }));
  }

  private op(opType: string, inputs: (Value | undefined)[], attributes: Record<string, AttributeValue> = {}): Value {
    const ranks = inputs.map((v) => v?.rank);
    const rank = ranks.every((r) => r !== undefined) ? Math.max(...(ranks as number[])) : undefined;
    return this.node(opType, inputs, attributes, rank === undefined ? {} : { rank })[0]!;
  }

  // ---- weights and constants ----

  /** A weight by Hugging Face name, checked against `shape` now and read in `build()`. */
  weight(name: string, shape: readonly number[], options: WeightOptions = {}): Value {
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
    const key = `${stored}|${options.transpose === true}|${options.rows?.join(':') ?? ''}`;
    const known = this.weightValues.get(key);
    if (known) return known;
    const suffix = (options.rows ? `[${options.rows.join(':')}]` : '') + (options.transpose ? '.T' : '');
    const initializer = `${stored}${suffix}`;
    this.names.add(initializer);
    const kept = rows ? [rows[1] - rows[0], ...shape.slice(1)] : shape;
    const dims = options.transpose ? [...kept].reverse() : kept;
    const tensor: TensorProtoData = { name: initializer, dataType: DataType.FLOAT, dims };
    this.pending.push({ tensor, source: stored, storedShape: found, options });
    this.initializers.push(tensor);
    const value: Value = { name: initializer, type: 'float32', rank: dims.length };
    this.weightValues.set(key, value);
    return value;
  }

  /** Whether the weights hold `name` (optional tensors such as biases). */
  hasWeight(name: string): boolean {
    return this.weights?.shape(name) !== undefined;
  }

  /** A constant tensor (computed tables, e.g. rotary frequencies); large ones go to external data. */
  constant(
    data: Float32Array | BigInt64Array | Int32Array | Uint8Array,
    shape: readonly number[],
    type?: ElementType,
  ): Value {
    const elementType: ElementType =
      type ??
      (data instanceof Float32Array
        ? 'float32'
        : data instanceof BigInt64Array
          ? 'int64'
          : data instanceof Int32Array
            ? 'int32'
            : 'bool');
    const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
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

  /** A 1-D float32 constant. */
  floats(values: readonly number[]): Value {
    return this.constant(Float32Array.from(values), [values.length]);
  }

  private asInts(v: Value | readonly number[]): Value {
    return Array.isArray(v) ? this.ints(v) : (v as Value);
  }

  // ---- elementwise ----
  add = (a: Value, b: Value): Value => this.op('Add', [a, b]);
  sub = (a: Value, b: Value): Value => this.op('Sub', [a, b]);
  mul = (a: Value, b: Value): Value => this.op('Mul', [a, b]);
  div = (a: Value, b: Value): Value => this.op('Div', [a, b]);
  pow = (a: Value, b: Value): Value => this.op('Pow', [a, b]);
  max = (a: Value, b: Value): Value => this.op('Max', [a, b]);
  min = (a: Value, b: Value): Value => this.op('Min', [a, b]);
  mod = (a: Value, b: Value): Value => this.op('Mod', [a, b]);
  neg = (x: Value): Value => this.op('Neg', [x]);
  abs = (x: Value): Value => this.op('Abs', [x]);
  sqrt = (x: Value): Value => this.op('Sqrt', [x]);
  reciprocal = (x: Value): Value => this.op('Reciprocal', [x]);
  exp = (x: Value): Value => this.op('Exp', [x]);
  log = (x: Value): Value => this.op('Log', [x]);
  erf = (x: Value): Value => this.op('Erf', [x]);
  tanh = (x: Value): Value => this.op('Tanh', [x]);
  sigmoid = (x: Value): Value => this.op('Sigmoid', [x]);
  relu = (x: Value): Value => this.op('Relu', [x]);
  sin = (x: Value): Value => this.op('Sin', [x]);
  cos = (x: Value): Value => this.op('Cos', [x]);
  private compare = (op: string, a: Value, b: Value): Value => ({ ...this.op(op, [a, b]), type: 'bool' });
  equal = (a: Value, b: Value): Value => this.compare('Equal', a, b);
  less = (a: Value, b: Value): Value => this.compare('Less', a, b);
  lessOrEqual = (a: Value, b: Value): Value => this.compare('LessOrEqual', a, b);
  greater = (a: Value, b: Value): Value => this.compare('Greater', a, b);
  greaterOrEqual = (a: Value, b: Value): Value => this.compare('GreaterOrEqual', a, b);
  and = (a: Value, b: Value): Value => this.op('And', [a, b]);
  or = (a: Value, b: Value): Value => this.op('Or', [a, b]);
  not = (x: Value): Value => this.op('Not', [x]);
  /** cond ? a : b, broadcasting. */
  where = (cond: Value, a: Value, b: Value): Value => ({ ...this.op('Where', [cond, a, b]), type: a.type });
  cast = (x: Value, type: ElementType): Value => ({
    ...this.op('Cast', [x], { to: { i: ELEMENT_CODES[type] } }),
    type,
  });

  // ---- linear algebra, normalization ----
  /** a @ b; `transposeA` / `transposeB` swap the last two axes first (the value's rank must be known). */
  matmul(a: Value, b: Value, options: { transposeA?: boolean; transposeB?: boolean } = {}): Value {
    const swap = (v: Value): Value => {
      if (v.rank === undefined || v.rank < 2) throw new Error(`matmul transpose: rank of ${v.name} unknown or < 2`);
      const perm = [...Array(v.rank).keys()];
      [perm[v.rank - 2], perm[v.rank - 1]] = [v.rank - 1, v.rank - 2];
      return this.transpose(v, perm);
    };
    return this.op('MatMul', [options.transposeA ? swap(a) : a, options.transposeB ? swap(b) : b]);
  }

  /** LayerNormalization over the last axis (opset 17); `bias` omitted for bias-free norms. */
  layerNorm(x: Value, scale: Value, bias: Value | undefined, epsilon: number): Value {
    return this.op('LayerNormalization', bias ? [x, scale, bias] : [x, scale], {
      axis: { i: -1 },
      epsilon: { f: epsilon },
    });
  }

  softmax = (x: Value, axis = -1): Value => this.op('Softmax', [x], { axis: { i: axis } });

  reduceMean(x: Value, axes: readonly number[], keepdims = true): Value {
    const out = this.op('ReduceMean', [x], { axes: { ints: axes }, keepdims: { i: keepdims ? 1 : 0 } });
    return keepdims || x.rank === undefined ? out : { ...out, rank: x.rank - axes.length };
  }

  reduceMax(x: Value, axes: readonly number[], keepdims = true): Value {
    const out = this.op('ReduceMax', [x], { axes: { ints: axes }, keepdims: { i: keepdims ? 1 : 0 } });
    return keepdims || x.rank === undefined ? out : { ...out, rank: x.rank - axes.length };
  }

  reduceSum(x: Value, axes: readonly number[], keepdims = true): Value {
    const out = this.op('ReduceSum', [x, this.ints(axes)], { keepdims: { i: keepdims ? 1 : 0 } });
    return keepdims || x.rank === undefined ? { ...out, rank: x.rank ?? 0 } : { ...out, rank: x.rank - axes.length };
  }

  cumSum(x: Value, axis: number, options: { exclusive?: boolean; reverse?: boolean } = {}): Value {
    const attributes = { exclusive: { i: options.exclusive ? 1 : 0 }, reverse: { i: options.reverse ? 1 : 0 } };
    return this.node(
      'CumSum',
      [x, this.scalar(axis, 'int64')],
      attributes,
      x.rank === undefined ? {} : { rank: x.rank },
    )[0]!;
  }

  // ---- shapes and indexing ----
  reshape(x: Value, shape: Value | readonly number[]): Value {
    const rank = Array.isArray(shape) ? shape.length : undefined;
    return this.node('Reshape', [x, this.asInts(shape)], {}, rank === undefined ? {} : { rank })[0]!;
  }

  transpose = (x: Value, perm: readonly number[]): Value =>
    this.node('Transpose', [x], { perm: { ints: perm } }, { rank: perm.length })[0]!;

  unsqueeze(x: Value, axes: readonly number[]): Value {
    const rank = x.rank === undefined ? undefined : x.rank + axes.length;
    return this.node('Unsqueeze', [x, this.ints(axes)], {}, rank === undefined ? {} : { rank })[0]!;
  }

  squeeze(x: Value, axes: readonly number[]): Value {
    const rank = x.rank === undefined ? undefined : x.rank - axes.length;
    return this.node('Squeeze', [x, this.ints(axes)], {}, rank === undefined ? {} : { rank })[0]!;
  }

  concat = (xs: readonly Value[], axis: number): Value => this.op('Concat', [...xs], { axis: { i: axis } });

  /** x[starts:ends:steps] on `axes` (default: the first axes); each bound a constant list or an int64 Value. */
  slice(
    x: Value,
    starts: Value | readonly number[],
    ends: Value | readonly number[],
    axes?: readonly number[],
    steps?: readonly number[],
  ): Value {
    const inputs = [
      x,
      this.asInts(starts),
      this.asInts(ends),
      axes ? this.ints(axes) : undefined,
      steps ? this.ints(steps) : undefined,
    ];
    return this.node('Slice', inputs, {}, x.rank === undefined ? {} : { rank: x.rank })[0]!;
  }

  /** Splits `x` on `axis` into parts of the given sizes. */
  split(x: Value, sizes: readonly number[], axis: number): Value[] {
    const options = { outputs: sizes.length, ...(x.rank === undefined ? {} : { rank: x.rank }) };
    return this.node('Split', [x, this.ints(sizes)], { axis: { i: axis } }, options);
  }

  /** Gather(data, indices) on `axis`: the result's rank is data.rank - 1 + indices.rank. */
  gather(data: Value, indices: Value, axis = 0): Value {
    const rank = data.rank !== undefined && indices.rank !== undefined ? data.rank - 1 + indices.rank : undefined;
    return this.node('Gather', [data, indices], { axis: { i: axis } }, rank === undefined ? {} : { rank })[0]!;
  }

  expand(x: Value, shape: Value | readonly number[]): Value {
    const rank = Array.isArray(shape) ? Math.max(shape.length, x.rank ?? 0) : undefined;
    return this.node('Expand', [x, this.asInts(shape)], {}, rank === undefined ? {} : { rank })[0]!;
  }

  /** [start, limit) by delta; all three scalars of one type (int64 or float32). */
  range = (start: Value, limit: Value, delta: Value): Value =>
    this.node('Range', [start, limit, delta], {}, { rank: 1 })[0]!;

  /** The shape of `x` as 1-D int64, optionally dims [start, end). */
  shape(x: Value, start?: number, end?: number): Value {
    const attributes: Record<string, AttributeValue> = {};
    if (start !== undefined) attributes['start'] = { i: start };
    if (end !== undefined) attributes['end'] = { i: end };
    return this.node('Shape', [x], attributes, { type: 'int64', rank: 1 })[0]!;
  }

  /** Dim `axis` of `x` as an int64 scalar. */
  dim(x: Value, axis: number): Value {
    return this.squeeze(this.shape(x, axis, axis === -1 ? undefined : axis + 1), [0]);
  }

  /** A tensor of `shape` (1-D int64 Value) filled with `value`. */
  constantOfShape(shape: Value, value: number, type: 'float32' | 'int64' = 'float32'): Value {
    const t: TensorProtoData = { name: 'value', dataType: ELEMENT_CODES[type], dims: [1] };
    const data = type === 'int64' ? BigInt64Array.of(BigInt(value)) : Float32Array.of(value);
    t.raw = new Uint8Array(data.buffer);
    return this.node('ConstantOfShape', [shape], { value: { t } }, { type })[0]!;
  }

  // ---- output ----

  /** Reads the weights (tensor by tensor) and writes the model. Call once. */
  async build(options: { signal?: AbortSignal; metadata?: Record<string, string> } = {}): Promise<BuiltGraph> {
    let weightBytes = 0;
    for (const [k, p] of this.pending.entries()) {
      options.signal?.throwIfAborted();
      const data = shapeWeight(await this.weights!.read(p.source), p.storedShape, p.options);
      const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
      const path = `w${k}.bin`;
      this.external.push({ path, data: bytes });
      weightBytes += bytes.byteLength;
      p.tensor.external = { location: path, offset: 0, length: bytes.byteLength };
    }
    const model = encodeModel({
      irVersion: IR_VERSION,
      opsets: [{ domain: '', version: OPSET }],
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

/** Applies `rows` then `transpose` to a weight read from the file. */
function shapeWeight(data: Float32Array, stored: readonly number[], options: WeightOptions): Float32Array {
  const cols = stored.slice(1).reduce((a, b) => a * b, 1);
  let rows = stored[0] ?? 1;
  let out = data;
  if (options.rows) {
    out = out.subarray(options.rows[0] * cols, options.rows[1] * cols);
    rows = options.rows[1] - options.rows[0];
  }
  if (options.transpose) {
    const t = new Float32Array(out.length);
    for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) t[c * rows + r] = out[r * cols + c]!;
    out = t;
  }
  return out;
}
