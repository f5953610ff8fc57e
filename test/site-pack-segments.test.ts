/**
 * A built site's index is one segment however many sections it has (src/cli/pack.ts): every segment
 * is one more dictionary lookup and posting list per query term in a cold query, so a static index,
 * written once, is not cut at the engine's commit size (DEFAULT_COMMIT_SIZE documents) as an
 * IndexedDB index being filled is.
 */
import { describe, expect, it } from 'vitest';
import { packIndex } from '../src/cli/pack.ts';
import { DEFAULT_COMMIT_SIZE } from '../src/index/engine/types.ts';

describe('packIndex', () => {
  it('writes one segment for more sections than the engine commits at once', async () => {
    const sections = DEFAULT_COMMIT_SIZE + 5;
    const docs = Array.from({ length: sections }, (_, k) => ({
      id: `p${k >> 2}.html#s${k & 3}`,
      text: `section ${k}`,
      fields: {},
    }));
    const vectors = new Map(
      docs.map((d, k) => [
        d.text,
        { indices: Uint32Array.of(k % 97, 100 + (k % 13)), values: Float32Array.of(1, 0.5) },
      ]),
    );
    const plan = await packIndex(docs, (text) => vectors.get(text), {
      model: 'test',
      sectionsPerPage: Array.from({ length: Math.ceil(sections / 4) }, (_, p) => Math.min(4, sections - 4 * p)),
    });
    expect(plan.layout.manifest.docs).toBe(sections);
    expect(plan.layout.manifest.segments).toHaveLength(1);
  }, 120_000);
});
