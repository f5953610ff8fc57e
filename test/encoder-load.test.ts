/**
 * What loading reports, on onnxruntime-node: every progress event names the model as it was given,
 * `ready` comes last, after the session exists, and names the device chosen (never 'auto'); an
 * inference-free model loaded for queries only starts no session and says 'static'.
 */
import { describe, expect, it } from 'vitest';
import { SparseEncoder, type LoadProgress } from '../src/node.ts';
import type { SparseTextEncoder } from '../src/encode/types.ts';

const MODEL = './public/models/splade-tiny-en-if';

describe('loading', () => {
  it('starts the session before ready, which names the device; every event names the model', async () => {
    const events: LoadProgress[] = [];
    const enc: SparseTextEncoder = await SparseEncoder.fromPretrained(MODEL, {
      device: 'auto',
      onProgress: (e) => events.push(e),
    });
    expect(events.length).toBeGreaterThan(2);
    expect(events.every((e) => e.model === MODEL)).toBe(true);
    expect(events.filter((e) => e.status === 'ready')).toEqual([{ status: 'ready', model: MODEL, device: 'cpu' }]);
    expect(events.at(-1)!.status).toBe('ready');
    // Known before any encode: the session was started while loading.
    expect(enc.device).toBe('cpu');
    expect(enc.backendInfo).toEqual({
      device: 'cpu',
      dtype: 'fp32',
      modelFile: 'document_0_MLMTransformer/onnx/model.onnx',
      externalDataFiles: [],
      pooling: 'cpu', // an ONNX file's logits, read back and pooled in JavaScript
    });
    expect(enc.lastStats.batches).toBe(0);
    expect(await enc.windows('hello world')).toEqual([[101, 7592, 2088, 102]]);
    await enc.dispose();
    expect(enc.device).toBeUndefined();
  });

  it('an inference-free model loaded with queryOnly starts no session and says so', async () => {
    const events: LoadProgress[] = [];
    const enc = await SparseEncoder.fromPretrained(MODEL, { queryOnly: true, onProgress: (e) => events.push(e) });
    expect(events.at(-1)).toEqual({ status: 'ready', model: MODEL, device: 'static' });
    expect(enc.device).toBeUndefined();
    expect((await enc.tokens('git rebase')).ids.length).toBeGreaterThan(0);
    await expect(enc.windows(42 as unknown as string)).rejects.toThrow('texts must be strings, got number');
    await enc.dispose();
  });
});
