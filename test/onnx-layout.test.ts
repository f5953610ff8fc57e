/**
 * Repositories that ship ONNX (issue 18 §2, §3), on the fixtures of scripts/hub_fixtures/make_onnx_layouts.py:
 * the ONNX reader (inputs, outputs, external data locations), the file a dtype picks in the
 * transformers.js layout (and 'auto' per device), the logits output found by shape in the fastembed
 * layout, and every refusal: a pooled graph, a dtype the repo lacks (naming what it has), fp16 on a
 * WebGPU adapter without shader-f16, missing external data, bad options. Vectors themselves are checked
 * against PyTorch in test/hub-models.test.ts.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SparseEncoder } from '../src/node.ts';
import { SpladeError } from '../src/errors.ts';
import {
  autoDtypeOrder,
  dtypeOfFile,
  externalDataNames,
  parseDtype,
  transformersJsFile,
  type ModelDtype,
} from '../src/model/dtype.ts';
import { readOnnxInfo } from '../src/model/onnx-info.ts';
import { findOnnxModel, logitsOutput, type OnnxChoice } from '../src/model/onnx-layout.ts';
import type { ModelFiles } from '../src/model/source.ts';
import { widenHalf } from '../src/runtime/ort.ts';

const HUB_DIR = resolve('test/fixtures/hub');
const TJS = 'sparse-encoder-testing/splade-bert-tiny-transformersjs';
const QDRANT = 'Qdrant/opensearch-neural-sparse-encoding-doc-v3-gte';
const POOLED = 'sparse-encoder-testing/splade-pooled-onnx';

/**
 * A fixture repo as ModelFiles; `missing` paths read as absent, `aliases` read another file of the repo
 * under a new name; every path asked for is logged.
 */
function repo(
  id: string,
  missing: string[] = [],
  aliases: Record<string, string> = {},
): ModelFiles & { asked: string[] } {
  const asked: string[] = [];
  return {
    description: id,
    asked,
    async read(path) {
      asked.push(path);
      const file = join(HUB_DIR, id, aliases[path] ?? path);
      if (missing.includes(path) || !existsSync(file) || !statSync(file).isFile()) return undefined;
      return new Uint8Array(readFileSync(file));
    },
  };
}

function fixture(id: string, path: string): Uint8Array {
  return new Uint8Array(readFileSync(join(HUB_DIR, id, path)));
}

async function rejection(promise: Promise<unknown>): Promise<SpladeError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(SpladeError);
    return error as SpladeError;
  }
  throw new Error('expected a rejection');
}

describe('dtype names (transformers.js)', () => {
  it('maps each dtype to its file and back', () => {
    const files = (['fp32', 'fp16', 'q8', 'q4', 'q4f16'] as ModelDtype[]).map((d) => transformersJsFile(d));
    expect(files).toEqual([
      'model.onnx',
      'model_fp16.onnx',
      'model_quantized.onnx',
      'model_q4.onnx',
      'model_q4f16.onnx',
    ]);
    expect(files.map((f) => dtypeOfFile(`onnx/${f}`))).toEqual(['fp32', 'fp16', 'q8', 'q4', 'q4f16']);
    expect(dtypeOfFile('onnx/model_int8.onnx')).toBeUndefined();
    expect(externalDataNames('model.onnx', 3)).toEqual(['model.onnx_data', 'model.onnx_data_1', 'model.onnx_data_2']);
  });

  it('refuses a dtype it does not know, listing the accepted ones', () => {
    expect(parseDtype(undefined)).toBe('auto');
    expect(parseDtype('q4f16')).toBe('q4f16');
    expect(() => parseDtype('int8')).toThrow(
      /dtype "int8" is not supported; accepted: auto, fp32, fp16, q8, q4, q4f16/,
    );
    try {
      parseDtype('bf16');
    } catch (error) {
      expect((error as SpladeError).code).toBe('invalid-option');
    }
  });

  it("orders 'auto' per device: fp16 first only on WebGPU with shader-f16, q8 last on WebGPU", () => {
    expect(autoDtypeOrder('webgpu', true)[0]).toBe('fp16');
    expect(autoDtypeOrder('webgpu', false)[0]).toBe('fp32');
    expect(autoDtypeOrder('webgpu', false).indexOf('q8')).toBeLessThan(autoDtypeOrder('webgpu', false).indexOf('fp16'));
    expect(autoDtypeOrder('webgpu', true).at(-1)).toBe('q8');
    expect(autoDtypeOrder('wasm', true).slice(0, 2)).toEqual(['q8', 'fp32']);
    expect(autoDtypeOrder('cpu', true).slice(0, 2)).toEqual(['fp32', 'q8']);
  });
});

describe('readOnnxInfo', () => {
  it('reads inputs, outputs and the external data a transformers.js fp32 file names', () => {
    const info = readOnnxInfo(fixture(TJS, 'onnx/model.onnx'), 'onnx/model.onnx');
    expect(info.inputs.map((i) => i.name)).toEqual(['input_ids', 'attention_mask', 'token_type_ids']);
    expect(info.inputs[0]).toMatchObject({ elemType: 7, dims: ['batch', 'tokens'] });
    expect(info.outputs).toEqual([{ name: 'logits', elemType: 1, dims: ['batch', 'tokens', 30522] }]);
    expect(info.externalData).toEqual(['model.onnx_data']);
  });

  it('finds no external data in a self-contained file, and float32 logits after the fp16 Cast', () => {
    const info = readOnnxInfo(fixture(TJS, 'onnx/model_fp16.onnx'), 'onnx/model_fp16.onnx');
    expect(info.externalData).toEqual([]);
    expect(info.outputs[0]).toMatchObject({ name: 'logits', elemType: 1 });
  });

  it('reads the fastembed graph: two inputs, two rank-3 outputs', () => {
    const info = readOnnxInfo(fixture(QDRANT, 'model.onnx'), 'model.onnx');
    expect(info.inputs.map((i) => i.name)).toEqual(['input_ids', 'attention_mask']);
    expect(info.outputs.map((o) => [o.name, o.dims])).toEqual([
      ['embeddings', ['batch', 'tokens', 16]],
      ['output', ['batch', 'tokens', 30522]],
    ]);
  });

  it('refuses bytes that are not a model, naming the file', () => {
    const bytes = new TextEncoder().encode('<!doctype html><html>not found</html>');
    expect(() => readOnnxInfo(bytes, 'onnx/model.onnx')).toThrow(/onnx\/model\.onnx is not a valid ONNX model/);
    expect(() => readOnnxInfo(new Uint8Array([0x3a, 0x05, 0x01]), 'm.onnx')).toThrow(/runs past its message/);
  });
});

describe('logitsOutput', () => {
  it('takes the [batch, tokens, vocab] output by shape, not by name or position', () => {
    const info = readOnnxInfo(fixture(QDRANT, 'model.onnx'), 'model.onnx');
    expect(logitsOutput(info, 30522, 'model.onnx').name).toBe('output');
    // With the vocabulary size unknown, two rank-3 outputs are ambiguous: refused rather than guessed.
    expect(() => logitsOutput(info, 0, 'model.onnx')).toThrow(/several outputs could be the logits/);
  });

  it('refuses a graph that pools over the tokens itself, saying what it needs', () => {
    const info = readOnnxInfo(fixture(POOLED, 'model.onnx'), 'model.onnx');
    expect(() => logitsOutput(info, 30522, 'model.onnx')).toThrow(
      /returns "sparse_embedding" \[batch, 30522\]: its output is already pooled over the tokens.*\[batch, tokens, vocab\]/,
    );
  });
});

describe('findOnnxModel (transformers.js layout)', () => {
  const choose = (choice: OnnxChoice, files = repo(TJS)) => findOnnxModel(files, '', choice, 30522);

  it("'auto' on WASM takes onnx/model.onnx (no q8 file here) with its external data", async () => {
    const model = await choose({ device: 'wasm' });
    expect(model).toMatchObject({
      onnxFile: 'onnx/model.onnx',
      dtype: 'fp32',
      outputName: 'logits',
      externalDataFiles: ['onnx/model.onnx_data'],
      outputVocab: 30522,
    });
    expect(model!.externalData.map((f) => [f.path, f.data.byteLength])).toEqual([['model.onnx_data', 2136936]]);
  });

  it("'auto' takes a q8 file first on WASM, fp32 first on Node's CPU", async () => {
    // Any self-contained graph stands in for the q8 file: only its name and outputs are read here.
    const withQ8 = () => repo(TJS, [], { 'onnx/model_quantized.onnx': 'onnx/model_fp16.onnx' });
    expect(await choose({ device: 'wasm' }, withQ8())).toMatchObject({
      onnxFile: 'onnx/model_quantized.onnx',
      dtype: 'q8',
    });
    expect(await choose({ device: 'cpu' }, withQ8())).toMatchObject({ onnxFile: 'onnx/model.onnx', dtype: 'fp32' });
  });

  it("'auto' on WebGPU takes fp16 with shader-f16 and fp32 without it", async () => {
    expect((await choose({ device: 'webgpu', shaderF16: true }))?.onnxFile).toBe('onnx/model_fp16.onnx');
    expect((await choose({ device: 'webgpu', shaderF16: false }))?.onnxFile).toBe('onnx/model.onnx');
  });

  it('an explicit dtype takes its file', async () => {
    const model = await choose({ device: 'wasm', dtype: 'fp16' });
    expect(model).toMatchObject({ onnxFile: 'onnx/model_fp16.onnx', dtype: 'fp16', externalDataFiles: [] });
  });

  it('a dtype the repo lacks fails, naming the files it has', async () => {
    const error = await rejection(choose({ device: 'wasm', dtype: 'q4' }));
    expect(error.code).toBe('model-not-found');
    expect(error.message).toContain('has no q4 ONNX file (looked for onnx/model_q4.onnx, model_q4.onnx)');
    expect(error.message).toContain('it has onnx/model.onnx (fp32), onnx/model_fp16.onnx (fp16)');
  });

  it('fp16 on a WebGPU adapter without shader-f16 fails before a session is made', async () => {
    const error = await rejection(choose({ device: 'webgpu', shaderF16: false, dtype: 'fp16' }));
    expect(error.code).toBe('invalid-option');
    expect(error.message).toMatch(/lacks the 'shader-f16' feature/);
  });

  it('onnxFile wins, and may not contradict dtype', async () => {
    expect((await choose({ onnxFile: 'onnx/model_fp16.onnx' }))?.dtype).toBe('fp16');
    const error = await rejection(choose({ onnxFile: 'onnx/model_fp16.onnx', dtype: 'fp32' }));
    expect(error.code).toBe('invalid-option');
  });

  it('missing external data is named with the file that needs it', async () => {
    const error = await rejection(choose({ device: 'wasm' }, repo(TJS, ['onnx/model.onnx_data'])));
    expect(error.code).toBe('model-not-found');
    expect(error.file).toBe('onnx/model.onnx_data');
    expect(error.message).toMatch(/onnx\/model\.onnx keeps weights in model\.onnx_data, which is missing/);
  });

  it('a folder without ONNX gives undefined (the graph is built then), after probing each dtype once', async () => {
    const files = repo('naver/splade-v3');
    expect(await findOnnxModel(files, '', { device: 'wasm' }, 30522)).toBeUndefined();
    expect(files.asked).toEqual([
      'onnx/model_quantized.onnx',
      'model_quantized.onnx',
      'onnx/model.onnx',
      'model.onnx',
      'onnx/model_q4.onnx',
      'model_q4.onnx',
      'onnx/model_fp16.onnx',
      'model_fp16.onnx',
      'onnx/model_q4f16.onnx',
      'model_q4f16.onnx',
    ]);
    // An explicit dtype in such a folder is the graph builder's to honour: no error here either.
    expect(await findOnnxModel(repo('naver/splade-v3'), '', { dtype: 'fp16' }, 30522)).toBeUndefined();
  });
});

describe('SparseEncoder.fromPretrained on ONNX layouts (onnxruntime-node)', () => {
  const path = (id: string) => `./test/fixtures/hub/${id}`;

  it('reports device, dtype and the files used', async () => {
    const encoder = await SparseEncoder.fromPretrained(path(TJS));
    try {
      expect(encoder.backendInfo).toMatchObject({
        device: 'cpu',
        dtype: 'fp32',
        modelFile: 'onnx/model.onnx',
        externalDataFiles: ['onnx/model.onnx_data'],
      });
      const fp16 = await SparseEncoder.fromPretrained(path(TJS), { dtype: 'fp16' });
      expect(fp16.backendInfo).toMatchObject({
        dtype: 'fp16',
        modelFile: 'onnx/model_fp16.onnx',
        externalDataFiles: [],
      });
      await fp16.dispose();
    } finally {
      await encoder.dispose();
    }
  });

  it('reads a fastembed repo: logits output by shape, no token_type_ids, pooling from the option', async () => {
    const encoder = await SparseEncoder.fromPretrained(path(QDRANT), {
      spladePooling: { activation: 'log1p_relu' },
    });
    try {
      const route = encoder.spec.document;
      expect(route.kind === 'mlm' && route.outputName).toBe('output');
      expect(route.kind === 'mlm' && route.pooling).toEqual({
        strategy: 'max',
        activation: 'log1p_relu',
        vocabSize: 30522,
      });
      expect((await encoder.encodeDocument('Sparse retrieval')).indices.length).toBeGreaterThan(0);
    } finally {
      await encoder.dispose();
    }
  });

  it('refuses a graph whose output is already pooled', async () => {
    const error = await rejection(SparseEncoder.fromPretrained(path(POOLED)));
    expect(error.code).toBe('model-unsupported');
    expect(error.message).toMatch(/already pooled over the tokens/);
  });

  it('refuses bad dtype and spladePooling options, listing what is accepted', async () => {
    const dtype = await rejection(SparseEncoder.fromPretrained(path(TJS), { dtype: 'int8' as never }));
    expect(dtype.code).toBe('invalid-option');
    expect(dtype.message).toMatch(/accepted: auto, fp32, fp16, q8, q4, q4f16/);
    const activation = await rejection(
      SparseEncoder.fromPretrained(path(QDRANT), { spladePooling: { activation: 'gelu' as never } }),
    );
    expect(activation.code).toBe('invalid-option');
    expect(activation.message).toMatch(/accepted: relu, log1p_relu/);
    const key = await rejection(
      SparseEncoder.fromPretrained(path(QDRANT), { spladePooling: { pooling: 'max' } as never }),
    );
    expect(key.message).toMatch(/unknown key pooling/);
  });

  it('refuses spladePooling that contradicts the repo its own SpladePooling module', async () => {
    const error = await rejection(
      SparseEncoder.fromPretrained(path('opensearch-project/opensearch-neural-sparse-encoding-doc-v3-distill'), {
        spladePooling: { activation: 'relu' },
        queryOnly: true,
      }),
    );
    expect(error.code).toBe('invalid-option');
    expect(error.message).toMatch(/document_1_SpladePooling\/config\.json \(max, log1p_relu\)/);
  });
});

describe('widenHalf', () => {
  it('decodes float16 bits exactly', () => {
    const bits = Uint16Array.from([0x3c00, 0xc000, 0x7bff, 0x0001, 0x8000, 0x7c00, 0x3555]);
    expect(Array.from(widenHalf(bits))).toEqual([1, -2, 65504, 2 ** -24, -0, Infinity, 0.333251953125]);
    expect(Number.isNaN(widenHalf(Uint16Array.from([0x7e00]))[0])).toBe(true);
  });
});
