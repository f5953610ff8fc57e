/**
 * Vectors of earlier builds, by the hash of a section's text, one file per model (its key hashes
 * the model's bytes and settings): a rebuild encodes only sections whose text changed. The file is
 * rewritten after each build with the sections that build used, so it never grows past the site.
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { EncodedVector } from '../encode/encoder.ts';

type Stored = [indices: string, values: string, spans: string | null, literal: string | null];

const VERSION = 1;

export class VectorCache {
  private constructor(
    private readonly file: string,
    private readonly stored: Map<string, Stored>,
    private readonly fresh = new Map<string, EncodedVector>(),
  ) {}

  static async open(dir: string, modelKey: string): Promise<VectorCache> {
    const file = join(dir, `vectors-${modelKey}.json`);
    let stored = new Map<string, Stored>();
    try {
      const data = JSON.parse(await readFile(file, 'utf8')) as { version?: number; entries?: Record<string, Stored> };
      if (data.version === VERSION && data.entries) stored = new Map(Object.entries(data.entries));
    } catch {
      // No cache yet, or an unreadable one: every section is encoded (and the cache rewritten).
    }
    return new VectorCache(file, stored);
  }

  has(text: string): boolean {
    const k = keyOf(text);
    return this.fresh.has(k) || this.stored.has(k);
  }

  get(text: string): EncodedVector | undefined {
    const k = keyOf(text);
    const f = this.fresh.get(k);
    if (f) return f;
    const s = this.stored.get(k);
    if (!s) return undefined;
    const v: EncodedVector = {
      indices: new Uint32Array(bytes(s[0]).buffer),
      values: new Float32Array(bytes(s[1]).buffer),
    };
    if (s[2] && s[3]) Object.assign(v, { spans: new Uint32Array(bytes(s[2]).buffer), literal: bytes(s[3]) });
    this.fresh.set(k, v);
    return v;
  }

  set(text: string, vector: EncodedVector): void {
    this.fresh.set(keyOf(text), vector);
  }

  /** Writes the vectors of `texts` (the sections of this build), atomically. */
  async save(texts: ReadonlySet<string>): Promise<void> {
    const entries: Record<string, Stored> = {};
    for (const t of texts) {
      const v = this.get(t);
      if (!v) continue;
      entries[keyOf(t)] = [
        b64(v.indices),
        b64(v.values),
        v.spans ? b64(v.spans) : null,
        v.literal ? b64(v.literal) : null,
      ];
    }
    await mkdir(join(this.file, '..'), { recursive: true });
    const temporary = `${this.file}.${process.pid}.tmp`;
    await writeFile(temporary, JSON.stringify({ version: VERSION, entries }));
    await rename(temporary, this.file);
  }
}

function keyOf(text: string): string {
  return createHash('sha256').update(text).digest('base64url').slice(0, 32);
}

function b64(a: Uint32Array | Float32Array | Uint8Array): string {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64');
}

/** Bytes in a fresh, aligned buffer (typed-array views need 4-byte alignment). */
function bytes(s: string): Uint8Array {
  const b = Buffer.from(s, 'base64');
  const out = new Uint8Array(b.length);
  out.set(b);
  return out;
}
