/**
 * The browser runtime: onnxruntime-web (one instance for the whole bundle), WebGPU with the WGSL
 * pooler on ORT's own device, or WASM with the CPU pooler.
 */
import * as ort from 'onnxruntime-web';
import { SpladeError } from '../errors.ts';
import { GpuPooler } from '../pooling/gpu.ts';
import type { BackendOptions, EncoderDevice, Runtime } from './types.ts';
import { createOrtBackend } from './ort.ts';

export { ort };

/**
 * Is there a WebGPU adapter worth using? A software adapter (SwiftShader, llvmpipe) runs a
 * transformer far slower than WASM (measured ~33x on a tiny BERT), so 'auto' skips it.
 */
export async function hardwareGpuAvailable(): Promise<boolean> {
  const gpu = (globalThis.navigator as Navigator | undefined)?.gpu;
  if (!gpu) return false;
  try {
    const adapter = await gpu.requestAdapter();
    if (!adapter) return false;
    const info = adapter.info as GPUAdapterInfo & { isFallbackAdapter?: boolean };
    if (info.isFallbackAdapter) return false;
    return !/swiftshader|llvmpipe|lavapipe|softpipe|software|microsoft basic render/i.test(`${info.vendor} ${info.architecture} ${info.description} ${info.device}`);
  } catch {
    return false;
  }
}

function configureWasm(): void {
  // Threads need SharedArrayBuffer, which only cross-origin isolated pages have.
  const isolated = (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated === true;
  const cores = globalThis.navigator?.hardwareConcurrency ?? 1;
  ort.env.wasm.numThreads = isolated ? Math.max(1, Math.min(4, cores)) : 1;
}

export const webRuntime: Runtime = {
  name: 'onnxruntime-web',
  fallbackDevice: 'wasm',
  async autoDevice() {
    return (await hardwareGpuAvailable()) ? 'webgpu' : 'wasm';
  },
  async createBackend(model: Uint8Array, modelFile: string, device: EncoderDevice, options: BackendOptions) {
    if (device === 'cpu') device = 'wasm'; // in the browser the CPU is reached through WASM
    configureWasm();
    if (device === 'webgpu') {
      if (!(globalThis.navigator as Navigator | undefined)?.gpu) {
        throw new SpladeError('gpu-unavailable', "device 'webgpu' was requested but this browser has no WebGPU (navigator.gpu is missing; it needs a secure context); use device 'auto' or 'wasm'");
      }
      if (options.gpuAdapter) ort.env.webgpu.adapter = options.gpuAdapter as never;
    }
    return createOrtBackend({
      ort: ort as never,
      model,
      modelFile,
      device,
      pooling: options.pooling ?? 'gpu',
      createGpuPooler: (gpuDevice) => new GpuPooler(gpuDevice),
    });
  },
};
