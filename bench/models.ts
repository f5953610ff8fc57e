/**
 * Browser side of `npm run bench:models`: bench/models.mjs calls window.benchModels phase by phase
 * (load, encode, dispose) so it can read the server's byte count and the DevTools memory figures
 * between phases. The encoder is the browser entry's SparseEncoder on onnxruntime-web (WASM or
 * WebGPU), loading a hub id through the hub URL layout the runner serves at `hubUrl`.
 */
import { SparseEncoder } from '../src/browser.ts';
import type { SparseEncoder as BaseEncoder } from '../src/encode/encoder.ts';
import type { EncoderDevice } from '../src/runtime/types.ts';
import { webRuntime } from '../src/runtime/web.ts';
import { encodeMeasured, loadMeasured, timedRuntime, type EncodeFigures, type LoadFigures } from './models-common.ts';

const timed = timedRuntime(webRuntime);
class TimedEncoder extends SparseEncoder {
  static override get runtime() {
    return timed.runtime;
  }
}

let current: BaseEncoder | undefined;

const log = (line: string) => {
  document.getElementById('log')!.textContent += `\n${line}`;
};

const benchModels = {
  async load(id: string, hubUrl: string, device: EncoderDevice): Promise<LoadFigures> {
    await current?.dispose();
    const { encoder, figures } = await loadMeasured(TimedEncoder, timed.sessionMs, id, { hubUrl, device });
    current = encoder;
    log(`${id} on ${device}: loaded in ${figures.loadMs.toFixed(0)} ms`);
    return figures;
  },
  async encode(texts: string[], warmup: string[]): Promise<EncodeFigures> {
    if (!current) throw new Error('load a model first');
    const figures = await encodeMeasured(current, texts, warmup);
    log(`encoded ${figures.documents} documents at ${figures.docsPerSec.toFixed(2)}/s`);
    return figures;
  },
  async dispose(): Promise<void> {
    await current?.dispose();
    current = undefined;
  },
};

(window as unknown as { benchModels: typeof benchModels }).benchModels = benchModels;
