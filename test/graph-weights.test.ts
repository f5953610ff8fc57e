// SafetensorsWeights: single files and sharded indexes, exact F16/BF16 conversion, legacy names,
// tied decoder weights through the builder, and errors that name file, tensor, shapes and bytes.
import { describe, expect, it } from 'vitest';
import { GraphBuilder } from '../src/model/graph/builder.ts';
import { SafetensorsWeights, toFloat32 } from '../src/model/graph/weights.ts';
import type { ModelFiles } from '../src/model/source.ts';
import { isSpladeError } from '../src/errors.ts';

interface RawTensor {
  dtype: string;
  shape: number[];
  bytes: Uint8Array;
}

/** A safetensors file; `pad` adds spaces to the header so the data start is (mis)aligned as wanted. */
function safetensors(tensors: Record<string, RawTensor>, pad = 0): Uint8Array {
  const header: Record<string, unknown> = { __metadata__: { format: 'pt' } };
  let offset = 0;
  for (const [name, t] of Object.entries(tensors)) {
    header[name] = { dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + t.bytes.byteLength] };
    offset += t.bytes.byteLength;
  }
  const json = new TextEncoder().encode(JSON.stringify(header) + ' '.repeat(pad));
  const out = new Uint8Array(8 + json.byteLength + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.byteLength), true);
  out.set(json, 8);
  let at = 8 + json.byteLength;
  for (const t of Object.values(tensors)) {
    out.set(t.bytes, at);
    at += t.bytes.byteLength;
  }
  return out;
}

const f32 = (shape: number[], values: number[]): RawTensor => ({
  dtype: 'F32',
  shape,
  bytes: new Uint8Array(Float32Array.from(values).buffer),
});
const u16 = (dtype: string, shape: number[], bits: number[]): RawTensor => ({
  dtype,
  shape,
  bytes: new Uint8Array(Uint16Array.from(bits).buffer),
});

function memoryFiles(files: Record<string, Uint8Array>): ModelFiles & { reads: string[] } {
  const reads: string[] = [];
  return {
    description: 'test/repo',
    reads,
    read: async (path) => {
      reads.push(path);
      return files[path];
    },
  };
}

function caught(fn: () => unknown): Error {
  try {
    fn();
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected an error');
}

describe('SafetensorsWeights', () => {
  it('reads a single file by name; aligned F32 is a view of the file, not a copy', async () => {
    const file = safetensors({ a: f32([2, 2], [1, 2, 3, 4]), b: f32([3], [5, 6, 7]) });
    const files = memoryFiles({ 'doc/model.safetensors': file });
    const weights = (await SafetensorsWeights.open(files, 'doc'))!;
    expect(files.reads).toEqual(['doc/model.safetensors.index.json', 'doc/model.safetensors']);
    expect(weights.shape('a')).toEqual([2, 2]);
    expect(weights.fileOf('b')).toBe('doc/model.safetensors');
    expect(weights.description).toBe('test/repo/doc');
    expect(Array.from(await weights.read('a'))).toEqual([1, 2, 3, 4]);
    expect(Array.from(await weights.read('b'))).toEqual([5, 6, 7]);
    expect(await SafetensorsWeights.open(memoryFiles({}), '')).toBeUndefined();
  });

  it('reads F32 at any data alignment: a view when 4-byte aligned, a copy otherwise', async () => {
    for (let pad = 0; pad < 4; pad++) {
      const file = safetensors({ a: f32([3], [1.5, -2, 3]) }, pad);
      const weights = SafetensorsWeights.fromFiles('x', new Map([['m', file]]));
      const a = await weights.read('a');
      expect(Array.from(a)).toEqual([1.5, -2, 3]);
      const dataStart = file.byteLength - 12;
      expect(a.buffer === file.buffer).toBe(dataStart % 4 === 0);
    }
  });

  it('reads a sharded index: every shard once, tensors from the shard that holds them', async () => {
    const index = {
      metadata: { total_size: 24 },
      weight_map: {
        a: 'model-00001-of-00002.safetensors',
        b: 'model-00002-of-00002.safetensors',
        c: 'model-00001-of-00002.safetensors',
      },
    };
    const files = memoryFiles({
      'model.safetensors.index.json': new TextEncoder().encode(JSON.stringify(index)),
      'model-00001-of-00002.safetensors': safetensors({ a: f32([2], [1, 2]), c: f32([1], [9]) }),
      'model-00002-of-00002.safetensors': safetensors({ b: f32([1, 3], [3, 4, 5]) }),
    });
    const weights = (await SafetensorsWeights.open(files, ''))!;
    expect(files.reads).toEqual([
      'model.safetensors.index.json',
      'model-00001-of-00002.safetensors',
      'model-00002-of-00002.safetensors',
    ]);
    expect(weights.fileOf('b')).toBe('model-00002-of-00002.safetensors');
    expect(Array.from(await weights.read('b'))).toEqual([3, 4, 5]);
    expect(Array.from(await weights.read('c'))).toEqual([9]);
  });

  it('names the missing shard', async () => {
    const index = { weight_map: { a: 'one.safetensors', b: 'two.safetensors' } };
    const files = memoryFiles({
      'd/model.safetensors.index.json': new TextEncoder().encode(JSON.stringify(index)),
      'd/one.safetensors': safetensors({ a: f32([1], [1]) }),
    });
    const error = await SafetensorsWeights.open(files, 'd').catch((e: Error) => e);
    expect(isSpladeError(error) && error.code).toBe('model-not-found');
    expect((error as Error).message).toBe(
      'd/model.safetensors.index.json names the shard two.safetensors, but d/two.safetensors is missing from test/repo',
    );
  });

  it('converts every float16 value exactly, and bfloat16 by its bits', () => {
    const all = Array.from({ length: 65536 }, (_, h) => h);
    const got = toFloat32(new Uint8Array(Uint16Array.from(all).buffer), 'F16');
    const wrong = all.filter((h) => {
      const sign = h & 0x8000 ? -1 : 1;
      const e = (h >> 10) & 0x1f;
      const m = h & 0x3ff;
      if (e === 31 && m !== 0) return !Number.isNaN(got[h]!);
      const want = e === 0 ? sign * m * 2 ** -24 : e === 31 ? sign * Infinity : sign * (1 + m / 1024) * 2 ** (e - 15);
      return !Object.is(got[h], want); // Object.is also tells -0 from 0
    });
    expect(wrong).toEqual([]);
    const bf = toFloat32(new Uint8Array(Uint16Array.from(all).buffer), 'BF16');
    const bits = new Uint32Array(bf.buffer);
    expect(all.filter((h) => bits[h] !== (h << 16) >>> 0)).toEqual([]);
    expect(Array.from(toFloat32(new Uint8Array(Uint16Array.of(0x3f80, 0xc040).buffer), 'BF16'))).toEqual([1, -3]);
  });

  it('accepts legacy gamma/beta names and ignores stored position_ids buffers', async () => {
    const ids: RawTensor = {
      dtype: 'I64',
      shape: [1, 4],
      bytes: new Uint8Array(BigInt64Array.of(0n, 1n, 2n, 3n).buffer),
    };
    const weights = SafetensorsWeights.fromFiles(
      'x',
      new Map([
        [
          'model.safetensors',
          safetensors({
            'ln.gamma': u16('F16', [2], [0x3c00, 0x4000]),
            'ln.beta': u16('BF16', [2], [0x3f80, 0]),
            'embeddings.position_ids': ids,
          }),
        ],
      ]),
    );
    expect(weights.shape('ln.weight')).toEqual([2]);
    expect(Array.from(await weights.read('ln.weight'))).toEqual([1, 2]);
    expect(Array.from(await weights.read('ln.bias'))).toEqual([1, 0]);
    expect(weights.dtype('ln.bias')).toBe('BF16');
    const error = await weights.read('embeddings.position_ids').then(
      () => new Error('no error'),
      (e: Error) => e,
    );
    expect(error.message).toBe(
      'tensor "embeddings.position_ids" in model.safetensors is I64; weights must be one of F32, F16, BF16, F64',
    );
  });

  it('takes a tied decoder from the embeddings when the file leaves it out', async () => {
    const weights = SafetensorsWeights.fromFiles(
      'x',
      new Map([['model.safetensors', safetensors({ emb: f32([3, 2], [1, 2, 3, 4, 5, 6]) })]]),
    );
    const g = new GraphBuilder(weights);
    const decoder = g.weight('cls.decoder.weight', [3, 2], { tiedTo: 'emb', transpose: true });
    expect(decoder.name).toBe('emb.T');
    g.output(decoder, 'decoder', [2, 3]); // a weight no node reads is left out of the graph
    const built = await g.build();
    expect(Array.from(new Float32Array(built.externalData[0]!.data.slice().buffer))).toEqual([1, 3, 5, 2, 4, 6]);
  });

  it('names tensor, file, expected and found shape for a missing or misshapen tensor', () => {
    const weights = SafetensorsWeights.fromFiles(
      'org/model',
      new Map([['doc/model.safetensors', safetensors({ w: f32([2, 3], [1, 2, 3, 4, 5, 6]) })]]),
    );
    const g = new GraphBuilder(weights);
    const missing = caught(() => g.weight('bert.pooler.weight', [4, 4]));
    expect(isSpladeError(missing) && missing.code).toBe('model-file-invalid');
    expect(missing.message).toBe(
      'tensor "bert.pooler.weight" is missing from the weights of org/model; expected shape [4, 4]',
    );
    const shape = caught(() => g.weight('w', [3, 2]));
    expect(shape.message).toBe('tensor "w" in doc/model.safetensors has shape [2, 3]; the config implies [3, 2]');
    expect((shape as { file?: string }).file).toBe('doc/model.safetensors');
  });

  it('names the file, tensor and byte range of a truncated file', () => {
    const whole = safetensors({ a: f32([2], [1, 2]), b: f32([4], [1, 2, 3, 4]) });
    const cut = whole.subarray(0, whole.byteLength - 3);
    const error = caught(() => SafetensorsWeights.fromFiles('x', new Map([['doc/model.safetensors', cut]])));
    expect(isSpladeError(error) && error.code).toBe('model-file-invalid');
    const end = whole.byteLength;
    expect(error.message).toBe(
      `doc/model.safetensors is truncated: tensor "b" needs bytes ${end - 16}..${end} but the file has ${end - 3} bytes`,
    );
    const header = caught(() => SafetensorsWeights.fromFiles('x', new Map([['m.safetensors', whole.subarray(0, 20)]])));
    expect(header.message).toMatch(
      /^m\.safetensors is not a valid safetensors file: the header claims bytes 8\.\.\d+ but the file has 20 bytes/,
    );
  });
});
