/**
 * Loading a repository whose transformer has no ONNX file, through loadModelSpec on in-memory
 * repositories made from the BERT fixture (test/fixtures/hub/naver/splade-v3, a bare repo with a
 * sharded checkpoint): what is built, what a bare repo becomes, and each bad input's error (unknown
 * architecture before any weight is downloaded, missing tensor, misshapen tensor, missing config
 * key, truncated shard, a bare repo that is no masked-LM).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isSpladeError, type SpladeError } from '../src/errors.ts';
import { loadModelSpec } from '../src/model/layout.ts';
import type { ModelFiles } from '../src/model/source.ts';

const BERT = 'test/fixtures/hub/naver/splade-v3';
const SHARD_2 = 'model-00002-of-00002.safetensors';

function fixture(): Map<string, Uint8Array> {
  return new Map(readdirSync(BERT).map((f) => [f, new Uint8Array(readFileSync(join(BERT, f)))]));
}

function repo(files: Map<string, Uint8Array>): ModelFiles & { reads: string[] } {
  const reads: string[] = [];
  return {
    description: 'test/bare',
    reads,
    read: async (path) => {
      reads.push(path);
      return files.get(path);
    },
  };
}

function editConfig(files: Map<string, Uint8Array>, edit: (config: Record<string, unknown>) => void): void {
  const config = JSON.parse(new TextDecoder().decode(files.get('config.json')));
  edit(config);
  files.set('config.json', new TextEncoder().encode(JSON.stringify(config)));
}

/** Renames a tensor inside a safetensors file's header (same length, so offsets stay valid). */
function renameTensor(bytes: Uint8Array, from: string, to: string): Uint8Array {
  expect(to.length).toBe(from.length);
  const out = bytes.slice();
  const headerLength = Number(new DataView(out.buffer).getBigUint64(0, true));
  const header = new TextDecoder().decode(out.subarray(8, 8 + headerLength)).replace(`"${from}"`, `"${to}"`);
  out.set(new TextEncoder().encode(header), 8);
  return out;
}

async function loadError(files: Map<string, Uint8Array> | ModelFiles): Promise<SpladeError> {
  const error = await loadModelSpec(files instanceof Map ? repo(files) : files).then(
    () => new Error('loaded'),
    (e: unknown) => e,
  );
  if (!isSpladeError(error)) throw error;
  return error;
}

describe('a transformer without ONNX', () => {
  it('builds the graph of a bare BERT repo: MLMTransformer + SpladePooling max/relu, symmetric', async () => {
    const spec = await loadModelSpec(repo(fixture()));
    const route = spec.document;
    expect(route.kind).toBe('mlm');
    if (route.kind !== 'mlm') return;
    expect(spec.query).toBe(route);
    expect(spec.inferenceFree).toBe(false);
    expect(route.pooling).toEqual({ strategy: 'max', activation: 'relu', vocabSize: 30522 });
    expect(route.maxSeqLength).toBe(512);
    expect(route.onnxFile).toBe('model.safetensors.index.json');
    expect(route.built?.architecture).toBe('BertForMaskedLM');
    expect(route.externalData!.length).toBeGreaterThan(10);
    expect(route.onnx!.byteLength).toBeLessThan(64 * 1024); // the weights are outside the graph
  });

  it('takes idf.json beside a bare repo as the inference-free query table', async () => {
    const files = fixture();
    files.set('idf.json', new TextEncoder().encode(JSON.stringify({ hello: 2.5, world: 1.25 })));
    const spec = await loadModelSpec(repo(files));
    expect(spec.inferenceFree).toBe(true);
    expect(spec.query.kind).toBe('static');
    if (spec.query.kind === 'static') expect(spec.query.weights[7592]).toBe(2.5); // "hello"
    expect(spec.document.kind).toBe('mlm');
  });

  it('refuses an unknown architecture before downloading any weight, naming it and the supported ones', async () => {
    const files = fixture();
    editConfig(files, (c) => (c['architectures'] = ['FancyForMaskedLM']));
    const files2 = repo(files);
    const error = await loadError(files2);
    expect(error.code).toBe('model-unsupported');
    expect(error.message).toMatch(
      /^config\.json names architecture "FancyForMaskedLM", which splade-web cannot build; supported: .*BertForMaskedLM, .*DistilBertForMaskedLM/,
    );
    expect(files2.reads.filter((p) => p.endsWith('.safetensors'))).toEqual([]);
  });

  it('names a missing tensor, a misshapen one and a missing config key', async () => {
    const missing = fixture();
    const renamed = 'bert.encoder.layer.2.output.dense.weigXt';
    missing.set(SHARD_2, renameTensor(missing.get(SHARD_2)!, 'bert.encoder.layer.2.output.dense.weight', renamed));
    const a = await loadError(missing);
    expect(a.code).toBe('model-file-invalid');
    expect(a.message).toBe(
      'tensor "bert.encoder.layer.2.output.dense.weight" is missing from the weights of test/bare; expected shape [16, 40]',
    );

    const misshapen = fixture();
    editConfig(misshapen, (c) => (c['intermediate_size'] = 48));
    const b = await loadError(misshapen);
    expect(b.message).toMatch(
      /^tensor "bert\.encoder\.layer\.0\.intermediate\.dense\.weight" in model-0000[12]-of-00002\.safetensors has shape \[40, 16\]; the config implies \[48, 16\]$/,
    );

    const noKey = fixture();
    editConfig(noKey, (c) => delete c['num_hidden_layers']);
    const c = await loadError(noKey);
    expect(c.message).toBe('config.json: "num_hidden_layers" must be a non-negative integer; it is missing');
    expect(c.file).toBe('config.json');
  });

  it('names the file and byte range of a truncated shard', async () => {
    const files = fixture();
    const whole = files.get(SHARD_2)!;
    files.set(SHARD_2, whole.subarray(0, whole.byteLength - 100));
    const error = await loadError(files);
    expect(error.code).toBe('model-file-invalid');
    expect(error.message).toMatch(
      new RegExp(
        `^${SHARD_2.replace(/\./g, '\\.')} is truncated: tensor "[^"]+" needs bytes \\d+\\.\\.${whole.byteLength} but the file has ${whole.byteLength - 100} bytes$`,
      ),
    );
  });

  it('says what a repository without modules.json needs', async () => {
    const files = fixture();
    editConfig(files, (c) => (c['architectures'] = ['BertModel']));
    const error = await loadError(files);
    expect(error.code).toBe('model-not-found');
    expect(error.message).toBe(
      'modules.json is missing from test/bare, which has a config.json that names no *ForMaskedLM architecture and no ONNX model (onnx/model.onnx, model.onnx) with a tokenizer.json; a SPLADE model needs the sentence-transformers files, a masked-LM transformers repository, or an ONNX export of one',
    );
  });
});
