/**
 * The decoder of a 'hidden' graph (tail.ts, head-file.ts) and a pooling tail as a graph of their
 * own, taking the hidden state: for a 'hidden' graph run where the fused head cannot pool it (WASM
 * after a lost GPU device, or a WebGPU session told to pool on the CPU). It ends in the same ops a
 * CPU backend's own graph ends in (layers.ts `vocabularyHead`, `poolingTail`), so only [batch, vocab]
 * reaches JavaScript there too.
 */
import type { WeightSource } from './builder.ts';
import { GraphBuilder } from './builder.ts';
import type { HeadWeights } from './head-file.ts';
import { vocabularyHead } from './layers.ts';
import { float16ToFloat32 } from './quantize.ts';
import { HEAD_FILE, type GraphTail } from './tail.ts';

/** Input names of `headGraph`. */
export const HEAD_GRAPH_INPUT = 'hidden';

/**
 * The decoder and the pooling `tail` ('max' or 'sum-…') as an ONNX graph: inputs `hidden` float32
 * [batch, tokens, hidden] and `attention_mask` int64 [batch, tokens]; outputs those of `tail`
 * (tail.ts), as a CPU backend's graph declares them. float32 throughout (an F16 W is widened).
 */
export async function headGraph(
  head: HeadWeights,
  tail: Exclude<GraphTail, 'logits' | 'hidden'>,
): Promise<{ model: Uint8Array; externalData: { path: string; data: Uint8Array }[] }> {
  const { vocab, hidden } = head;
  const tensors: Record<string, { shape: number[]; data: () => Float32Array }> = {
    weight: {
      shape: [vocab, hidden],
      data: () =>
        head.weight instanceof Float32Array ? head.weight : Float32Array.from(head.weight, (h) => float16ToFloat32(h)),
    },
  };
  if (head.bias) tensors['bias'] = { shape: [vocab], data: () => head.bias! };
  const source: WeightSource = {
    description: 'the decoder file',
    shape: (name) => tensors[name]?.shape,
    fileOf: () => HEAD_FILE,
    read: async (name) => tensors[name]!.data(),
  };
  const g = new GraphBuilder(source, { dtype: 'fp32', tail });
  const h = g.input(HEAD_GRAPH_INPUT, 'float32', ['batch', 'tokens', hidden]);
  const attentionMask = g.input('attention_mask', 'int64', ['batch', 'tokens']);
  const weight = g.weight('weight', [vocab, hidden]);
  const bias = head.bias ? g.weight('bias', [vocab]) : undefined;
  // The mask has the ids' shape: it stands in for them where the head reshapes the logits.
  vocabularyHead(
    g,
    h,
    { layout: 'vocab-hidden', weight, bias },
    { hidden, vocab },
    { inputIds: attentionMask, attentionMask },
  );
  const built = await g.build({ metadata: { producer: 'splade-web head graph', tail } });
  return { model: built.model, externalData: built.externalData };
}
