/**
 * Downloaded model files kept on disk for Node, which has no Cache API: the few calls
 * src/model/source.ts makes of one (match / put / delete by URL), in `<cacheDir>/files/<cache name>/`,
 * so hub ids revalidate with conditional requests (an unchanged file costs a 304, not a download)
 * and load offline after one visit, as in a page. Each entry is a body file and a JSON file of its
 * status, headers and body size, both written under temporary names and renamed, the JSON last: an
 * entry whose body does not have the size its JSON says is treated as absent.
 */
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { checksum } from '../model/build-cache.ts';
import type { ResponseCache, ResponseCaches } from '../model/source.ts';

interface EntryMeta {
  url: string;
  status: number;
  headers: [string, string][];
  bytes: number;
}

export function fsFileCaches(cacheDir: string): ResponseCaches {
  const root = join(cacheDir, 'files');
  const folder = (name: string) => join(root, name.replace(/[^A-Za-z0-9_.-]/g, '_'));
  return {
    async open(name) {
      return fsFileCache(folder(name));
    },
    async delete(name) {
      await rm(folder(name), { recursive: true, force: true });
      return true;
    },
  };
}

function fsFileCache(dir: string): ResponseCache {
  const paths = (url: string) => {
    const key = checksum(url);
    return { meta: join(dir, `${key}.json`), body: join(dir, `${key}.bin`) };
  };
  return {
    async match(url) {
      const { meta, body } = paths(url);
      try {
        const entry = JSON.parse(await readFile(meta, 'utf8')) as EntryMeta;
        const bytes = await readFile(body);
        if (entry.url !== url || bytes.byteLength !== entry.bytes) return undefined;
        const empty = entry.status === 204 || entry.status === 304 || entry.status === 404;
        return new Response(empty ? null : bytes, { status: entry.status, headers: entry.headers });
      } catch {
        return undefined;
      }
    },
    async put(url, response) {
      const { meta, body } = paths(url);
      const bytes = new Uint8Array(await response.arrayBuffer());
      const entry: EntryMeta = {
        url,
        status: response.status,
        headers: [...response.headers],
        bytes: bytes.byteLength,
      };
      const tag = `.${process.pid}.${Date.now()}.partial`;
      await mkdir(dir, { recursive: true });
      await writeFile(body + tag, bytes);
      await writeFile(meta + tag, JSON.stringify(entry));
      await rename(body + tag, body);
      await rename(meta + tag, meta);
    },
    async delete(url) {
      const { meta, body } = paths(url);
      await rm(meta, { force: true });
      await rm(body, { force: true });
      return true;
    },
  };
}
