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
import type { AttributeValue, TensorProtoData } from './proto.ts';
import { bytesOf, ELEMENT_CODES, GraphCore, type ElementType, type Value } from './core.ts';
import { BLOCK_SIZE, float32ToFloat16, quantizeBlocks, toFloat16Array } from './quantize.ts';

export type { AttributeValue, Dim } from './proto.ts';
export { OPSET } from './core.ts';
export type { BuiltGraph, ElementType, GraphOptions, Value, WeightOptions, WeightSource } from './core.ts';

export class GraphBuilder extends GraphCore {
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
  /** Cast to `type` ('float32': the graph's float type, see GraphCore.exact). */
  cast = (x: Value, type: ElementType): Value => {
    const to = this.floatType(type);
    return { ...this.op('Cast', [x], { to: { i: ELEMENT_CODES[to] } }), type: to };
  };

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

  /**
   * x @ W^T for a Hugging Face Linear weight `name` [out, in] (`rows` picks part of a packed one) as
   * MatMulNBits (com.microsoft) with the weight quantized to `quantBits` in blocks of BLOCK_SIZE
   * along `in`; scales in the graph's float type, as MatMulNBits wants them of A's type.
   */
  matMulNBits(x: Value, name: string, shape: readonly [number, number], rows?: readonly [number, number]): Value {
    const bits = this.quantBits;
    if (bits === undefined) throw new Error(`matMulNBits: a ${this.dtype} graph quantizes no weights`);
    const { stored } = this.checkWeight(name, shape, rows ? { rows } : {});
    const n = rows ? rows[1] - rows[0] : shape[0];
    const k = shape[1];
    const blocks = Math.ceil(k / BLOCK_SIZE);
    const base = `${stored}${rows ? `[${rows.join(':')}]` : ''}.q${bits}`;
    const scaleType = this.float;
    const tensors = [
      this.initializer(`${base}.B`, 'uint8', [n, blocks, (BLOCK_SIZE * bits) / 8]),
      this.initializer(`${base}.scales`, scaleType, [n * blocks]),
      this.initializer(`${base}.zero_points`, 'uint8', [n * (bits === 8 ? blocks : Math.ceil(blocks / 2))]),
    ];
    this.readLater(stored, rows ? { rows } : {}, tensors, (data) => {
      const q = quantizeBlocks(data, n, k, bits, { float16Scales: scaleType === 'float16' });
      const scales = scaleType === 'float16' ? toFloat16Array(q.scales) : q.scales;
      return [q.packed, bytesOf(scales), q.zeroPoints];
    });
    const values = tensors.map((t, i): Value => ({ name: t.name, type: i === 1 ? scaleType : 'uint8' }));
    const attributes = { K: { i: k }, N: { i: n }, bits: { i: bits }, block_size: { i: BLOCK_SIZE } };
    const options = { domain: 'com.microsoft', ...(x.rank === undefined ? {} : { rank: x.rank }) };
    return this.node('MatMulNBits', [x, ...values], attributes, options)[0]!;
  }

  /** LayerNormalization over the last axis (opset 17); `bias` omitted for bias-free norms. */
  layerNorm(x: Value, scale: Value, bias: Value | undefined, epsilon: number): Value {
    return this.op('LayerNormalization', bias ? [x, scale, bias] : [x, scale], {
      axis: { i: -1 },
      epsilon: { f: epsilon },
    });
  }

  /**
   * Softmax over `axis`. A float16 input is computed in float32 and cast back: onnxruntime-web's
   * WebGPU softmax sums a row in the input's type, and float16 sums of hundreds of probabilities
   * lose digits.
   */
  softmax = (x: Value, axis = -1): Value => {
    if (x.type !== 'float16') return this.op('Softmax', [x], { axis: { i: axis } });
    const wide = this.exact(() => this.cast(x, 'float32'));
    return this.cast(this.op('Softmax', [wide], { axis: { i: axis } }), 'float16');
  };

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
    return keepdims || x.rank === undefined ? out : { ...out, rank: x.rank - axes.length };
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
    const to = this.floatType(type);
    const t: TensorProtoData = { name: 'value', dataType: ELEMENT_CODES[to], dims: [1] };
    const data =
      to === 'int64'
        ? BigInt64Array.of(BigInt(value))
        : to === 'float16'
          ? Uint16Array.of(float32ToFloat16(value))
          : Float32Array.of(value);
    t.raw = new Uint8Array(data.buffer);
    return this.node('ConstantOfShape', [shape], { value: { t } }, { type: to })[0]!;
  }
}
