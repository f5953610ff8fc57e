/**
 * The decoder of a graph built with the 'hidden' tail (tail.ts): W [vocab, hidden] and b [vocab],
 * kept beside the graph as one more external data file (`HEAD_FILE`, a safetensors file) instead of
 * inside it, so the build cache stores and checks it with the graph's other files and the runtime
 * finds it among them.
 *
 * `weight` is F32, or F16 where the graph is float16 (fp16, q4f16), as the graph itself would have
 * held it; `bias` F32 (absent when the decoder has none); `__metadata__` names the format and sizes.
 * layers.ts `vocabularyHead` declares the file on the 'hidden' tail; head-graph.ts runs it on a CPU.
 */
import { SpladeError } from '../../errors.ts';
import { HEAD_FILE } from './tail.ts';
import { parseSafetensorsHeader } from './weights.ts';

const FORMAT = 'splade-web-head';

/** A decoder as the fused head takes it (src/pooling/fused-head.ts FusedHeadWeights). */
export interface HeadWeights {
  /** [vocab, hidden] row-major: float32, or IEEE float16 bits. */
  weight: Float32Array | Uint16Array;
  bias?: Float32Array | undefined;
  vocab: number;
  hidden: number;
  /**
   * The encoder's attention heads and MLP width, when the builder gave them: what bounds a batch on
   * the GPU once the logits are gone (src/encode/plan.ts `largestBatchBuffer`).
   */
  heads?: number | undefined;
  intermediate?: number | undefined;
}

/** The head file's bytes: a safetensors file of `weight` (and `bias`). */
export function encodeHeadFile(head: HeadWeights): Uint8Array {
  const { weight, bias, vocab, hidden } = head;
  const weightBytes = weight.byteLength;
  const metadata: Record<string, string> = { format: FORMAT, vocab: String(vocab), hidden: String(hidden) };
  if (head.heads !== undefined) metadata['heads'] = String(head.heads);
  if (head.intermediate !== undefined) metadata['intermediate'] = String(head.intermediate);
  const header: Record<string, unknown> = {
    __metadata__: metadata,
    weight: {
      dtype: weight instanceof Uint16Array ? 'F16' : 'F32',
      shape: [vocab, hidden],
      data_offsets: [0, weightBytes],
    },
  };
  // The bias first would leave W at an offset of vocab x 4: still 4-aligned, but W first keeps it simple.
  if (bias)
    header['bias'] = { dtype: 'F32', shape: [vocab], data_offsets: [weightBytes, weightBytes + bias.byteLength] };
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - ((8 + json.length) % 8)) % 8); // data starts 8-aligned, so views need no copy
  const text = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + text.byteLength + weightBytes + (bias?.byteLength ?? 0));
  new DataView(out.buffer).setBigUint64(0, BigInt(text.byteLength), true);
  out.set(text, 8);
  const dataStart = 8 + text.byteLength;
  out.set(new Uint8Array(weight.buffer, weight.byteOffset, weightBytes), dataStart);
  if (bias) out.set(new Uint8Array(bias.buffer, bias.byteOffset, bias.byteLength), dataStart + weightBytes);
  return out;
}

/** The decoder in a head file (views of `bytes` where they are aligned, else copies). */
export function decodeHeadFile(bytes: Uint8Array, file = HEAD_FILE): HeadWeights {
  const entries = parseSafetensorsHeader(bytes, file);
  const weight = entries.get('weight');
  const bias = entries.get('bias');
  const bad = (what: string): never => {
    throw new SpladeError('model-file-invalid', `${file} is not a splade-web decoder file: ${what}`, { file });
  };
  if (!weight || weight.shape.length !== 2 || !['F32', 'F16'].includes(weight.dtype))
    return bad('it needs a tensor "weight" [vocab, hidden] of F32 or F16');
  const [vocab, hidden] = weight.shape as [number, number];
  if (bias && (bias.dtype !== 'F32' || bias.shape.length !== 1 || bias.shape[0] !== vocab))
    return bad(`its "bias" must be F32 [${vocab}]`);
  const slice = (begin: number, end: number, unit: number) => {
    const at = bytes.byteOffset + begin;
    const part = at % unit === 0 ? bytes.subarray(begin, end) : bytes.slice(begin, end);
    return { buffer: part.buffer, offset: part.byteOffset, length: (end - begin) / unit };
  };
  const w =
    weight.dtype === 'F32'
      ? (({ buffer, offset, length }) => new Float32Array(buffer, offset, length))(slice(weight.begin, weight.end, 4))
      : (({ buffer, offset, length }) => new Uint16Array(buffer, offset, length))(slice(weight.begin, weight.end, 2));
  const b = bias
    ? (({ buffer, offset, length }) => new Float32Array(buffer, offset, length))(slice(bias.begin, bias.end, 4))
    : undefined;
  // Sizes from the metadata (safetensors keeps strings there); parseSafetensorsHeader checked the rest.
  const metadata = (() => {
    const length = Number(new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true));
    const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + length))) as {
      __metadata__?: Record<string, unknown>;
    };
    return header.__metadata__ ?? {};
  })();
  const size = (key: string) => {
    const n = Number(metadata[key]);
    return Number.isInteger(n) && n > 0 ? n : undefined;
  };
  return { weight: w, bias: b, vocab, hidden, heads: size('heads'), intermediate: size('intermediate') };
}
