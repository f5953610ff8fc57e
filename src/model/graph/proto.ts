/**
 * A minimal protobuf writer for the part of ONNX's `onnx.proto` that a model graph needs:
 * ModelProto, GraphProto, NodeProto, AttributeProto, TensorProto (inline raw data or external
 * data), ValueInfoProto (tensor types with symbolic dims) and OperatorSetIdProto.
 *
 * Field numbers are ONNX's (onnx/onnx.proto, IR version 8); only the fields we write are listed.
 * Messages are plain data here; `encodeModel` turns them into bytes. Submessages are encoded
 * bottom-up into their own buffers and then copied into the parent with a length prefix: the
 * graph holds no weights (they are external data), so the copies stay small.
 */

/** TensorProto.DataType values. */
export const DataType = {
  FLOAT: 1,
  UINT8: 2,
  INT8: 3,
  INT32: 6,
  INT64: 7,
  BOOL: 9,
  FLOAT16: 10,
  DOUBLE: 11,
  BFLOAT16: 16,
} as const;
export type DataTypeCode = (typeof DataType)[keyof typeof DataType];

/** AttributeProto.AttributeType values. */
const AttributeType = { FLOAT: 1, INT: 2, STRING: 3, TENSOR: 4, FLOATS: 6, INTS: 7, STRINGS: 8 } as const;

export interface ExternalDataRef {
  /** The external file's path as onnxruntime's `externalData` option names it. */
  location: string;
  offset?: number;
  length?: number;
}

export interface TensorProtoData {
  name: string;
  dataType: DataTypeCode;
  dims: readonly number[];
  /** Little-endian element bytes stored inside the model. */
  raw?: Uint8Array;
  /** Where the bytes are stored instead (TensorProto.data_location = EXTERNAL). */
  external?: ExternalDataRef;
}

/** One attribute value; the key says which AttributeProto field holds it. */
export type AttributeValue =
  | { i: number }
  | { f: number }
  | { s: string }
  | { ints: readonly number[] }
  | { floats: readonly number[] }
  | { strings: readonly string[] }
  | { t: TensorProtoData };

export interface NodeProtoData {
  opType: string;
  inputs: readonly string[];
  outputs: readonly string[];
  name?: string;
  domain?: string;
  attributes?: Readonly<Record<string, AttributeValue>>;
}

/** A dimension: a fixed size, or a symbolic name such as 'batch'. */
export type Dim = number | string;

export interface ValueInfoData {
  name: string;
  dataType: DataTypeCode;
  /** Omitted: unknown rank. */
  shape?: readonly Dim[];
}

export interface GraphProtoData {
  name: string;
  nodes: readonly NodeProtoData[];
  inputs: readonly ValueInfoData[];
  outputs: readonly ValueInfoData[];
  initializers: readonly TensorProtoData[];
}

export interface ModelProtoData {
  irVersion: number;
  opsets: readonly { domain: string; version: number }[];
  producerName: string;
  producerVersion?: string;
  graph: GraphProtoData;
  metadata?: Readonly<Record<string, string>>;
}

const WIRE_VARINT = 0;
const WIRE_FIXED32 = 5;
const WIRE_BYTES = 2;
const utf8 = new TextEncoder();

/** An append-only byte buffer with protobuf field writers. */
export class ProtoWriter {
  private bytes = new Uint8Array(256);
  private length = 0;

  private ensure(extra: number): void {
    if (this.length + extra <= this.bytes.length) return;
    let size = this.bytes.length * 2;
    while (size < this.length + extra) size *= 2;
    const grown = new Uint8Array(size);
    grown.set(this.bytes.subarray(0, this.length));
    this.bytes = grown;
  }

  /** Unsigned varint; negative numbers are written as 64-bit two's complement (int64 fields). */
  varint(value: number | bigint): this {
    let v = BigInt.asUintN(64, BigInt(value));
    this.ensure(10);
    while (v >= 0x80n) {
      this.bytes[this.length++] = Number(v & 0x7fn) | 0x80;
      v >>= 7n;
    }
    this.bytes[this.length++] = Number(v);
    return this;
  }

  private tag(field: number, wire: number): void {
    this.varint((field << 3) | wire);
  }

  int(field: number, value: number | bigint): this {
    this.tag(field, WIRE_VARINT);
    return this.varint(value);
  }

  float(field: number, value: number): this {
    this.tag(field, WIRE_FIXED32);
    this.ensure(4);
    new DataView(this.bytes.buffer).setFloat32(this.length, value, true);
    this.length += 4;
    return this;
  }

  bytesField(field: number, value: Uint8Array): this {
    this.tag(field, WIRE_BYTES);
    this.varint(value.length);
    this.ensure(value.length);
    this.bytes.set(value, this.length);
    this.length += value.length;
    return this;
  }

  string(field: number, value: string): this {
    return this.bytesField(field, utf8.encode(value));
  }

  message(field: number, write: (w: ProtoWriter) => void): this {
    const inner = new ProtoWriter();
    write(inner);
    return this.bytesField(field, inner.finish());
  }

  /** Packed repeated int64 (proto3-style packing; proto2 parsers accept it for repeated scalars). */
  packedInts(field: number, values: readonly number[]): this {
    const inner = new ProtoWriter();
    for (const v of values) inner.varint(v);
    return this.bytesField(field, inner.finish());
  }

  packedFloats(field: number, values: readonly number[]): this {
    const data = new Uint8Array(values.length * 4);
    const view = new DataView(data.buffer);
    values.forEach((v, k) => view.setFloat32(k * 4, v, true));
    return this.bytesField(field, data);
  }

  finish(): Uint8Array {
    return this.bytes.slice(0, this.length);
  }
}

function writeTensor(w: ProtoWriter, t: TensorProtoData): void {
  if (t.dims.length > 0) w.packedInts(1, t.dims); // dims
  w.int(2, t.dataType); // data_type
  w.string(8, t.name); // name
  if (t.raw) w.bytesField(9, t.raw); // raw_data
  if (t.external) {
    const entries: [string, string][] = [['location', t.external.location]];
    if (t.external.offset !== undefined) entries.push(['offset', String(t.external.offset)]);
    if (t.external.length !== undefined) entries.push(['length', String(t.external.length)]);
    for (const [key, value] of entries) w.message(13, (e) => e.string(1, key).string(2, value)); // external_data
    w.int(14, 1); // data_location = EXTERNAL
  }
}

function writeAttribute(w: ProtoWriter, name: string, value: AttributeValue): void {
  w.string(1, name);
  if ('i' in value) w.int(3, value.i).int(20, AttributeType.INT);
  else if ('f' in value) w.float(2, value.f).int(20, AttributeType.FLOAT);
  else if ('s' in value) w.string(4, value.s).int(20, AttributeType.STRING);
  else if ('ints' in value) w.packedInts(8, value.ints).int(20, AttributeType.INTS);
  else if ('floats' in value) w.packedFloats(7, value.floats).int(20, AttributeType.FLOATS);
  else if ('strings' in value) {
    for (const s of value.strings) w.string(9, s);
    w.int(20, AttributeType.STRINGS);
  } else w.message(5, (t) => writeTensor(t, value.t)).int(20, AttributeType.TENSOR);
}

function writeNode(w: ProtoWriter, n: NodeProtoData): void {
  for (const input of n.inputs) w.string(1, input);
  for (const output of n.outputs) w.string(2, output);
  if (n.name !== undefined) w.string(3, n.name);
  w.string(4, n.opType);
  for (const [name, value] of Object.entries(n.attributes ?? {})) w.message(5, (a) => writeAttribute(a, name, value));
  if (n.domain !== undefined && n.domain !== '') w.string(7, n.domain);
}

function writeValueInfo(w: ProtoWriter, v: ValueInfoData): void {
  w.string(1, v.name);
  // TypeProto.tensor_type (1) -> elem_type (1), shape (2) -> dim (1) -> dim_value (1) | dim_param (2)
  w.message(2, (type) =>
    type.message(1, (tensor) => {
      tensor.int(1, v.dataType);
      if (v.shape) {
        const dims = v.shape;
        tensor.message(2, (shape) => {
          for (const d of dims) shape.message(1, (dim) => (typeof d === 'number' ? dim.int(1, d) : dim.string(2, d)));
        });
      }
    }),
  );
}

function writeGraph(w: ProtoWriter, g: GraphProtoData): void {
  for (const n of g.nodes) w.message(1, (m) => writeNode(m, n));
  w.string(2, g.name);
  for (const t of g.initializers) w.message(5, (m) => writeTensor(m, t));
  for (const v of g.inputs) w.message(11, (m) => writeValueInfo(m, v));
  for (const v of g.outputs) w.message(12, (m) => writeValueInfo(m, v));
}

/** The ModelProto bytes onnxruntime's `InferenceSession.create` takes. */
export function encodeModel(model: ModelProtoData): Uint8Array {
  const w = new ProtoWriter();
  w.int(1, model.irVersion);
  w.string(2, model.producerName);
  if (model.producerVersion !== undefined) w.string(3, model.producerVersion);
  w.message(7, (g) => writeGraph(g, model.graph));
  for (const opset of model.opsets) w.message(8, (o) => o.string(1, opset.domain).int(2, opset.version));
  for (const [key, value] of Object.entries(model.metadata ?? {}))
    w.message(14, (e) => e.string(1, key).string(2, value));
  return w.finish();
}
