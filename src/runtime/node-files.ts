/**
 * Local model files for Node, read by byte range through a file handle (src/model/ranged.ts), so a
 * safetensors file is converted tensor by tensor without being read whole. A file's version (the
 * build cache's key) is the SHA-256 of its content, streamed.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { SpladeError } from '../errors.ts';
import type { RangedFile } from '../model/ranged.ts';

export async function openLocalFile(path: string): Promise<RangedFile | undefined> {
  let handle;
  try {
    handle = await open(path, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new SpladeError('model-not-found', `could not read ${path}: ${(error as Error).message}`, {
      file: path,
      cause: error,
    });
  }
  const file = handle;
  const size = (await file.stat()).size;
  let hash: Promise<string> | undefined;
  return {
    path,
    size,
    async read(begin, end) {
      if (begin < 0 || end > size || begin > end)
        throw new RangeError(`read of bytes ${begin}..${end} outside ${path} (${size} bytes)`);
      const out = new Uint8Array(end - begin);
      for (let at = 0; at < out.length;) {
        const { bytesRead } = await file.read(out, at, out.length - at, begin + at);
        if (bytesRead === 0)
          throw new SpladeError(
            'model-file-invalid',
            `${path} ended at byte ${begin + at} while bytes up to ${end} were read`,
            {
              file: path,
            },
          );
        at += bytesRead;
      }
      return out;
    },
    version() {
      hash ??= contentHash(path);
      return hash;
    },
    close: () => file.close(),
  };
}

/** `sha256:<hex>` of a file's content. */
export function contentHash(path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    createReadStream(path, { highWaterMark: 1 << 20 })
      .on('data', (chunk) => hash.update(chunk))
      .on('error', reject)
      .on('end', () => resolve(`sha256:${hash.digest('hex')}`));
  });
}
