/**
 * `splade-web build --jobs n` (issue 20 §3): the encode stage on worker threads. The dealing of units
 * (src/cli/encode-units.ts) as pure logic; real builds on the test site with 2 workers against
 * --jobs 1 (every written file and the stored vectors, byte for byte); failures in a worker (a model
 * that does not load, a text the encoder refuses, a worker that loaded another model) surfacing as
 * the single path's SpladeError with no worker thread left; abort; and the --jobs flag.
 */
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCommandLine } from '../src/cli/args.ts';
import { build, type BuildSummary } from '../src/cli/build.ts';
import { collectSections } from '../src/cli/collect.ts';
import { encodeOnWorkers, runningEncodeWorkers } from '../src/cli/encode-pool.ts';
import { dealingOrder, dealUnits, ENCODE_CALL, unitsOf, type EncodeUnit } from '../src/cli/encode-units.ts';
import { defaultJobs, encodeSections } from '../src/cli/encode.ts';
import { modelKeyOf } from '../src/cli/model-key.ts';
import type { EncodedVector } from '../src/encode/encoder.ts';
import { SpladeError } from '../src/errors.ts';
import { SparseEncoder } from '../src/node.ts';

const MODEL = join(process.cwd(), 'public/models/splade-tiny-en-if');
const work = mkdtempSync(join(tmpdir(), 'splade-jobs-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('units and dealing', () => {
  it('cuts texts into consecutive units of the single path’s size, costed by characters', () => {
    const texts = ['a', 'bb', 'ccc', 'dddd', 'eeeee'];
    expect(unitsOf(texts, 2)).toEqual([
      { start: 0, end: 2, cost: 3 },
      { start: 2, end: 4, cost: 7 },
      { start: 4, end: 5, cost: 5 },
    ]);
    expect(unitsOf([], 64)).toEqual([]);
    expect(() => unitsOf(texts, 0)).toThrow(RangeError);
  });

  it('deals the largest units first, ties in text order', () => {
    const units: EncodeUnit[] = [
      { start: 0, end: 1, cost: 5 },
      { start: 1, end: 2, cost: 9 },
      { start: 2, end: 3, cost: 5 },
      { start: 3, end: 4, cost: 1 },
    ];
    expect(dealingOrder(units).map((u) => u.start)).toEqual([1, 0, 2, 3]);
  });

  it('runs every unit once, a faster lane taking more, after each lane is ready', async () => {
    const units = Array.from({ length: 12 }, (_, k) => k);
    const byLane: number[][] = [[], []];
    const done: number[] = [];
    const readyAt: number[] = [];
    let started = 0;
    await dealUnits(
      units,
      2,
      async (lane, unit) => {
        started++;
        expect(readyAt[lane]).toBeDefined();
        byLane[lane]!.push(unit);
        await new Promise((r) => setTimeout(r, lane === 0 ? 1 : 25));
        return unit * 10;
      },
      (unit, result) => {
        expect(result).toBe(unit * 10);
        done.push(unit);
      },
      async (lane) => {
        readyAt[lane] = Date.now();
      },
    );
    expect(started).toBe(12);
    expect([...done].sort((a, b) => a - b)).toEqual(units);
    expect(byLane[0]!.length).toBeGreaterThan(byLane[1]!.length);
  });

  it('stops dealing at the first failure and rejects with it', async () => {
    const ran: number[] = [];
    const failure = new SpladeError('invalid-input', 'unit 3 is bad');
    const run = dealUnits(
      Array.from({ length: 20 }, (_, k) => k),
      2,
      async (_lane, unit) => {
        ran.push(unit);
        await new Promise((r) => setTimeout(r, 2));
        if (unit === 3) throw failure;
      },
      () => {},
    );
    await expect(run).rejects.toBe(failure);
    await new Promise((r) => setTimeout(r, 20));
    // Unit 3 failed while the other lane ran unit 4 at most: nothing was dealt after the failure.
    expect(Math.max(...ran)).toBeLessThanOrEqual(4);
  });

  it('rejects when a lane cannot get ready, and runs nothing for no units', async () => {
    const failure = new Error('load failed');
    await expect(
      dealUnits(
        [1, 2],
        2,
        async () => 0,
        () => {},
        async (lane) => {
          if (lane === 1) throw failure;
        },
      ),
    ).rejects.toBe(failure);
    let ran = 0;
    await dealUnits(
      [],
      4,
      async () => ran++,
      () => {},
    );
    expect(ran).toBe(0);
  });
});

describe('the default number of jobs', () => {
  it('is the cores for a model whose logits are pooled in JS, 1 for a graph that pools itself', async () => {
    const bundled = await SparseEncoder.fromPretrained(MODEL);
    expect(defaultJobs(bundled)).toBe(availableParallelism());
    await bundled.dispose();
    const built = await SparseEncoder.fromPretrained(
      './test/fixtures/hub/opensearch-project/opensearch-neural-sparse-encoding-doc-v3-gte',
    );
    const route = built.spec.document;
    expect(route.kind === 'mlm' && route.built?.tail).toBe('max');
    expect(defaultJobs(built)).toBe(1);
    await built.dispose();
  });
});

describe('--jobs', () => {
  it('takes a whole number ≥ 1 and refuses anything else', () => {
    expect(parseCommandLine(['build', 's', '--out', 'o', '--jobs', '2'])).toMatchObject({ jobs: 2 });
    expect(parseCommandLine(['build', 's', '--out', 'o', '--jobs=1'])).toMatchObject({ jobs: 1 });
    expect(parseCommandLine(['build', 's', '--out', 'o'])).not.toHaveProperty('jobs');
    for (const bad of ['0', '-1', '1.5', 'two', '2x', '']) {
      let error: unknown;
      try {
        parseCommandLine(['build', 's', '--out', 'o', `--jobs=${bad}`]);
      } catch (e) {
        error = e;
      }
      expect(error, bad).toBeInstanceOf(SpladeError);
      expect((error as SpladeError).code).toBe('invalid-option');
      expect((error as SpladeError).message).toMatch(/^--jobs takes (a whole number ≥ 1, got '.*'|<n>, got )/);
    }
  });
});

/** Every file under `dir` (relative path -> bytes). */
function filesOf(dir: string): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  for (const name of readdirSync(dir, { recursive: true }).map(String).sort()) {
    const path = join(dir, name);
    if (statSync(path).isFile()) files.set(name, readFileSync(path));
  }
  return files;
}

describe('a build on 2 workers', () => {
  const site = join(work, 'site');
  const runs: Record<'1' | '2', { summary: BuildSummary; progress: [number, number][]; lines: string[] }> = {} as never;

  beforeAll(async () => {
    cpSync('test/fixtures/site', site, { recursive: true });
    for (const jobs of [2, 1] as const) {
      const progress: [number, number][] = [];
      const lines: string[] = [];
      const summary = await build({
        site,
        out: join(work, `out-${jobs}`),
        cache: join(work, `cache-${jobs}`),
        batchSize: 8, // several units on the small site
        jobs,
        log: (line) => lines.push(line),
        progress: (done, total) => progress.push([done, total]),
      });
      runs[jobs] = { summary, progress, lines };
    }
  }, 300_000);

  it('encodes on 2 worker threads and writes the same files as --jobs 1, byte for byte', () => {
    const [one, two] = [runs[1], runs[2]];
    expect(two.summary.encoded).toBe(one.summary.encoded);
    expect(one.summary.encoded).toBeGreaterThan(16);
    expect(two.lines.some((l) => / on 2 threads /.test(l))).toBe(true);
    expect(one.lines.some((l) => / on \d+ threads /.test(l))).toBe(false);
    const a = filesOf(join(work, 'out-1'));
    const b = filesOf(join(work, 'out-2'));
    expect([...b.keys()]).toEqual([...a.keys()]);
    for (const [name, bytes] of a) expect(b.get(name)!.equals(bytes), name).toBe(true);
  });

  it('stores the same vectors in the vector cache', () => {
    const a = filesOf(join(work, 'cache-1'));
    const b = filesOf(join(work, 'cache-2'));
    expect([...b.keys()]).toEqual([...a.keys()]);
    for (const [name, bytes] of a) expect(b.get(name)!.equals(bytes), name).toBe(true);
  });

  it('reports progress as units complete: sections done rising to the total', () => {
    const { progress, summary } = runs[2];
    const total = summary.encoded;
    expect(progress.length).toBe(Math.ceil(total / 8));
    expect(progress.every(([, t]) => t === total)).toBe(true);
    const done = progress.map(([d]) => d);
    expect(done).toEqual([...done].sort((x, y) => x - y));
    expect(done.at(-1)).toBe(total);
  });
});

describe('failures and abort', () => {
  let encoder: SparseEncoder;
  let texts: string[];
  let modelKey: string;

  beforeAll(async () => {
    encoder = await SparseEncoder.fromPretrained(MODEL);
    const tokenizer = encoder.spec.document.tokenizer;
    const files = ['git/git-count-objects.html', 'git/git-mktree.html'].map((f) => join('test/fixtures/site', f));
    const { docs } = await collectSections('test/fixtures/site', files, '/', (ts) =>
      ts.map((t) => tokenizer.contentIds(t).length),
    );
    texts = docs.map((d) => d.text);
    modelKey = modelKeyOf(encoder);
  }, 120_000);
  afterAll(() => encoder.dispose());

  const pool = (overrides: Partial<Parameters<typeof encodeOnWorkers>[2]> = {}) => ({
    model: { source: MODEL },
    workers: 2,
    threads: 1,
    modelKey,
    ...overrides,
  });

  it('encodes units on workers exactly as the encoder call of the single path', async () => {
    const units = unitsOf(texts, 3);
    const got: EncodedVector[] = [];
    await encodeOnWorkers(texts, units, pool(), (unit, vectors) => {
      for (let k = unit.start; k < unit.end; k++) got[k] = vectors[k - unit.start]!;
    });
    expect(got.filter(Boolean)).toHaveLength(texts.length);
    for (const unit of units) {
      const expected = await encoder.encodeDocument(texts.slice(unit.start, unit.end), ENCODE_CALL);
      expected.forEach((v, j) => expect(got[unit.start + j]).toEqual(v));
    }
    expect(runningEncodeWorkers()).toBe(0);
  });

  it('a model that does not load: the loader’s own SpladeError, and no worker left', async () => {
    const missing = join(work, 'no-such-model');
    const expected = (await SparseEncoder.fromPretrained(missing).catch((e: unknown) => e)) as SpladeError;
    expect(expected).toBeInstanceOf(SpladeError);
    const error = await encodeOnWorkers(texts, unitsOf(texts, 3), pool({ model: { source: missing } }), () => {}).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(SpladeError);
    expect((error as SpladeError).code).toBe(expected.code);
    expect((error as SpladeError).message).toBe(expected.message);
    expect(runningEncodeWorkers()).toBe(0);
  });

  it('a text the encoder refuses: the same SpladeError as the encoder call in this thread, and no worker left', async () => {
    const bad = [...texts.slice(0, 5), 42 as unknown as string, ...texts.slice(5)];
    const expected = (await encoder
      .encodeDocument(bad.slice(3, 6), ENCODE_CALL)
      .catch((e: unknown) => e)) as SpladeError;
    expect(expected).toBeInstanceOf(SpladeError);
    const done: number[] = [];
    const error = await encodeOnWorkers(bad, unitsOf(bad, 3), pool(), (unit) => done.push(unit.start)).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(SpladeError);
    expect((error as SpladeError).code).toBe(expected.code);
    expect((error as SpladeError).message).toBe(expected.message);
    expect(done).not.toContain(3);
    expect(runningEncodeWorkers()).toBe(0);
  });

  it('a worker that loaded another model is refused', async () => {
    const error = await encodeOnWorkers(texts, unitsOf(texts, 3), pool({ modelKey: 'another' }), () => {}).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(SpladeError);
    expect((error as SpladeError).code).toBe('model-file-invalid');
    expect(runningEncodeWorkers()).toBe(0);
  });

  it('abort ends the workers and rejects with aborted', async () => {
    const controller = new AbortController();
    let units = 0;
    const error = await encodeOnWorkers(texts, unitsOf(texts, 2), pool({ signal: controller.signal }), () => {
      if (++units === 1) controller.abort();
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SpladeError);
    expect((error as SpladeError).code).toBe('aborted');
    expect(units).toBeLessThan(Math.ceil(texts.length / 2));
    expect(runningEncodeWorkers()).toBe(0);
    // Aborted before it starts: no worker at all.
    await expect(
      encodeOnWorkers(texts, unitsOf(texts, 2), pool({ signal: AbortSignal.abort() }), () => {}),
    ).rejects.toMatchObject({ code: 'aborted' });
  });

  it('encodeSections with jobs > 1 on a single unit encodes here, with the encoder given', async () => {
    const own = await SparseEncoder.fromPretrained(MODEL);
    const result = await encodeSections(own, texts.slice(0, 4), {
      cacheDir: join(work, 'one-unit-cache'),
      jobs: 2,
      model: { source: MODEL },
      log: () => {},
    });
    expect(result.workers).toBe(0);
    expect(result.encoded).toBe(4);
    await own.dispose();
  });

  it('a stopped encode keeps what it encoded: the rerun encodes only the rest, the same vectors', async () => {
    const cacheDir = join(work, 'stopped-cache');
    const own = await SparseEncoder.fromPretrained(MODEL);
    const controller = new AbortController();
    let reports = 0;
    const error = await encodeSections(own, texts, {
      cacheDir,
      batchSize: 2,
      signal: controller.signal,
      log: () => {},
      progress: () => {
        if (++reports === 2) controller.abort();
      },
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SpladeError);
    expect((error as SpladeError).code).toBe('aborted');
    const again = await encodeSections(own, texts, { cacheDir, batchSize: 2, log: () => {} });
    expect(again.reused).toBeGreaterThanOrEqual(4);
    expect(again.encoded).toBe(new Set(texts).size - 4);
    for (const t of texts) expect(again.cache.get(t)).toEqual((await own.encodeDocument([t], ENCODE_CALL))[0]);
    await own.dispose();
  });

  it('checkpoints the cache while encoding, not only at the end', async () => {
    const cacheDir = join(work, 'checkpoint-cache');
    const own = await SparseEncoder.fromPretrained(MODEL);
    const seen: number[] = [];
    await encodeSections(own, texts, {
      cacheDir,
      batchSize: 2,
      checkpointEvery: 1,
      log: () => {},
      progress: () => {
        // What the file held when this unit ended (the write of an earlier unit may still be under way).
        const file = existsSync(cacheDir) ? readdirSync(cacheDir).find((f) => f.endsWith('.json')) : undefined;
        seen.push(file ? Object.keys(JSON.parse(readFileSync(join(cacheDir, file), 'utf8')).entries).length : 0);
      },
    });
    expect(Math.max(...seen)).toBeGreaterThan(0);
    await own.dispose();
  });
});
