/**
 * The file-system store (Node): one file per key under a directory, keys' slashes as folders.
 * Files are written to a temporary name and renamed, so a reader (or a crash) never sees half a
 * value; the index's manifest-last commits do the rest. What Node writes here is exactly what a
 * browser reads from IndexedDB or a static host.
 */
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import { SpladeError } from '../../errors.ts';
import type { WritableStore } from './types.ts';

/** Keys the format makes: letters, digits, `/`, `_`, `-`, `.` (never `..`). */
const SAFE_KEY = /^(?!.*(?:^|\/)\.\.?(?:\/|$))[A-Za-z0-9_./-]+$/;

export function openFileStore(directory: string): WritableStore {
  const pathOf = (key: string) => {
    if (!SAFE_KEY.test(key))
      throw new SpladeError(
        'invalid-input',
        `the key ${JSON.stringify(key)} cannot name a file; keys are letters, digits and / _ - .`,
      );
    return join(directory, ...key.split('/'));
  };
  const fail = (what: string, error: unknown) => {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOSPC' || code === 'EDQUOT')
      return new SpladeError(
        'quota-exceeded',
        `${what} failed: the disk is full (${code}); the last committed state is intact. Free space and retry`,
        { cause: error },
      );
    return new SpladeError('storage-failed', `${what} failed: ${(error as Error).message}`, { cause: error });
  };
  let closed = false;
  const check = () => {
    if (closed) throw new SpladeError('disposed', `the file store at ${directory} was closed`);
  };
  const read = async (key: string) => {
    check();
    try {
      const buffer = await readFile(pathOf(key));
      return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw fail(`reading ${key}`, error);
    }
  };
  return {
    get: read,
    getMany: (keys) => Promise.all(keys.map(read)),
    async setMany(entries) {
      check();
      let n = 0;
      for (const [key, value] of entries) {
        const path = pathOf(key);
        const temporary = `${path}.${process.pid}.${n++}.tmp`;
        try {
          await mkdir(dirname(path), { recursive: true });
          await writeFile(temporary, value);
          await rename(temporary, path);
        } catch (error) {
          await rm(temporary, { force: true }).catch(() => {});
          throw fail(`writing ${key}`, error);
        }
      }
    },
    async delMany(keys) {
      check();
      for (const key of keys) {
        try {
          await rm(pathOf(key), { force: true });
        } catch (error) {
          throw fail(`deleting ${key}`, error);
        }
      }
    },
    async keys() {
      check();
      const out: string[] = [];
      const walk = async (dir: string) => {
        let entries;
        try {
          entries = await readdir(dir, { withFileTypes: true });
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
          throw fail(`listing ${dir}`, error);
        }
        for (const e of entries) {
          const path = join(dir, e.name);
          if (e.isDirectory()) await walk(path);
          // A crash can leave a temporary file: listed, so the next commit's sweep removes it.
          else out.push(relative(directory, path).split(sep).join('/'));
        }
      };
      await walk(directory);
      return out;
    },
    deleted: false,
    acknowledgeDeleted() {},
    close() {
      closed = true;
    },
  };
}
