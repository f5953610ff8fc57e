/**
 * Built graphs kept on disk for Node (see src/model/build-cache.ts): under
 * `<cacheDir>/built/<slot>/`, a folder per build (`<buildId>/model.onnx` and its external data files,
 * named as the graph names them, so onnxruntime-node loads the model by path and reads the weights
 * from the files itself) and `manifest.json`, which names the build in use. A build is written into
 * `<buildId>.partial/` and renamed when complete, and the manifest replaced by rename after it, so a
 * crash leaves either the old entry or the new one, never half of one; files a crash left short
 * (renamed before their data reached the disk) fail the size check on reading, and are rebuilt.
 *
 * The cache folder: the `cacheDir` option, else $SPLADE_WEB_CACHE, else $XDG_CACHE_HOME/splade-web,
 * else ~/.cache/splade-web.
 */
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { checksum, parseManifest, type BuildStore } from '../model/build-cache.ts';

/** A `.partial` folder older than this was left by a process that died while writing. */
const STALE_PARTIAL_MS = 60 * 60 * 1000;

export function defaultCacheDir(): string {
  const env = process.env;
  if (env['SPLADE_WEB_CACHE']) return env['SPLADE_WEB_CACHE'];
  return join(env['XDG_CACHE_HOME'] || join(homedir(), '.cache'), 'splade-web');
}

export function fsBuildStore(cacheDir: string = defaultCacheDir()): BuildStore {
  const root = join(cacheDir, 'built');
  const slotDir = (slot: string) => join(root, slot);

  const removeSlot = (slot: string) => rm(slotDir(slot), { recursive: true, force: true }).catch(() => {});

  return {
    kind: 'fs',

    async manifest(slot) {
      let text: string;
      try {
        text = await readFile(join(slotDir(slot), 'manifest.json'), 'utf8');
      } catch {
        return undefined;
      }
      const manifest = parseManifest(text);
      if (!manifest) await removeSlot(slot);
      return manifest;
    },

    async load(slot, manifest) {
      const dir = join(slotDir(slot), manifest.buildId);
      try {
        const sizes = await Promise.all(manifest.data.map(async (d) => (await stat(join(dir, d.path))).size));
        const onnx = new Uint8Array(await readFile(join(dir, 'model.onnx')));
        const intact =
          sizes.every((size, k) => size === manifest.data[k]!.bytes) &&
          onnx.byteLength === manifest.onnx.bytes &&
          checksum(onnx) === manifest.onnx.checksum;
        if (intact) return { manifest, onnx, modelPath: join(dir, 'model.onnx') };
      } catch {
        // a file is missing: the entry is broken
      }
      await removeSlot(slot);
      return undefined;
    },

    async save(slot, manifest, onnx, externalData) {
      const dir = slotDir(slot);
      const partial = join(dir, `${manifest.buildId}.partial`);
      const done = join(dir, manifest.buildId);
      try {
        await mkdir(partial, { recursive: true });
        await writeFile(join(partial, 'model.onnx'), onnx);
        for (const file of externalData) await writeFile(join(partial, file.path), file.data);
        await rename(partial, done);
        await writeFile(join(dir, 'manifest.json.partial'), JSON.stringify(manifest));
        await rename(join(dir, 'manifest.json.partial'), join(dir, 'manifest.json'));
      } catch {
        await rm(partial, { recursive: true, force: true }).catch(() => {});
        return undefined; // e.g. a full disk: the model still loads from memory
      }
      await removeOthers(dir, manifest.buildId);
      return { manifest, onnx, modelPath: join(done, 'model.onnx') };
    },
  };
}

/** Removes the builds the manifest no longer names (and `.partial` folders a dead process left). */
async function removeOthers(dir: string, keep: string): Promise<void> {
  for (const name of await readdir(dir).catch(() => [] as string[])) {
    if (name === keep || name === 'manifest.json') continue;
    const path = join(dir, name);
    if (name.endsWith('.partial')) {
      const age = Date.now() - ((await stat(path).catch(() => undefined))?.mtimeMs ?? Date.now());
      if (age < STALE_PARTIAL_MS) continue; // another process may be writing it now
    }
    await rm(path, { recursive: true, force: true }).catch(() => {});
  }
}
