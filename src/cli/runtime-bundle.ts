/**
 * The query runtime's bytes (`<out>/splade.js`): the prebuilt bundle of an installed package
 * (dist/query-runtime/splade.js), or, in a source checkout without one, bundled here with Vite from
 * src/query/ (a few seconds, once per process).
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { SpladeError } from '../errors.ts';

let bundled: Promise<Uint8Array> | undefined;

export function runtimeBundle(): Promise<Uint8Array> {
  bundled ??= load();
  return bundled;
}

async function load(): Promise<Uint8Array> {
  for (const candidate of ['../query-runtime/splade.js', '../../dist/query-runtime/splade.js']) {
    const path = fileURLToPath(new URL(candidate, import.meta.url));
    // A source checkout's dist/ may be older than src/: use it only from an installed package.
    if (existsSync(path) && !import.meta.url.endsWith('.ts')) return new Uint8Array(await readFile(path));
  }
  try {
    const vite = await import('vite');
    // Reached only from a source checkout; the specifier is computed so that the library build
    // (which compiles this file into dist/) leaves the bundle config out.
    const configPath = '../query/bundle.config.ts';
    const config = (await import(/* @vite-ignore */ configPath)).default;
    const output = await vite.build({ ...config, configFile: false, build: { ...config.build, write: false } });
    const chunks = (Array.isArray(output) ? output : [output]).flatMap((o) => ('output' in o ? o.output : []));
    const chunk = chunks.find((c) => c.type === 'chunk' && c.fileName === 'splade.js');
    if (!chunk || chunk.type !== 'chunk') throw new Error('the bundle has no splade.js');
    return new TextEncoder().encode(chunk.code);
  } catch (cause) {
    throw new SpladeError('runtime', `could not bundle the query runtime (src/query/runtime.ts): ${(cause as Error).message}. Run \`npm run build:runtime\` in the package`, { cause });
  }
}
