/**
 * The browser runtime: onnxruntime-web's native WebGPU build (one instance for the whole bundle,
 * ort-files.ts), WebGPU with the WGSL kernels on the session's device (ORT's own, or the one made
 * from a caller's gpuAdapter; the fused SPLADE head for graphs built from safetensors, the pooler
 * for ONNX files that end in logits), or WASM with pooling in the graph or the CPU pooler.
 */
import * as ort from 'onnxruntime-web/webgpu';
import { SpladeError } from '../errors.ts';
import { FusedSpladeHead } from '../pooling/fused-head.ts';
import { GpuPooler } from '../pooling/gpu.ts';
import type { BackendOptions, EncoderDevice, ExternalDataFile, ModelDetails, Runtime } from './types.ts';
import { DEFAULT_CACHE_NAME } from '../model/source.ts';
import { createOrtBackend } from './ort.ts';
import { ORT_RUNTIME_BASENAME } from './ort-files.ts';
import { webBuildStore } from './web-build-cache.ts';
import { describeProbe, looksLikeHtml, notJavaScript, probeUrl } from './probe.ts';

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
    return !/swiftshader|llvmpipe|lavapipe|softpipe|software|microsoft basic render/i.test(
      `${info.vendor} ${info.architecture} ${info.description} ${info.device}`,
    );
  } catch {
    return false;
  }
}

/**
 * onnxruntime-web's Emscripten module and its WebAssembly, written as package paths inside
 * `new URL(…, import.meta.url)` so that the page's bundler (Vite; webpack 5 alike) resolves them in
 * the installed onnxruntime-web and emits both files with the build.
 *
 * Why ORT is told where its module is: given no path, the bundled ORT starts its WASM threads as
 * workers of the script it was bundled into (`new Worker(import.meta.url)`). Bundled into the
 * encoder worker, that script is the encoder worker itself, whose message handler takes the threads'
 * messages, so they never start and the first encode waits forever with the CPU idle. Given its
 * module's own URL, ORT imports that module instead, and the threads load only it.
 */
export function runtimeFiles(): { mjs: string; wasm: string } | undefined {
  // Literals (a bundler resolves only those): ORT_RUNTIME_BASENAME's two files (ort-files.ts).
  const mjs = new URL('onnxruntime-web/ort-wasm-simd-threaded.asyncify.mjs', import.meta.url).href;
  const wasm = new URL('onnxruntime-web/ort-wasm-simd-threaded.asyncify.wasm', import.meta.url).href;
  // Only a bundler that emitted the files renames them (assets/ort-wasm-simd-threaded.asyncify-<hash>.mjs);
  // that is also when ORT may share a script with the encoder worker. A URL still inside the package
  // means no bundling: unresolved (".../onnxruntime-web/ort-wasm...", no bundler, or Vite's dependency
  // pre-bundling) or served from the package as it is (a dev server, "/node_modules/onnxruntime-web/
  // dist/..."). ORT is a module of its own then, and its default lookup, next to itself, is right.
  if (/\/onnxruntime-web\//.test(mjs) || /\/onnxruntime-web\//.test(wasm)) return undefined;
  return { mjs, wasm };
}

function configureWasm(maxThreads = 4): void {
  // Threads need SharedArrayBuffer, which only cross-origin isolated pages have.
  const isolated = (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated === true;
  const cores = globalThis.navigator?.hardwareConcurrency ?? 1;
  ort.env.wasm.numThreads = isolated ? Math.max(1, Math.min(maxThreads, cores)) : 1;
  const files = runtimeFiles();
  if (files && ort.env.wasm.wasmPaths === undefined) ort.env.wasm.wasmPaths = files;
}

/** The runtime files ORT was given, or the ones its error names. */
function runtimeUrls(error: unknown): string[] {
  const paths = ort.env.wasm.wasmPaths;
  const given =
    typeof paths === 'object' && paths ? [paths.mjs, paths.wasm].filter((u) => u !== undefined).map(String) : [];
  const named: string[] = [];
  for (
    let e = error as { message?: unknown; cause?: unknown } | undefined, depth = 0;
    e && depth < 4;
    e = e.cause as typeof e, depth++
  ) {
    for (const m of String(e.message ?? '').matchAll(/\bhttps?:\/\/[^\s'"()]+?\.(?:wasm|mjs)\b/g)) named.push(m[0]);
  }
  return [...new Set([...given, ...named])];
}

/**
 * When onnxruntime fails to start, checks its runtime files: one that is missing or is not what its
 * name says (an HTML fallback page served for a missing .wasm) is named, with what it answered.
 * Undefined when the files look right (the error is then the model's or ORT's own).
 */
async function runtimeLoadError(error: unknown): Promise<SpladeError | undefined> {
  for (const url of runtimeUrls(error)) {
    const probe = await probeUrl(url);
    const isWasm = /\.wasm(?:$|[?#])/.test(url);
    const wasmMagic =
      probe.head !== undefined &&
      probe.head[0] === 0 &&
      probe.head[1] === 0x61 &&
      probe.head[2] === 0x73 &&
      probe.head[3] === 0x6d;
    let problem: string | undefined;
    if (!probe.ok) problem = describeProbe(probe);
    else if (isWasm && (!wasmMagic || looksLikeHtml(probe)))
      problem = `${describeProbe(probe)}, which is not WebAssembly`;
    else if (!isWasm && notJavaScript(probe)) problem = `${describeProbe(probe)}, which is not JavaScript`;
    if (problem) {
      return new SpladeError(
        'runtime',
        `onnxruntime-web could not load its WebAssembly runtime: ${problem}; serve the files your bundler emitted for onnxruntime-web (${ORT_RUNTIME_BASENAME}.mjs and .wasm) with the page's other assets`,
        { cause: error },
      );
    }
  }
  return undefined;
}

/** The device made from a caller's GPUAdapter (an adapter gives one device), while it is not lost. */
let adapterDevice: { adapter: GPUAdapter; device: Promise<GPUDevice> } | undefined;

/**
 * A device of `adapter` for onnxruntime and the WGSL kernels to share. onnxruntime's native WebGPU
 * backend makes its own device from an adapter of its own choosing (`ort.env.webgpu.adapter` is
 * not used), so a caller's adapter is honoured by making the device here, as onnxruntime makes
 * its own: the adapter's limits for what its kernels and ours size by, and shader-f16 when offered.
 */
function deviceOf(adapter: GPUAdapter): Promise<GPUDevice> {
  if (adapterDevice?.adapter === adapter) return adapterDevice.device;
  const limits = [
    'maxBufferSize',
    'maxStorageBufferBindingSize',
    'maxComputeWorkgroupStorageSize',
    'maxComputeInvocationsPerWorkgroup',
    'maxComputeWorkgroupSizeX',
    'maxComputeWorkgroupSizeY',
    'maxComputeWorkgroupSizeZ',
    'maxComputeWorkgroupsPerDimension',
    'maxStorageBuffersPerShaderStage',
  ] as const;
  const requiredLimits: Record<string, number> = {};
  for (const key of limits) requiredLimits[key] = adapter.limits[key];
  const requiredFeatures = (['shader-f16', 'timestamp-query', 'subgroups'] as GPUFeatureName[]).filter((f) =>
    adapter.features.has(f),
  );
  // A spent adapter (one that already made a device: an adapter gives one) or one whose limits its
  // GPU cannot meet rejects; that is the caller's GPU failing to start, so it is told as such, and
  // device 'auto' then leaves for WASM as it does when onnxruntime's own device fails.
  const device = adapter
    .requestDevice({ requiredLimits, requiredFeatures, label: 'splade-web' })
    .catch((cause: unknown) => {
      const reason = String(cause instanceof Error ? cause.message : cause).split('\n')[0];
      throw new SpladeError(
        'gpu-unavailable',
        `the gpuAdapter option's adapter would not give a GPU device (${reason}); pass an adapter that has not made a device yet (an adapter gives one), or leave gpuAdapter out`,
        { cause },
      );
    });
  const entry = { adapter, device };
  adapterDevice = entry;
  device.then(
    (d) =>
      d.lost.then(() => {
        if (adapterDevice === entry) adapterDevice = undefined;
      }),
    () => {
      if (adapterDevice === entry) adapterDevice = undefined;
    },
  );
  return device;
}

export const webRuntime: Runtime = {
  name: 'onnxruntime-web',
  fallbackDevice: 'wasm',
  async autoDevice() {
    return (await hardwareGpuAvailable()) ? 'webgpu' : 'wasm';
  },
  async runsFp16(device: EncoderDevice, options: BackendOptions) {
    if (device !== 'webgpu') return true;
    // onnxruntime-web asks its device for 'shader-f16' when the adapter has it; without it, WGSL has
    // no f16 type and an fp16 graph cannot run on the GPU.
    try {
      const adapter =
        options.gpuAdapter ?? (await (globalThis.navigator as Navigator | undefined)?.gpu?.requestAdapter());
      return adapter?.features.has('shader-f16') === true;
    } catch {
      return false;
    }
  },
  buildStore(options: { cache?: boolean; cacheName?: string }) {
    return options.cache === false ? undefined : webBuildStore(options.cacheName ?? DEFAULT_CACHE_NAME);
  },
  async createBackend(
    model: Uint8Array,
    modelFile: string,
    device: EncoderDevice,
    options: BackendOptions,
    externalData?: readonly ExternalDataFile[],
    details?: ModelDetails,
  ) {
    if (device === 'cpu') device = 'wasm'; // in the browser the CPU is reached through WASM
    configureWasm(options.wasmThreads);
    if (device === 'webgpu') {
      if (!(globalThis.navigator as Navigator | undefined)?.gpu) {
        throw new SpladeError(
          'gpu-unavailable',
          "device 'webgpu' was requested but this browser has no WebGPU (navigator.gpu is missing; it needs a secure context); use device 'auto' or 'wasm'",
        );
      }
    }
    const gpuDevice = device === 'webgpu' && options.gpuAdapter ? await deviceOf(options.gpuAdapter) : undefined;
    try {
      return await createOrtBackend({
        ort: ort as never,
        model,
        modelFile,
        externalData,
        details,
        device,
        gpuDevice,
        pooling: options.pooling ?? 'gpu',
        createGpuPooler: (gpuDevice) => new GpuPooler(gpuDevice),
        createFusedHead: (gpuDevice, weights, weightFormat) =>
          FusedSpladeHead.create(gpuDevice, weights, { weightFormat }),
      });
    } catch (error) {
      throw (await runtimeLoadError(error)) ?? error;
    }
  },
};
