/**
 * The architectures the graph builder knows, by config.json's `architectures[0]`.
 *
 * An ArchitectureBuilder adds to the GraphBuilder every node from the graph inputs to the outputs,
 * with the same contract as the ONNX exports the encoder already runs:
 *   inputs  `input_ids` int64 [batch, tokens], `attention_mask` int64 [batch, tokens], and
 *           `token_type_ids` int64 [batch, tokens] only when the model has token types;
 *   output  `logits` float32 [batch, tokens, vocab], or SPLADE pooling over them when the graph is
 *           built with another tail (tail.ts: the CPU backends pool inside the graph).
 * Use `modelInputs` / `vocabularyHead` (layers.ts) for them: the head's decoder goes through
 * `vocabularyHead`, which declares the outputs of the builder's tail. It reads config keys through
 * `ModelConfig` (a missing key names itself) and weights through `graph.weight(hfName, shape)`
 * (checked at once, read in `graph.build()`); it runs synchronously and reads no weight data.
 *
 * To add an architecture: write `architectures/<name>.ts` exporting an ArchitectureBuilder and add
 * one line to ARCHITECTURES below. Architecture files import only types from this module.
 */
import { SpladeError } from '../../errors.ts';
import type { ModelDtype } from '../dtype.ts';
import { GraphBuilder, type BuiltGraph, type WeightSource } from './builder.ts';
import { ModelConfig } from './config.ts';
import type { GraphTail } from './tail.ts';
import { buildBertForMaskedLM, buildDistilBertForMaskedLM, buildRobertaForMaskedLM } from './architectures/bert.ts';
import { buildModernBertForMaskedLM } from './architectures/modernbert.ts';
import { buildNewForMaskedLM } from './architectures/gte.ts';

export interface ArchitectureInput {
  /** config.json of the transformer. */
  config: ModelConfig;
  /** Its weights (also reachable as `graph.weights`), for checking optional tensors. */
  weights: WeightSource;
  graph: GraphBuilder;
}

export type ArchitectureBuilder = (input: ArchitectureInput) => void;

export const ARCHITECTURES: Readonly<Record<string, ArchitectureBuilder>> = {
  ModernBertForMaskedLM: buildModernBertForMaskedLM,
  NewForMaskedLM: buildNewForMaskedLM,
  BertForMaskedLM: buildBertForMaskedLM,
  DistilBertForMaskedLM: buildDistilBertForMaskedLM,
  RobertaForMaskedLM: buildRobertaForMaskedLM,
  XLMRobertaForMaskedLM: buildRobertaForMaskedLM,
};

/** config.json's `architectures[0]`, or a `model-unsupported` error when no builder knows it. */
export function architectureOf(config: ModelConfig): { name: string; build: ArchitectureBuilder } {
  const list = config.get('architectures');
  const name = Array.isArray(list) && typeof list[0] === 'string' ? list[0] : undefined;
  const build = name === undefined ? undefined : ARCHITECTURES[name];
  if (name === undefined || !build) {
    const what = name === undefined ? 'names no "architectures"' : `names architecture "${name}"`;
    throw new SpladeError(
      'model-unsupported',
      `${config.file} ${what}, which splade-web cannot build; supported: ${Object.keys(ARCHITECTURES).join(', ')}`,
      { file: config.file },
    );
  }
  return { name, build };
}

export interface ModelGraph extends BuiltGraph {
  architecture: string;
  /** What the graph was built at (see dtypes.ts). */
  dtype: ModelDtype;
  /** What the graph ends in (tail.ts). */
  tail: GraphTail;
  /** Whether the graph takes `token_type_ids`. */
  tokenTypes: boolean;
}

/**
 * Builds the ONNX graph of config.json's architecture at `dtype` (default fp32), ending in `tail`
 * (default 'logits'; tail.ts), and reads its weights.
 */
export async function buildModelGraph(
  config: ModelConfig,
  weights: WeightSource,
  options: { signal?: AbortSignal; dtype?: ModelDtype; tail?: GraphTail } = {},
): Promise<ModelGraph> {
  const { name, build } = architectureOf(config);
  const dtype = options.dtype ?? 'fp32';
  const tail = options.tail ?? 'logits';
  const graph = new GraphBuilder(weights, { dtype, tail });
  build({ config, weights, graph });
  const built = await graph.build({
    ...(options.signal ? { signal: options.signal } : {}),
    metadata: { architecture: name, dtype, tail },
  });
  return { ...built, architecture: name, dtype, tail, tokenTypes: graph.inputNames().includes('token_type_ids') };
}
