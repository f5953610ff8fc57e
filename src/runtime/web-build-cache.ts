/**
 * Built graphs kept in a page or worker (see src/model/build-cache.ts): the graph (`<buildId>.onnx`),
 * its external data concatenated in one file (`<buildId>.data`, split back into views of one buffer
 * on reading: one read, no copy per tensor) and `manifest.json`, which names the build in use and is
 * written last. In the origin private file system (OPFS) where the browser has it, else the Cache API.
 *
 * Why OPFS first (measured in Chromium 140 headless, a 440 MB weights file, persistent profile):
 * reading it back, which every later load does, takes 1.0-1.6 s from OPFS and 1.7-2.6 s from the
 * Cache API; writing it, once, 4.3-6.6 s to OPFS and 1.7-3.3 s to the Cache API. And in a
 * non-persistent (incognito) profile the Cache API refused the 440 MB put ("Unexpected internal
 * error") where OPFS took it. OPFS writes are atomic per file too: a writable stream's data replaces
 * the file only when the stream is closed, so an interrupted save leaves no half file under its name.
 */
import { checksum, OPFS_BUILDS_DIR, parseManifest, type BuildStore, type StoredBuild } from '../model/build-cache.ts';
import type { ExternalDataFile } from './types.ts';

/** Cache API keys of built graphs: `${CACHE_API_PREFIX}<slot>/<file>` in the model cache. */
const CACHE_API_PREFIX = 'https://splade-web.invalid/builds/';

/** The store a page or worker has, or undefined (no OPFS writable streams and no Cache API). */
export function webBuildStore(cacheName: string): BuildStore | undefined {
  const storage = (globalThis as { navigator?: { storage?: { getDirectory?: unknown } } }).navigator?.storage;
  const writable = (globalThis as { FileSystemFileHandle?: { prototype: object } }).FileSystemFileHandle?.prototype;
  if (typeof storage?.getDirectory === 'function' && writable && 'createWritable' in writable) return opfsStore();
  const caches = (globalThis as { caches?: CacheStorage }).caches;
  return caches ? cacheApiStore(caches, cacheName) : undefined;
}

/** The external data of a build, split out of its one data buffer (views: no copy). */
function splitData(buffer: ArrayBuffer, data: readonly { path: string; bytes: number }[]): ExternalDataFile[] {
  let at = 0;
  return data.map((d) => {
    const file = { path: d.path, data: new Uint8Array(buffer, at, d.bytes) };
    at += d.bytes;
    return file;
  });
}

function dataBytes(data: readonly { bytes: number }[]): number {
  return data.reduce((n, d) => n + d.bytes, 0);
}

function opfsStore(): BuildStore {
  const root = async (): Promise<FileSystemDirectoryHandle> =>
    (await navigator.storage.getDirectory()).getDirectoryHandle(OPFS_BUILDS_DIR, { create: true });
  const slotDir = async (slot: string, create = false) => (await root()).getDirectoryHandle(slot, { create });
  const removeSlot = async (slot: string) => (await root()).removeEntry(slot, { recursive: true }).catch(() => {});
  const readFile = async (dir: FileSystemDirectoryHandle, name: string): Promise<File> =>
    (await dir.getFileHandle(name)).getFile();
  const writeFile = async (dir: FileSystemDirectoryHandle, name: string, parts: readonly BlobPart[]) => {
    const stream = await (await dir.getFileHandle(name, { create: true })).createWritable();
    try {
      for (const part of parts) await stream.write(part);
      await stream.close(); // only now does the file hold the new content
    } catch (error) {
      await stream.abort().catch(() => {});
      throw error;
    }
  };

  return {
    kind: 'opfs',
    async manifest(slot) {
      let text: string;
      try {
        text = await (await readFile(await slotDir(slot), 'manifest.json')).text();
      } catch {
        return undefined;
      }
      const manifest = parseManifest(text);
      if (!manifest) await removeSlot(slot);
      return manifest;
    },
    async load(slot, manifest) {
      try {
        const dir = await slotDir(slot);
        const onnxFile = await readFile(dir, `${manifest.buildId}.onnx`);
        const dataFile = await readFile(dir, `${manifest.buildId}.data`);
        if (onnxFile.size === manifest.onnx.bytes && dataFile.size === dataBytes(manifest.data)) {
          const onnx = new Uint8Array(await onnxFile.arrayBuffer());
          if (checksum(onnx) === manifest.onnx.checksum) {
            return { manifest, onnx, externalData: splitData(await dataFile.arrayBuffer(), manifest.data) };
          }
        }
      } catch {
        // a file is missing or unreadable: the entry is broken
      }
      await removeSlot(slot);
      return undefined;
    },
    async save(slot, manifest, onnx, externalData): Promise<StoredBuild | undefined> {
      try {
        const dir = await slotDir(slot, true);
        await writeFile(
          dir,
          `${manifest.buildId}.data`,
          externalData.map((f) => f.data as BlobPart),
        );
        await writeFile(dir, `${manifest.buildId}.onnx`, [onnx as BlobPart]);
        await writeFile(dir, 'manifest.json', [JSON.stringify(manifest)]);
        // The manifest names this build now: the files of earlier ones go.
        const keep = new Set(['manifest.json', `${manifest.buildId}.onnx`, `${manifest.buildId}.data`]);
        const names: string[] = [];
        for await (const name of (dir as unknown as { keys(): AsyncIterable<string> }).keys()) names.push(name);
        for (const name of names) if (!keep.has(name)) await dir.removeEntry(name).catch(() => {});
      } catch {
        await removeSlot(slot); // quota, or storage cleared meanwhile: loads from memory this time
        return undefined;
      }
      return { manifest, onnx, externalData: [...externalData] };
    },
  };
}

function cacheApiStore(caches: CacheStorage, cacheName: string): BuildStore {
  const url = (slot: string, name: string) => `${CACHE_API_PREFIX}${slot}/${name}`;
  const open = () => caches.open(cacheName);
  const removeSlot = async (slot: string, manifest?: { buildId: string }) => {
    const cache = await open().catch(() => undefined);
    const names = ['manifest.json', ...(manifest ? [`${manifest.buildId}.onnx`, `${manifest.buildId}.data`] : [])];
    for (const name of names) await cache?.delete(url(slot, name)).catch(() => false);
  };
  return {
    kind: 'cache-api',
    async manifest(slot) {
      const hit = await (await open().catch(() => undefined))?.match(url(slot, 'manifest.json'));
      if (!hit) return undefined;
      const manifest = parseManifest(await hit.text());
      if (!manifest) await removeSlot(slot);
      return manifest;
    },
    async load(slot, manifest) {
      try {
        const cache = await open();
        const onnxHit = await cache.match(url(slot, `${manifest.buildId}.onnx`));
        const dataHit = await cache.match(url(slot, `${manifest.buildId}.data`));
        if (onnxHit && dataHit) {
          const onnx = new Uint8Array(await onnxHit.arrayBuffer());
          const data = await dataHit.arrayBuffer();
          if (
            onnx.byteLength === manifest.onnx.bytes &&
            checksum(onnx) === manifest.onnx.checksum &&
            data.byteLength === dataBytes(manifest.data)
          ) {
            return { manifest, onnx, externalData: splitData(data, manifest.data) };
          }
        }
      } catch {
        // unreadable: the entry is broken
      }
      await removeSlot(slot, manifest);
      return undefined;
    },
    async save(slot, manifest, onnx, externalData) {
      try {
        const cache = await open();
        const previous = await this.manifest(slot);
        // Each put is atomic; the manifest, put last, is what makes the build visible.
        const data = new Blob(externalData.map((f) => f.data as BlobPart));
        await cache.put(url(slot, `${manifest.buildId}.data`), new Response(data));
        await cache.put(url(slot, `${manifest.buildId}.onnx`), new Response(onnx as BlobPart));
        await cache.put(url(slot, 'manifest.json'), new Response(JSON.stringify(manifest)));
        if (previous && previous.buildId !== manifest.buildId) {
          await cache.delete(url(slot, `${previous.buildId}.onnx`)).catch(() => false);
          await cache.delete(url(slot, `${previous.buildId}.data`)).catch(() => false);
        }
      } catch {
        await removeSlot(slot, manifest);
        return undefined;
      }
      return { manifest, onnx, externalData: [...externalData] };
    },
  };
}
