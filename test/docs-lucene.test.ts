/**
 * The OpenSearch export checked against a real engine core: scripts/lucene/LuceneCheck.java loads
 * the bulk file into Lucene's FeatureField (the field type behind OpenSearch rank_features) and
 * runs neural_sparse queries as BooleanQuery of FeatureField.newLinearQuery clauses; its top 10
 * must be the static index's top 10 (SparseIndex over the built folder, queries encoded by the
 * static query tokenizer the browser runs).
 *
 * Why they can differ, and by how much (E_d = sum_t q_t * w_dt with the exported float32 weights):
 *   - Lucene keeps 9 significant bits of each feature value, truncating (FeatureField stores the
 *     float's bits >>> 15), so each stored w' is in (w * (1 - 2^-8), w] and Lucene's score L_d is
 *     in (E_d * (1 - 2^-8), E_d] (the query weights are positive).
 *   - The static index quantizes weights to 8 bits against their posting block's max, each within
 *     max/510 (src/index/format/codec.ts), so |S_d - E_d| <= sum_t q_t * M_t / 510 over the
 *     document's query terms, M_t the term's largest weight in any document (>= any block max).
 *   - Both add float32 rounding in the sums: a relative 1e-6 covers it at these lengths.
 * So |L_d - S_d| <= D_d = 2^-8 * E_d + sum_t q_t * M_t / 510 + 1e-6 * E_d, and a document x of the
 * static top 10 may be missing from Lucene's top 10 (replaced by y) only if S_x - D_x <= S_y + D_y.
 * The test checks each side against E_d too, so a wrong export or a wrong bound shows on its own.
 *
 * Needs a JDK (javac, java) and Debian's liblucene8-java (/usr/share/java/lucene-core-*.jar);
 * .ci/run installs them. Without them the test fails in CI (CI set) and is skipped, loudly, elsewhere.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { build } from '../src/cli/build.ts';
import { exportIndex, openBuiltSite, type OpenedSite } from '../src/cli/export.ts';

const FIXTURE = 'test/fixtures/site';
const SOURCE = resolve('scripts/lucene/LuceneCheck.java');
const QUERIES = [
  'build a tree object from ls-tree output',
  'verify a signed tag with gpg',
  'count loose objects and disk space',
  'write the index as a tree',
  'markdown headings and notes',
  'packing objects into packs',
  'counting things',
  'unclosed tags broken markup',
  'git mktree missing objects',
  'verbose output of count-objects',
  'how the pages are laid out',
  'objects and trees',
  'prune packable garbage',
  'tag signature raw format',
];
const K = 10;

/** Where the JDK and lucene-core are, or why they are not usable. */
function findLucene(): { javac: string; java: string; jar: string } | { missing: string } {
  const home = process.env['JAVA_HOME'];
  const tool = (name: string) => (home && existsSync(join(home, 'bin', name)) ? join(home, 'bin', name) : name);
  const javac = tool('javac');
  const java = tool('java');
  for (const t of [javac, java]) {
    const r = spawnSync(t, ['-version'], { encoding: 'utf8' });
    if (r.error || r.status !== 0)
      return {
        missing: `${t} is not runnable (${r.error?.message ?? r.stderr.trim()}); install a JDK: apt-get install -y default-jdk-headless`,
      };
  }
  // Debian names the jar after the upstream version it was packaged from (liblucene8-java 8.8.1
  // ships lucene-core-8.7.0.jar), so look for any lucene-core jar of major version 8.
  const explicit = process.env['LUCENE_CORE_JAR'];
  if (explicit)
    return existsSync(explicit)
      ? { javac, java, jar: explicit }
      : { missing: `LUCENE_CORE_JAR=${explicit} does not exist` };
  const dir = '/usr/share/java';
  const jars = existsSync(dir)
    ? readdirSync(dir)
        .filter((n) => /^lucene-core-8[\d.]*\.jar$/.test(n))
        .sort()
    : [];
  if (!jars.length)
    return {
      missing: `no ${dir}/lucene-core-8*.jar; install Debian's Lucene 8: apt-get install -y liblucene8-java (or set LUCENE_CORE_JAR)`,
    };
  return { javac, java, jar: join(dir, jars[jars.length - 1]!) };
}

const lucene = findLucene();
if ('missing' in lucene && !process.env['CI']) console.warn(`docs-lucene.test.ts SKIPPED: ${lucene.missing}`);

describe.skipIf('missing' in lucene && !process.env['CI'])('the OpenSearch export in Lucene (FeatureField)', () => {
  const work = mkdtempSync(join(tmpdir(), 'splade-lucene-'));
  let opened: OpenedSite;
  let luceneHits: { hits: { id: string; score: number }[] }[];
  let queryVectors: { indices: Uint32Array; values: Float32Array }[];
  /** Section id -> token id -> exported weight. */
  const weights = new Map<string, Map<number, number>>();
  /** Token id -> its largest weight over all sections (bounds any posting block's max). */
  const termMax = new Map<number, number>();

  beforeAll(async () => {
    if ('missing' in lucene) throw new Error(`the Lucene check cannot run: ${lucene.missing}`);
    const site = join(work, 'site');
    const out = join(work, 'out');
    cpSync(FIXTURE, site, { recursive: true });
    await build({ site, out, cache: join(work, 'cache') });
    opened = await openBuiltSite(out);
    const bulk = join(work, 'opensearch.ndjson');
    await exportIndex({ dir: out, format: 'opensearch', out: bulk });

    // What Lucene is given, read back from the export (not from the index), for E_d.
    const idOf = new Map([...opened.vocabulary].map(([id, t]) => [t, id] as const));
    const rows = readFileSync(bulk, 'utf8').trim().split('\n');
    for (let k = 0; k < rows.length; k += 2) {
      const id = (JSON.parse(rows[k]!) as { index: { _id: string } }).index._id;
      const emb = (JSON.parse(rows[k + 1]!) as { emb: Record<string, number> }).emb;
      const m = new Map<number, number>();
      for (const [t, w] of Object.entries(emb)) {
        const term = idOf.get(t)!;
        m.set(term, w);
        termMax.set(term, Math.max(termMax.get(term) ?? 0, w));
      }
      weights.set(id, m);
    }

    // The export's own example query first, then the test queries in the same shape.
    const example = JSON.parse(readFileSync(join(work, 'opensearch.query.json'), 'utf8')) as {
      query: { neural_sparse: { emb: { query_tokens: Record<string, number> } } };
    };
    const exampleTokens = Object.entries(example.query.neural_sparse.emb.query_tokens)
      .map(([t, w]) => [idOf.get(t)!, w] as const)
      .sort((a, b) => a[0] - b[0]);
    queryVectors = [
      { indices: Uint32Array.from(exampleTokens, (p) => p[0]), values: Float32Array.from(exampleTokens, (p) => p[1]) },
    ];
    for (const q of QUERIES) queryVectors.push(await opened.tokenizer!.encodeQuery(q));
    const bodies = queryVectors.map((v) => {
      const tokens: Record<string, number> = Object.create(null) as Record<string, number>;
      v.indices.forEach((id, k) => (tokens[opened.vocabulary.get(id)!] = v.values[k]!));
      return JSON.stringify({ query: { neural_sparse: { emb: { query_tokens: tokens } } }, size: K });
    });
    const queries = join(work, 'queries.ndjson');
    writeFileSync(queries, `${bodies.join('\n')}\n`);

    const classes = join(work, 'classes');
    mkdirSync(classes);
    const compiled = spawnSync(lucene.javac, ['-d', classes, '-cp', lucene.jar, SOURCE], {
      encoding: 'utf8',
      timeout: 120_000,
    });
    if (compiled.status !== 0) throw new Error(`javac LuceneCheck.java failed:\n${compiled.stderr}`);
    const ran = spawnSync(
      lucene.java,
      ['-cp', `${lucene.jar}:${classes}`, 'LuceneCheck', join(work, 'opensearch.mapping.json'), bulk, queries],
      { encoding: 'utf8', timeout: 120_000 },
    );
    if (ran.status !== 0) throw new Error(`LuceneCheck failed:\n${ran.stderr}`);
    luceneHits = ran.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { hits: { id: string; score: number }[] });
  }, 300_000);
  afterAll(async () => {
    await opened?.index.dispose();
    rmSync(work, { recursive: true, force: true });
  });

  it(`gives the static index's top ${K} on ${QUERIES.length + 1} queries, within the 9-bit and 8-bit bound`, async () => {
    expect(luceneHits.length).toBe(queryVectors.length);
    let identical = 0;
    const swaps: string[] = [];
    let worstLucene = 0;
    let worstStatic = 0;
    for (let n = 0; n < queryVectors.length; n++) {
      const q = queryVectors[n]!;
      const qw = new Map(Array.from(q.indices, (id, k) => [id, q.values[k]!] as const));
      const exact = (id: string) => {
        let e = 0;
        for (const [t, w] of weights.get(id)!) e += (qw.get(t) ?? 0) * w;
        return e;
      };
      const quantBound = (id: string) => {
        let b = 0;
        for (const t of weights.get(id)!.keys()) if (qw.has(t)) b += (qw.get(t)! * termMax.get(t)!) / 510;
        return b;
      };
      const bound = (id: string) => 2 ** -8 * exact(id) + quantBound(id) + 1e-6 * exact(id);

      // Every matching section, so a document Lucene ranks in can be looked up on the static side.
      const all = await opened.index.search(q, { limit: weights.size });
      const S = new Map(all.map((h) => [h.id, h.score] as const));
      const staticTop = all.slice(0, K);
      const luceneTop = luceneHits[n]!.hits;
      expect(luceneTop.length).toBe(Math.min(K, all.length));
      expect(staticTop.length).toBeGreaterThan(0);

      // Each side against the exported weights, with its own error only.
      for (const h of luceneTop) {
        const e = exact(h.id);
        expect(h.score).toBeLessThanOrEqual(e * (1 + 1e-6));
        expect(h.score).toBeGreaterThanOrEqual(e * (1 - 2 ** -8) * (1 - 1e-6));
        worstLucene = Math.max(worstLucene, (e - h.score) / e);
      }
      for (const h of staticTop) {
        const e = exact(h.id);
        expect(Math.abs(h.score - e)).toBeLessThanOrEqual(quantBound(h.id) + 1e-6 * e);
        worstStatic = Math.max(worstStatic, Math.abs(h.score - e) / quantBound(h.id));
      }

      // The two top-k sets: any difference must be a swap the bound explains.
      const inLucene = new Set(luceneTop.map((h) => h.id));
      const inStatic = new Set(staticTop.map((h) => h.id));
      const onlyStatic = staticTop.filter((h) => !inLucene.has(h.id)).map((h) => h.id);
      const onlyLucene = luceneTop.filter((h) => !inStatic.has(h.id)).map((h) => h.id);
      expect(onlyStatic.length).toBe(onlyLucene.length);
      if (!onlyStatic.length) identical++;
      for (const x of onlyStatic)
        for (const y of onlyLucene) {
          const gap = S.get(x)! - (S.get(y) ?? 0);
          expect(
            gap,
            `query ${n}: ${x} (static ${S.get(x)}) lost to ${y} (static ${S.get(y)}) by more than the bound`,
          ).toBeLessThanOrEqual(bound(x) + bound(y));
          swaps.push(
            `query ${n}: static gap ${gap.toExponential(2)} <= bound ${(bound(x) + bound(y)).toExponential(2)}`,
          );
        }
    }
    console.log(
      `Lucene check: ${queryVectors.length} queries, ${identical} with identical top-${K} sets, ${swaps.length} swap(s) within the bound (${swaps.join('; ')}); ` +
        `Lucene below the exact score by at most ${(worstLucene * 100).toFixed(3)}% (9-bit bound ${(2 ** -8 * 100).toFixed(3)}%); ` +
        `static index error at most ${(worstStatic * 100).toFixed(1)}% of its 8-bit bound`,
    );
    expect(queryVectors.length).toBeGreaterThanOrEqual(10);
  });
});
