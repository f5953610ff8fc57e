/**
 * The browser modules a built site loads, as bytes:
 *   splade.js           the query runtime (runtimeBundle): src/site/runtime.ts, no onnxruntime
 *   splade-search.js    the <splade-search> element (widgetBundle): src/widget/script.ts
 *   splade-encoder.js   the symmetric-model query encoder (encoderBundle): src/site/model-encoder.ts
 *                       with onnxruntime-web, written only for sites built with such a model
 * Each is the prebuilt bundle of an installed package (dist/query-runtime/, dist/cdn/), or, in a
 * source checkout without one, bundled here with Vite from src/ (a few seconds, once per process).
 * ortRuntimeFiles() reads onnxruntime-web's Emscripten module and WebAssembly from the installed package.
 */
import { existsSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SpladeError } from '../errors.ts';
import { ORT_RUNTIME_BASENAME } from '../runtime/ort-files.ts';

interface Bundle {
  file: string;
  /** The folder of dist/ an installed package holds it in. */
  dir: string;
  config: string;
  source: string;
}

const RUNTIME: Bundle = {
  file: 'splade.js',
  dir: 'query-runtime',
  config: '../site/bundle.config.ts',
  source: 'src/site/runtime.ts',
};
const ENCODER: Bundle = {
  file: 'splade-encoder.js',
  dir: 'query-runtime',
  config: '../site/encoder.config.ts',
  source: 'src/site/model-encoder.ts',
};
const bundled = new Map<string, Promise<Uint8Array>>();

export function runtimeBundle(): Promise<Uint8Array> {
  return bundleOf(RUNTIME);
}

export function encoderBundle(): Promise<Uint8Array> {
  return bundleOf(ENCODER);
}

const WIDGET: Bundle = {
  file: 'splade-search.js',
  dir: 'cdn',
  config: '../widget/bundle.config.ts',
  source: 'src/widget/script.ts',
};

/** The <splade-search> element (src/widget/), which imports splade.js beside it when first opened. */
export function widgetBundle(): Promise<Uint8Array> {
  return bundleOf(WIDGET);
}

/** onnxruntime-web's own file names, which the encoder module falls back to. */
export const ORT_RUNTIME_FILES = {
  mjs: `${ORT_RUNTIME_BASENAME}.mjs`,
  wasm: `${ORT_RUNTIME_BASENAME}.wasm`,
} as const;

/** The installed onnxruntime-web's runtime files (the build the library loads, src/runtime/ort-files.ts). */
export async function ortRuntimeFiles(): Promise<{ mjs: Uint8Array; wasm: Uint8Array }> {
  let dist: string;
  try {
    dist = join(dirname(createRequire(import.meta.url).resolve(`onnxruntime-web/${ORT_RUNTIME_FILES.wasm}`)));
  } catch (cause) {
    throw new SpladeError(
      'runtime',
      `onnxruntime-web is not installed where splade-web can find it (${(cause as Error).message}); a site built with a symmetric model needs its ${ORT_RUNTIME_FILES.mjs} and ${ORT_RUNTIME_FILES.wasm} (npm install onnxruntime-web@1.30.0)`,
      { cause },
    );
  }
  const read = async (name: string) => {
    const path = join(dist, name);
    if (!existsSync(path))
      throw new SpladeError('runtime', `onnxruntime-web's ${name} is missing from ${dist}; reinstall onnxruntime-web`, {
        file: path,
      });
    return new Uint8Array(await readFile(path));
  };
  return { mjs: await read(ORT_RUNTIME_FILES.mjs), wasm: await read(ORT_RUNTIME_FILES.wasm) };
}

function bundleOf(bundle: Bundle): Promise<Uint8Array> {
  let pending = bundled.get(bundle.file);
  if (!pending) {
    pending = load(bundle);
    bundled.set(bundle.file, pending);
    pending.catch(() => bundled.delete(bundle.file)); // a failed bundle is tried again
  }
  return pending;
}

async function load(bundle: Bundle): Promise<Uint8Array> {
  for (const candidate of [`../${bundle.dir}/${bundle.file}`, `../../dist/${bundle.dir}/${bundle.file}`]) {
    const path = fileURLToPath(new URL(candidate, import.meta.url));
    // A source checkout's dist/ may be older than src/: use it only from an installed package.
    if (existsSync(path) && !import.meta.url.endsWith('.ts')) return new Uint8Array(await readFile(path));
  }
  // A source checkout bundles from src/; the result is kept under node_modules/.cache by the hash of
  // every source file, so a run after the first (a rebuild, a benchmark) does not bundle again.
  const cached = await checkoutCache(bundle);
  if (cached.bytes) return cached.bytes;
  try {
    const vite = await import('vite');
    // Reached only from a source checkout; the specifier is computed so that the library build
    // (which compiles this file into dist/) leaves the bundle config out.
    const configPath = bundle.config;
    const config = (await import(/* @vite-ignore */ configPath)).default;
    const output = await vite.build({ ...config, configFile: false, build: { ...config.build, write: false } });
    const chunks = (Array.isArray(output) ? output : [output]).flatMap((o) => ('output' in o ? o.output : []));
    const chunk = chunks.find((c) => c.type === 'chunk' && c.fileName === bundle.file);
    if (!chunk || chunk.type !== 'chunk') throw new Error(`the bundle has no ${bundle.file}`);
    const bytes = new TextEncoder().encode(chunk.code);
    await cached.save(bytes);
    return bytes;
  } catch (cause) {
    throw new SpladeError(
      'runtime',
      `could not bundle ${bundle.file} (${bundle.source}): ${(cause as Error).message}. Run \`npm run build:lib\` in the package`,
      { cause },
    );
  }
}

/** src/ (this file is src/cli/runtime-bundle.ts in a checkout); no `new URL()` literal, which the library build would try to map. */
const SRC = `${dirname(dirname(fileURLToPath(import.meta.url)))}/`;
let sourceHash: Promise<string | undefined> | undefined;

/** One hash of every file under src/ and the lock file, read once per process for all bundles; undefined when the tree cannot be read. */
function sourceTreeHash(): Promise<string | undefined> {
  sourceHash ??= (async () => {
    const hash = createHash('sha256');
    try {
      const files = (await readdir(SRC, { recursive: true, withFileTypes: true }))
        .filter((e) => e.isFile())
        .map((e) => join(e.parentPath ?? (e as { path?: string }).path ?? SRC, e.name))
        .sort();
      for (const f of files) hash.update(f.slice(SRC.length)).update(await readFile(f));
      // What the bundles inline from node_modules (onnxruntime-web, idb-keyval, ...) is pinned by the lock file.
      const lock = join(dirname(SRC), 'package-lock.json');
      if (existsSync(lock)) hash.update(await readFile(lock));
      return hash.digest('hex');
    } catch {
      return undefined;
    }
  })();
  return sourceHash;
}

/** The checkout's bundle cache entry for `bundle`: its bytes when src/ has not changed since, and a way to keep new ones. */
async function checkoutCache(bundle: Bundle): Promise<{ bytes?: Uint8Array; save(bytes: Uint8Array): Promise<void> }> {
  const tree = await sourceTreeHash();
  if (!tree) return { save: async () => {} }; // unreadable tree: bundle every time
  const root = dirname(SRC);
  const key = createHash('sha256').update(bundle.file).update(tree).digest('hex');
  const file = join(
    root,
    'node_modules',
    '.cache',
    'splade-web',
    `${bundle.file.replace(/\.js$/, '')}.${key.slice(0, 16)}.js`,
  );
  const bytes = existsSync(file) ? new Uint8Array(await readFile(file)) : undefined;
  return {
    ...(bytes ? { bytes } : {}),
    async save(data) {
      try {
        await mkdir(dirname(file), { recursive: true });
        await writeFile(file, data);
      } catch {
        /* a read-only checkout bundles again next time */
      }
    },
  };
}
