// NewForMaskedLM (GTE "new", src/model/graph/architectures/gte.ts) built from config.json and
// model.safetensors and run by onnxruntime-node, against the PyTorch reference of
// scripts/hub_fixtures/gte.py: the doc-v3-gte fixture's SPLADE vectors (NTK rope scaling, no token
// types, a text of 116 tokens, a padded batch) and the raw logits of config variants the released
// models do not use (RMSNorm, token types, mixed NTK, separate q/k/v, log-n scaling, absolute
// positions, configuration.py's defaults), each within 1e-4; config values it cannot build are refused.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { isSpladeError } from '../src/errors.ts';
import { buildModelGraph } from '../src/model/graph/architectures.ts';
import { ModelConfig } from '../src/model/graph/config.ts';
import { SafetensorsWeights } from '../src/model/graph/weights.ts';

const HUB = join(import.meta.dirname, 'fixtures', 'hub');
const GTE_ID = 'opensearch-project/opensearch-neural-sparse-encoding-doc-v3-gte';
const VARIANTS = join(import.meta.dirname, 'fixtures', 'graph', 'gte-variants');

function readConfig(folder: string): Record<string, unknown> {
  return JSON.parse(readFileSync(join(folder, 'config.json'), 'utf8'));
}

/** The graph through the registry (config.json's architectures[0]) with the loader's weights. */
async function session(folder: string, json = readConfig(folder)): Promise<ort.InferenceSession> {
  const file = 'model.safetensors';
  const weights = SafetensorsWeights.fromFiles(
    folder,
    new Map([[file, new Uint8Array(readFileSync(join(folder, file)))]]),
  );
  const built = await buildModelGraph(ModelConfig.from(json), weights);
  expect(built.architecture).toBe('NewForMaskedLM');
  expect(built.tokenTypes).toBe(((json['type_vocab_size'] as number | undefined) ?? 1) > 0);
  return ort.InferenceSession.create(built.model, { externalData: built.externalData });
}

/** Right-padded int64 feeds, as the tokenizer pads a batch. */
function feeds(rows: number[][]): Record<string, ort.Tensor> {
  const t = Math.max(...rows.map((r) => r.length));
  const ids = new BigInt64Array(rows.length * t);
  const mask = new BigInt64Array(rows.length * t);
  rows.forEach((r, b) =>
    r.forEach((id, j) => {
      ids[b * t + j] = BigInt(id);
      mask[b * t + j] = 1n;
    }),
  );
  return {
    input_ids: new ort.Tensor('int64', ids, [rows.length, t]),
    attention_mask: new ort.Tensor('int64', mask, [rows.length, t]),
  };
}

/** SpladePooling max + log1p_relu of row `b` over its first `length` tokens, dense over the vocabulary. */
function pool(logits: ort.Tensor, b: number, length: number): Float64Array {
  const [, t, vocab] = logits.dims as [number, number, number];
  const data = logits.data as Float32Array;
  const out = new Float64Array(vocab);
  for (let j = 0; j < length; j++)
    for (let k = 0; k < vocab; k++) {
      const v = Math.log1p(Math.log1p(Math.max(0, data[(b * t + j) * vocab + k]!)));
      if (v > out[k]!) out[k] = v;
    }
  return out;
}

function maxDiff(dense: Float64Array, ref: { indices: number[]; values: number[] }): number {
  const expected = new Float64Array(dense.length);
  ref.indices.forEach((id, n) => (expected[id] = ref.values[n]!));
  let worst = 0;
  for (let k = 0; k < dense.length; k++) worst = Math.max(worst, Math.abs(dense[k]! - expected[k]!));
  return worst;
}

describe('NewForMaskedLM graph', () => {
  it('equals the PyTorch reference on the doc-v3-gte fixture, alone and in a padded batch', async () => {
    const reference = JSON.parse(readFileSync(join(HUB, 'references', `${GTE_ID.replace('/', '__')}.json`), 'utf8'));
    const ids: number[][] = reference.ids;
    expect(Math.max(...ids.map((r) => r.length))).toBeGreaterThan(64);
    const s = await session(join(HUB, GTE_ID));
    expect(s.inputNames).toEqual(['input_ids', 'attention_mask']); // type_vocab_size 0: no token_type_ids
    let worst = 0;
    for (const [i, row] of ids.entries()) {
      const out = await s.run(feeds([row]));
      worst = Math.max(worst, maxDiff(pool(out['logits']!, 0, row.length), reference.vectors[i]));
    }
    const batch: number[] = reference.batch;
    const out = await s.run(feeds(batch.map((i) => ids[i]!)));
    expect(out['logits']!.dims).toEqual([batch.length, Math.max(...ids.map((r) => r.length)), 30522]);
    batch.forEach((i, b) => {
      worst = Math.max(worst, maxDiff(pool(out['logits']!, b, ids[i]!.length), reference.vectors[i]));
    });
    expect(worst).toBeLessThan(1e-4);
    await s.release();
  });

  for (const name of readdirSync(VARIANTS)) {
    it(`equals the PyTorch logits of the ${name} variant`, async () => {
      const expected = JSON.parse(readFileSync(join(VARIANTS, name, 'expected.json'), 'utf8'));
      const [b, t, vocab] = expected.dims as [number, number, number];
      const int64 = (rows: number[][]) => new ort.Tensor('int64', BigInt64Array.from(rows.flat(), BigInt), [b, t]);
      const input: Record<string, ort.Tensor> = {
        input_ids: int64(expected.input_ids),
        attention_mask: int64(expected.attention_mask),
      };
      if (expected.token_type_ids) input['token_type_ids'] = int64(expected.token_type_ids);
      const s = await session(join(VARIANTS, name));
      expect(s.inputNames).toEqual(Object.keys(input));
      const logits = (await s.run(input))['logits']!.data as Float32Array;
      let worst = 0;
      for (let row = 0; row < b; row++)
        for (let j = 0; j < t; j++) {
          if (expected.attention_mask[row][j] !== 1) continue; // padded positions are never pooled
          for (let k = 0; k < vocab; k++) {
            const at = (row * t + j) * vocab + k;
            worst = Math.max(worst, Math.abs(logits[at]! - expected.logits[at]));
          }
        }
      expect(worst).toBeLessThan(1e-4);
      await s.release();
    });
  }

  it('refuses config values it cannot build, naming the key and what is accepted', async () => {
    const folder = join(VARIANTS, 'logn-clip1');
    const refused = async (change: Record<string, unknown>) => {
      try {
        await session(folder, { ...readConfig(folder), ...change });
      } catch (e) {
        expect(isSpladeError(e) && e.code).toBe('model-unsupported');
        return (e as Error).message;
      }
      throw new Error('built');
    };
    expect(await refused({ rope_scaling: { type: 'linear', factor: 2 } })).toBe(
      'config.json: "rope_scaling.type" "linear" is not supported for NewForMaskedLM; accepted: "ntk"',
    );
    expect(await refused({ rope_scaling: { type: 'ntk', factor: 1 } })).toContain(
      '"rope_scaling.factor" 1 is not supported for NewForMaskedLM; accepted: a number greater than 1',
    );
    expect(await refused({ layer_norm_type: 'batch_norm' })).toContain('accepted: "layer_norm", "rms_norm"');
    expect(await refused({ position_embedding_type: 'alibi' })).toContain('accepted: "rope", "absolute"');
    expect(await refused({ hidden_act: 'mish' })).toContain('hidden_act "mish" is not supported');
  });
});
