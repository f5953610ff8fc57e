import { describe, expect, it } from 'vitest';
import { readSafetensors, writeSafetensors } from '../src/model/safetensors.ts';
import { classifySource, hubFileUrl, openModelSource } from '../src/model/source.ts';
import { loadModelSpec } from '../src/model/layout.ts';
import { SpladeError } from '../src/errors.ts';

describe('safetensors', () => {
  it('round-trips a tensor', () => {
    const data = Float32Array.from([1, 2.5, -3]);
    const t = readSafetensors(writeSafetensors({ weight: { shape: [3], data } }), 'm.safetensors');
    expect(Array.from(t.get('weight')!.data)).toEqual([1, 2.5, -3]);
    expect(t.get('weight')!.shape).toEqual([3]);
  });

  it('rejects a header that lies about sizes, naming the file', () => {
    const good = writeSafetensors({ weight: { shape: [3], data: Float32Array.from([1, 2, 3]) } });
    const lying = good.slice(0, good.length - 4); // one float short of what the header claims
    expect(() => readSafetensors(lying, 'q/model.safetensors')).toThrow(
      /q\/model\.safetensors.*claims bytes 0\.\.12 but only 8/,
    );
    const bigHeader = good.slice();
    new DataView(bigHeader.buffer).setBigUint64(0, 1n << 40n, true);
    expect(() => readSafetensors(bigHeader, 'x')).toThrow(/header claims/);
    expect(() => readSafetensors(new Uint8Array(3), 'x')).toThrow(/fewer than the 8-byte/);
    const wrongShape = new TextEncoder().encode(
      JSON.stringify({ weight: { dtype: 'F32', shape: [4], data_offsets: [0, 12] } }),
    );
    const bytes = new Uint8Array(8 + wrongShape.length + 12);
    new DataView(bytes.buffer).setBigUint64(0, BigInt(wrongShape.length), true);
    bytes.set(wrongShape, 8);
    expect(() => readSafetensors(bytes, 'x')).toThrow(/needs 16 bytes but data_offsets span 12/);
  });
});

describe('model sources', () => {
  it('tells hub ids, URLs and paths apart', () => {
    expect(classifySource('opensearch-project/opensearch-neural-sparse-encoding-doc-v3-gte')).toBe('hub');
    expect(classifySource('https://example.org/m')).toBe('url');
    expect(classifySource('/models/x')).toBe('path');
    expect(classifySource('./x')).toBe('path');
    expect(classifySource('C:\\models\\x')).toBe('path');
    const empty = (() => {
      try {
        classifySource('');
      } catch (e) {
        return e;
      }
    })() as SpladeError;
    expect(empty).toBeInstanceOf(SpladeError);
    expect(empty.code).toBe('invalid-input');
    expect(empty.message).toBe(
      'a model source must be a non-empty string (a hub id like "owner/name", a URL, or a path starting with "/", "./" or "../"), got ""',
    );
    expect(() => classifySource('a/b/c')).toThrow(/hub id like "owner\/name"/);
  });

  it('builds hub file URLs', () => {
    expect(hubFileUrl('o/n', 'query_0_SparseStaticEmbedding/model.safetensors')).toBe(
      'https://huggingface.co/o/n/resolve/main/query_0_SparseStaticEmbedding/model.safetensors',
    );
    expect(hubFileUrl('o/n', 'onnx/model.onnx', { hubUrl: 'http://127.0.0.1:5173/hub/', revision: 'v1' })).toBe(
      'http://127.0.0.1:5173/hub/o/n/resolve/v1/onnx/model.onnx',
    );
  });
});

/** An in-memory model repository. */
function repo(files: Record<string, unknown>) {
  return openModelSource('/mem', {
    readLocalFile: async (path) => {
      const key = path.replace(/^\/mem\//, '');
      const v = files[key];
      if (v === undefined) return undefined;
      return v instanceof Uint8Array ? v : new TextEncoder().encode(typeof v === 'string' ? v : JSON.stringify(v));
    },
  });
}

describe('sentence-transformers layout errors', () => {
  it('names an unknown module and lists the supported ones', async () => {
    const err = await loadModelSpec(
      repo({ 'modules.json': [{ idx: 0, name: '0', path: '', type: 'sentence_transformers.models.Transformer' }] }),
    ).catch((e) => e);
    expect(err).toBeInstanceOf(SpladeError);
    expect(err.code).toBe('unsupported-module');
    expect(err.message).toMatch(
      /modules\.json names module type "sentence_transformers\.models\.Transformer".*supported module types: Router, MLMTransformer, SpladePooling, SparseStaticEmbedding/,
    );
  });

  it('reports missing and malformed files by name', async () => {
    await expect(loadModelSpec(repo({}))).rejects.toThrow(/modules\.json is missing/);
    await expect(loadModelSpec(repo({ 'modules.json': '{not json' }))).rejects.toThrow(
      /modules\.json is not valid JSON/,
    );
    const mlm = [
      { idx: 0, name: '0', path: '', type: 'sentence_transformers.sparse_encoder.models.MLMTransformer' },
      { idx: 1, name: '1', path: '1_SpladePooling', type: 'sentence_transformers.sparse_encoder.models.SpladePooling' },
    ];
    const err = await loadModelSpec(
      repo({ 'modules.json': mlm, '1_SpladePooling/config.json': { pooling_strategy: 'max' } }),
    ).catch((e) => e);
    expect(err.code).toBe('model-not-found');
    expect(err.message).toMatch(/no tokenizer.*tokenizer\.json/);
  });
});
