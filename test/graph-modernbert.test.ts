// ModernBertForMaskedLM built by the graph builder (src/model/graph/architectures/modernbert.ts) and run by
// onnxruntime-node, against the PyTorch reference of scripts/hub_fixtures/modernbert.py:
// - the telepix/PIXIE-Splade-Preview fixture (older config form, F16 weights read by SafetensorsWeights,
//   decoder tied to the embeddings, local_attention 8): SPLADE vectors of Korean texts longer than the
//   window, alone and in a padded batch;
// - test/fixtures/modernbert-variant (newer form: layer_types + rope_parameters, odd local_attention,
//   every optional bias, other activations, untied decoder): raw logits;
// - the config reading of both forms and its errors.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { isSpladeError } from '../src/errors.ts';
import { buildModelGraph } from '../src/model/graph/architectures.ts';
import { modernBertAttentionPlan, modernBertInverseFrequencies } from '../src/model/graph/architectures/modernbert.ts';
import { rotaryTables } from '../src/model/graph/rotary.ts';
import { ModelConfig } from '../src/model/graph/config.ts';
import { SafetensorsWeights } from '../src/model/graph/weights.ts';

const FIXTURES = join(import.meta.dirname, 'fixtures');
const PIXIE = join(FIXTURES, 'hub', 'telepix', 'PIXIE-Splade-Preview');
const VARIANT = join(FIXTURES, 'modernbert-variant');

const readJson = (path: string) => JSON.parse(readFileSync(path, 'utf8'));

/** The loader's weights (F16 converted per tensor) over the fixture's model.safetensors. */
function fileWeights(folder: string): SafetensorsWeights {
  const file = 'model.safetensors';
  return SafetensorsWeights.fromFiles(folder, new Map([[file, new Uint8Array(readFileSync(join(folder, file)))]]));
}

async function session(config: Record<string, unknown>, folder: string): Promise<ort.InferenceSession> {
  const built = await buildModelGraph(ModelConfig.from(config), fileWeights(folder));
  expect(built.tokenTypes).toBe(false);
  return ort.InferenceSession.create(built.model, { externalData: built.externalData });
}

/** Right-padded int64 batch, as the tokenizer pads. */
function batch(rows: number[][]): { ids: ort.Tensor; mask: ort.Tensor; tokens: number; masks: number[][] } {
  const tokens = Math.max(...rows.map((r) => r.length));
  const masks = rows.map((r) => Array.from({ length: tokens }, (_, t) => (t < r.length ? 1 : 0)));
  const padded = rows.map((r) => Array.from({ length: tokens }, (_, t) => r[t] ?? 0));
  const tensor = (values: number[][]) =>
    new ort.Tensor('int64', BigInt64Array.from(values.flat(), BigInt), [rows.length, tokens]);
  return { ids: tensor(padded), mask: tensor(masks), tokens, masks };
}

async function logits(s: ort.InferenceSession, rows: number[][]) {
  const b = batch(rows);
  const out = (await s.run({ input_ids: b.ids, attention_mask: b.mask }))['logits']!;
  return { data: out.data as Float32Array, dims: out.dims, tokens: b.tokens, masks: b.masks };
}

/** SpladePooling(max, relu): max over real tokens of log1p(relu(logit)), per vocabulary entry. */
function pool(
  out: { data: Float32Array; tokens: number; masks: number[][] },
  row: number,
  vocab: number,
): Float64Array {
  const pooled = new Float64Array(vocab);
  for (let t = 0; t < out.tokens; t++) {
    if (!out.masks[row]![t]) continue;
    const base = (row * out.tokens + t) * vocab;
    for (let v = 0; v < vocab; v++) {
      const value = Math.log1p(Math.max(out.data[base + v]!, 0));
      if (!Number.isFinite(value)) throw new Error(`non-finite logit at row ${row} token ${t} entry ${v}`);
      if (value > pooled[v]!) pooled[v] = value;
    }
  }
  return pooled;
}

function maxDiff(pooled: Float64Array, ref: { indices: number[]; values: number[] }): number {
  const expected = new Float64Array(pooled.length);
  ref.indices.forEach((id, n) => (expected[id] = ref.values[n]!));
  let worst = 0;
  for (let v = 0; v < pooled.length; v++) worst = Math.max(worst, Math.abs(pooled[v]! - expected[v]!));
  return worst;
}

describe('ModernBertForMaskedLM graph', () => {
  it('gives the PIXIE reference vectors, texts alone and in a padded batch, longer than the window', async () => {
    const config = readJson(join(PIXIE, 'config.json'));
    const reference = readJson(join(FIXTURES, 'hub', 'references', 'telepix__PIXIE-Splade-Preview.json'));
    const ids: number[][] = reference.ids;
    expect(ids.filter((r) => r.length > config.local_attention + 1).length).toBeGreaterThanOrEqual(3);
    const s = await session(config, PIXIE);
    const vocab = config.vocab_size as number;
    let worst = 0;
    for (const [k, row] of ids.entries()) {
      const out = await logits(s, [row]);
      expect(out.dims).toEqual([1, row.length, vocab]);
      worst = Math.max(worst, maxDiff(pool(out, 0, vocab), reference.vectors[k]));
    }
    const rows: number[] = reference.batch;
    const together = await logits(
      s,
      rows.map((k) => ids[k]!),
    );
    rows.forEach((k, row) => (worst = Math.max(worst, maxDiff(pool(together, row, vocab), reference.vectors[k]))));
    // Padded query rows of sliding layers see no real key past the window: they must stay finite (uniform
    // attention), or NaN would reach any pooling that multiplies by the mask (NaN * 0 = NaN).
    expect(together.data.every(Number.isFinite)).toBe(true);
    expect(Math.min(...rows.map((k) => ids[k]!.length))).toBeLessThan(together.tokens - config.local_attention);
    console.log(`PIXIE fixture: max |graph - reference| over all vocabulary entries ${worst.toExponential(2)}`);
    expect(worst).toBeLessThan(1e-4);
    await s.release();
  });

  it('reads the newer config form (layer_types, rope_parameters) as the older one', async () => {
    const old = readJson(join(PIXIE, 'config.json'));
    const newer = { ...old };
    for (const key of ['global_attn_every_n_layers', 'global_rope_theta', 'local_rope_theta']) delete newer[key];
    newer.layer_types = ['full_attention', 'sliding_attention', 'sliding_attention', 'full_attention'];
    newer.rope_parameters = {
      full_attention: { rope_type: 'default', rope_theta: old.global_rope_theta },
      sliding_attention: { rope_type: 'default', rope_theta: old.local_rope_theta },
    };
    const ids = readJson(join(FIXTURES, 'hub', 'references', 'telepix__PIXIE-Splade-Preview.json')).ids.slice(0, 2);
    const [a, b] = [await session(old, PIXIE), await session(newer, PIXIE)];
    const [x, y] = [(await logits(a, ids)).data, (await logits(b, ids)).data];
    expect(y.length).toBe(x.length);
    let differing = 0;
    for (let k = 0; k < x.length; k++) if (x[k] !== y[k]) differing++;
    expect(differing).toBe(0);
    await Promise.all([a.release(), b.release()]);
  });

  it('gives the reference logits of the newer-form variant (pattern, odd window, biases, untied decoder)', async () => {
    const config = readJson(join(VARIANT, 'config.json'));
    const reference = readJson(join(VARIANT, 'reference.json'));
    const rows = (reference.ids as number[][]).map((r, k) => r.filter((_, t) => reference.attentionMask[k][t]));
    const s = await session(config, VARIANT);
    const out = await logits(s, rows);
    expect(out.dims).toEqual(reference.dims);
    let worst = 0;
    out.masks.forEach((m, row) =>
      m.forEach((real, t) => {
        if (!real) return;
        for (let v = 0; v < config.vocab_size; v++) {
          const k = (row * out.tokens + t) * config.vocab_size + v;
          worst = Math.max(worst, Math.abs(out.data[k]! - reference.logits[k]));
        }
      }),
    );
    console.log(`variant: max |graph - reference| logits ${worst.toExponential(2)}`);
    expect(worst).toBeLessThan(1e-4);
    await s.release();
  });

  it('plans layer types, rope thetas and the window from either config form', () => {
    const plan = (json: Record<string, unknown>) =>
      modernBertAttentionPlan(ModelConfig.from({ num_hidden_layers: 4, ...json }));
    expect(plan({})).toEqual({
      layerTypes: ['full_attention', 'sliding_attention', 'sliding_attention', 'full_attention'],
      ropeTheta: { full_attention: 160000, sliding_attention: 10000 },
      halfWindow: 64,
    });
    expect(
      plan({ global_attn_every_n_layers: 2, local_attention: 9, global_rope_theta: 5, local_rope_theta: null }),
    ).toEqual({
      layerTypes: ['full_attention', 'sliding_attention', 'full_attention', 'sliding_attention'],
      ropeTheta: { full_attention: 5, sliding_attention: 5 },
      halfWindow: 4,
    });
    const types = ['sliding_attention', 'full_attention', 'full_attention', 'sliding_attention'];
    expect(
      plan({
        layer_types: types,
        global_attn_every_n_layers: 3,
        rope_parameters: { sliding_attention: { rope_theta: 7 } },
      }),
    ).toEqual({ layerTypes: types, ropeTheta: { full_attention: 160000, sliding_attention: 7 }, halfWindow: 64 });
    expect(plan({ rope_parameters: { rope_type: 'default', rope_theta: 3 } }).ropeTheta).toEqual({
      full_attention: 3,
      sliding_attention: 3,
    });
  });

  it('names the key when a config cannot be built', () => {
    const error = (json: Record<string, unknown>) => {
      try {
        modernBertAttentionPlan(ModelConfig.from({ num_hidden_layers: 2, ...json }));
      } catch (e) {
        return e as Error;
      }
      throw new Error('no error');
    };
    const short = error({ layer_types: ['full_attention'] });
    expect(isSpladeError(short) && short.code).toBe('model-file-invalid');
    expect(short.message).toContain(
      '"layer_types" must list "full_attention" or "sliding_attention" for each of the 2',
    );
    const yarn = error({ rope_parameters: { full_attention: { rope_type: 'yarn', factor: 4 } } });
    expect(isSpladeError(yarn) && yarn.code).toBe('model-unsupported');
    expect(yarn.message).toContain('rope_parameters.full_attention.rope_type "yarn" is not supported');
    expect(error({ rope_scaling: { type: 'linear', factor: 2 } }).message).toContain('"rope_scaling"');
  });

  it('computes rotary tables as torch does in float32 (within one float32 step)', () => {
    // torch 1.13: inv_freq = 1 / 160000 ** (arange(0, 8, 2).float() / 8);
    // angles = arange(3).float()[:, None] * inv_freq; angles.cos()[1] and angles.sin()[2]. torch's float32 cos
    // may round the other way than a correctly rounded one (cos(1) lies almost halfway between two floats),
    // hence the tolerance.
    const { cos, sin } = rotaryTables(modernBertInverseFrequencies(160000, 8), 3);
    const torchCos = [0.5403023362159729, 0.9987502694129944, 0.9999969005584717, 1];
    const torchSin = [0.9092974066734314, 0.0998334214091301, 0.004999978933483362, 0.0002500000118743628];
    torchCos.forEach((want, i) => expect(Math.abs(cos[4 + i]! - want)).toBeLessThanOrEqual(6e-8));
    torchSin.forEach((want, i) => expect(Math.abs(sin[8 + i]! - want)).toBeLessThanOrEqual(6e-8));
  });
});
