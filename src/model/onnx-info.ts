/**
 * What a loader needs to know about an ONNX file before onnxruntime sees it, read from the
 * ModelProto bytes with a minimal protobuf reader (no dependency, nothing copied):
 *   - the graph's inputs and outputs with their element types and shapes, so the logits output of a
 *     graph exported by someone else (fastembed / Qdrant repos name it `output`, `last_hidden_state`…)
 *     is found by its shape, and an already pooled output is refused before a session is made;
 *   - the external data files its initializers name (`location`), which onnxruntime-web cannot fetch
 *     itself: they are read from the repository and handed over as the `externalData` session option.
 * Field numbers are those of onnx.proto (onnx 1.12+); unknown fields are skipped.
 */
import { SpladeError } from '../errors.ts';

/** TensorProto.DataType values this project meets. */
export const ONNX_ELEM = { float: 1, int32: 6, int64: 7, float16: 10, double: 11, bfloat16: 16 } as const;

export interface OnnxValueInfo {
  name: string;
  /** TensorProto.DataType (1 float, 7 int64, 10 float16…); 0 when the value is not a tensor. */
  elemType: number;
  /** One entry per axis: a size, a symbolic name ('batch'), or undefined (unknown); undefined when the rank is unknown. */
  dims: (number | string | undefined)[] | undefined;
}

export interface OnnxInfo {
  inputs: OnnxValueInfo[];
  outputs: OnnxValueInfo[];
  /** Distinct `location`s of tensors stored as external data, in the order first met. */
  externalData: string[];
}

const WIRE_VARINT = 0;
const WIRE_I64 = 1;
const WIRE_LEN = 2;
const WIRE_I32 = 5;

/** A field of a protobuf message: its number, and either its varint value or its bytes' span. */
interface Field {
  number: number;
  wire: number;
  value: number;
  start: number;
  end: number;
}

class ProtoReader {
  constructor(
    private readonly bytes: Uint8Array,
    private readonly file: string,
  ) {}

  /** Calls `visit` for every field of the message in bytes [start, end). */
  fields(start: number, end: number, visit: (field: Field) => void): void {
    let at = start;
    while (at < end) {
      const [key, afterKey] = this.varint(at, end);
      const number = Math.floor(key / 8);
      const wire = key % 8;
      at = afterKey;
      if (wire === WIRE_VARINT) {
        const [value, next] = this.varint(at, end);
        visit({ number, wire, value, start: at, end: next });
        at = next;
      } else if (wire === WIRE_LEN) {
        const [length, next] = this.varint(at, end);
        if (next + length > end) this.fail(`a field of ${length} bytes at byte ${next} runs past its message`);
        visit({ number, wire, value: length, start: next, end: next + length });
        at = next + length;
      } else if (wire === WIRE_I64 || wire === WIRE_I32) {
        at += wire === WIRE_I64 ? 8 : 4;
        if (at > end) this.fail(`a fixed-size field runs past its message at byte ${at}`);
      } else {
        this.fail(`unexpected protobuf wire type ${wire} at byte ${afterKey}`);
      }
    }
  }

  string(field: Field): string {
    return new TextDecoder().decode(this.bytes.subarray(field.start, field.end));
  }

  /** A varint as a number (exact up to 2^53, enough for every size and enum here). */
  private varint(at: number, end: number): [number, number] {
    let value = 0;
    let scale = 1;
    for (let k = 0; k < 10; k++) {
      if (at >= end) this.fail(`a varint runs past its message at byte ${at}`);
      const byte = this.bytes[at++]!;
      value += (byte & 0x7f) * scale;
      if (byte < 0x80) return [value, at];
      scale *= 128;
    }
    this.fail(`a varint longer than 10 bytes at byte ${at}`);
  }

  fail(what: string): never {
    throw new SpladeError('model-file-invalid', `${this.file} is not a valid ONNX model: ${what}`, {
      file: this.file,
    });
  }
}

/** Reads the inputs, outputs and external data locations of ONNX model `bytes` (named `file` in errors). */
export function readOnnxInfo(bytes: Uint8Array, file: string): OnnxInfo {
  const reader = new ProtoReader(bytes, file);
  const info: OnnxInfo = { inputs: [], outputs: [], externalData: [] };
  let graphs = 0;
  // ModelProto: 7 graph.
  reader.fields(0, bytes.length, (f) => {
    if (f.number === 7 && f.wire === WIRE_LEN) {
      graphs++;
      readGraph(reader, f, info, true);
    }
  });
  if (graphs === 0) reader.fail('it has no graph');
  return info;
}

function readGraph(reader: ProtoReader, graph: Field, info: OnnxInfo, main: boolean): void {
  // GraphProto: 1 node, 5 initializer, 11 input, 12 output, 15 sparse_initializer.
  const initializers = new Set<string>();
  const inputs: OnnxValueInfo[] = [];
  reader.fields(graph.start, graph.end, (f) => {
    if (f.wire !== WIRE_LEN) return;
    if (f.number === 1) readNode(reader, f, info);
    else if (f.number === 5) initializers.add(readTensor(reader, f, info));
    else if (f.number === 15) {
      // SparseTensorProto: 1 values, 2 indices (both TensorProto).
      reader.fields(f.start, f.end, (s) => {
        if ((s.number === 1 || s.number === 2) && s.wire === WIRE_LEN) readTensor(reader, s, info);
      });
    } else if (main && f.number === 11) inputs.push(readValueInfo(reader, f));
    else if (main && f.number === 12) info.outputs.push(readValueInfo(reader, f));
  });
  // Exporters before IR version 4 list initializers among the inputs too: those are not fed.
  if (main) info.inputs = inputs.filter((input) => !initializers.has(input.name));
}

function readNode(reader: ProtoReader, node: Field, info: OnnxInfo): void {
  // NodeProto: 5 attribute -> AttributeProto: 5 t, 6 g, 10 tensors, 11 graphs.
  reader.fields(node.start, node.end, (f) => {
    if (f.number !== 5 || f.wire !== WIRE_LEN) return;
    reader.fields(f.start, f.end, (a) => {
      if (a.wire !== WIRE_LEN) return;
      if (a.number === 5 || a.number === 10) readTensor(reader, a, info);
      else if (a.number === 6 || a.number === 11) readGraph(reader, a, info, false);
    });
  });
}

/** Records the tensor's external data location, if it has one; returns its name. */
function readTensor(reader: ProtoReader, tensor: Field, info: OnnxInfo): string {
  // TensorProto: 8 name, 13 external_data (StringStringEntryProto: 1 key, 2 value), 14 data_location (1 = EXTERNAL).
  let name = '';
  let location: string | undefined;
  let external = false;
  reader.fields(tensor.start, tensor.end, (f) => {
    if (f.number === 8 && f.wire === WIRE_LEN) name = reader.string(f);
    else if (f.number === 14 && f.wire === WIRE_VARINT) external = f.value === 1;
    else if (f.number === 13 && f.wire === WIRE_LEN) {
      let key = '';
      let value = '';
      reader.fields(f.start, f.end, (e) => {
        if (e.wire !== WIRE_LEN) return;
        if (e.number === 1) key = reader.string(e);
        else if (e.number === 2) value = reader.string(e);
      });
      if (key === 'location') location = value;
    }
  });
  if (external) {
    if (location === undefined) reader.fail(`tensor "${name}" is stored as external data but names no location`);
    if (!info.externalData.includes(location)) info.externalData.push(location);
  }
  return name;
}

function readValueInfo(reader: ProtoReader, value: Field): OnnxValueInfo {
  // ValueInfoProto: 1 name, 2 type -> TypeProto: 1 tensor_type -> 1 elem_type, 2 shape -> 1 dim -> 1 dim_value, 2 dim_param.
  const info: OnnxValueInfo = { name: '', elemType: 0, dims: undefined };
  reader.fields(value.start, value.end, (f) => {
    if (f.number === 1 && f.wire === WIRE_LEN) info.name = reader.string(f);
    if (f.number !== 2 || f.wire !== WIRE_LEN) return;
    reader.fields(f.start, f.end, (t) => {
      if (t.number !== 1 || t.wire !== WIRE_LEN) return;
      reader.fields(t.start, t.end, (tensor) => {
        if (tensor.number === 1 && tensor.wire === WIRE_VARINT) info.elemType = tensor.value;
        if (tensor.number !== 2 || tensor.wire !== WIRE_LEN) return;
        const dims: (number | string | undefined)[] = [];
        reader.fields(tensor.start, tensor.end, (d) => {
          if (d.number !== 1 || d.wire !== WIRE_LEN) return;
          let dim: number | string | undefined;
          reader.fields(d.start, d.end, (x) => {
            if (x.number === 1 && x.wire === WIRE_VARINT) dim = x.value;
            else if (x.number === 2 && x.wire === WIRE_LEN) dim = reader.string(x);
          });
          dims.push(dim);
        });
        info.dims = dims;
      });
    });
  });
  return info;
}

/** `[batch, tokens, 30522]`, for messages. */
export function describeShape(value: OnnxValueInfo): string {
  if (!value.dims) return 'unknown shape';
  return `[${value.dims.map((d) => (d === undefined ? '?' : String(d))).join(', ')}]`;
}
