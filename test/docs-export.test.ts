/**
 * `splade-web export` in all four formats, checked against the shapes each engine documents
 * (OpenSearch rank_features + neural_sparse query_tokens; Elasticsearch sparse_vector +
 * sparse_vector query_vector; Qdrant sparse vectors with indices / values; Vespa mapped tensors
 * with sum(query(q) * attribute(..))), and by value: every exported document carries exactly the
 * vector the build stored for its section, read from the build's vector cache (written before the
 * pack files, so the check does not go through the code that reads the packs back).
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { build } from '../src/cli/build.ts';
import { exportIndex, openBuiltSite, vespaTensor, type OpenedSite } from '../src/cli/export.ts';

const FIXTURE = 'test/fixtures/site';
const work = mkdtempSync(join(tmpdir(), 'splade-export-'));
const site = join(work, 'site');
const out = join(work, 'out');
const cache = join(work, 'cache');
let opened: OpenedSite;
/** Section text -> token -> weight, as the build's vector cache holds it. */
let stored: (text: string) => Map<string, number>;
let sectionIds: string[];

/** NDJSON as the bulk APIs want it: one JSON value a line, each line ended by a newline (the last too). */
function lines(file: string): Record<string, unknown>[] {
  const text = readFileSync(file, 'utf8');
  expect(text.endsWith('\n')).toBe(true);
  return text
    .slice(0, -1)
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}
const json = (file: string) => JSON.parse(readFileSync(file, 'utf8')) as Record<string, any>;
const mapOf = (o: Record<string, number>) => new Map(Object.entries(o));

beforeAll(async () => {
  cpSync(FIXTURE, site, { recursive: true });
  await build({ site, out, cache });
  opened = await openBuiltSite(out);
  sectionIds = (await opened.index.export()).documents.map((d) => d.id);
  const [file] = readdirSync(cache).filter((n) => /^vectors-.*\.json$/.test(n));
  const entries = (
    JSON.parse(readFileSync(join(cache, file!), 'utf8')) as { entries: Record<string, [string, string]> }
  ).entries;
  const aligned = (s: string) => {
    const b = Buffer.from(s, 'base64');
    const copy = new Uint8Array(b.length);
    copy.set(b);
    return copy.buffer;
  };
  stored = (text) => {
    // The cache's key, as vector-cache.ts makes it (sha256 of the text, base64url, 32 characters).
    const entry = entries[createHash('sha256').update(text).digest('base64url').slice(0, 32)];
    if (!entry) throw new Error(`no cached vector for a section text starting ${JSON.stringify(text.slice(0, 40))}`);
    const indices = new Uint32Array(aligned(entry[0]));
    const values = new Float32Array(aligned(entry[1]));
    const m = new Map<string, number>();
    indices.forEach((id, k) => {
      if (values[k]! > 0) m.set(opened.vocabulary.get(id)!, values[k]!);
    });
    return m;
  };
}, 300_000);
afterAll(async () => {
  await opened?.close();
  rmSync(work, { recursive: true, force: true });
});

async function exported(format: string) {
  const file = join(work, `${format}.ndjson`);
  const r = await exportIndex({ dir: out, format, out: file });
  expect(r.documents).toBe(sectionIds.length);
  return { file, side: (suffix: string) => join(work, `${format}.${suffix}`), extra: r.extra };
}

/** The example query as the browser would make it: the first section's heading, through the static query tokenizer. */
async function exampleQuery(): Promise<Map<string, number>> {
  const first = (await opened.index.export()).documents[0]!;
  const path = (first.fields as { path: string[] }).path;
  const q = await opened.tokenizer!.encodeQuery(path[path.length - 1]!);
  return new Map(Array.from(q.indices, (id, k) => [opened.vocabulary.get(id)!, q.values[k]!] as const));
}

function expectVocabularyWeights(m: Map<string, number>) {
  expect(m.size).toBeGreaterThan(0);
  for (const [token, w] of m) {
    expect(token).not.toMatch(/^#\d+$/); // a vocabulary string, not a placeholder id
    expect(Number.isFinite(w) && w > 0).toBe(true);
    expect(Math.fround(w)).toBe(w); // float32 values, written exactly
  }
}

describe.each(['opensearch', 'elasticsearch'] as const)('%s', (format) => {
  it('mapping, bulk action/source pairs with {"emb":{token:weight}}, equal to the stored vectors', async () => {
    const { file, side } = await exported(format);
    const mapping = json(side('mapping.json'));
    expect(mapping.mappings.properties.emb).toEqual({
      type: format === 'opensearch' ? 'rank_features' : 'sparse_vector',
    });
    const rows = lines(file);
    expect(rows.length).toBe(2 * sectionIds.length);
    const seen: string[] = [];
    for (let k = 0; k < rows.length; k += 2) {
      const action = rows[k] as { index: { _index: string; _id: string } };
      expect(Object.keys(action)).toEqual(['index']);
      expect(action.index._index).toBe('splade');
      const source = rows[k + 1] as { url: string; title: string; text: string; emb: Record<string, number> };
      expect(action.index._id.startsWith(source.url)).toBe(true); // the section id: its URL, with ~n when an anchor repeats
      expect(typeof source.title).toBe('string');
      const m = mapOf(source.emb);
      expectVocabularyWeights(m);
      expect(m).toEqual(stored(source.text));
      seen.push(action.index._id);
    }
    expect(seen.sort()).toEqual([...sectionIds].sort());
  });

  it(
    format === 'opensearch'
      ? 'example query: neural_sparse with query_tokens'
      : 'example query: sparse_vector with query_vector',
    async () => {
      const { side } = await exported(format);
      const body = json(side('query.json'));
      const tokens =
        format === 'opensearch' ? body.query.neural_sparse.emb.query_tokens : body.query.sparse_vector.query_vector;
      if (format === 'elasticsearch') expect(body.query.sparse_vector.field).toBe('emb');
      expect(Object.keys(body.query)).toEqual([format === 'opensearch' ? 'neural_sparse' : 'sparse_vector']);
      expectVocabularyWeights(mapOf(tokens));
      expect(mapOf(tokens)).toEqual(await exampleQuery());
    },
  );
});

describe('qdrant', () => {
  it('collection with one sparse vector; points with ascending indices and the stored values', async () => {
    const { file, side } = await exported('qdrant');
    expect(json(side('collection.json'))).toEqual({ sparse_vectors: { text: {} } });
    const points = lines(file) as {
      id: number;
      vector: { text: { indices: number[]; values: number[] } };
      payload: { id: string; url: string; text: string };
    }[];
    expect(points.length).toBe(sectionIds.length);
    expect(points.map((p) => p.id)).toEqual(points.map((_, k) => k)); // unsigned integer ids, unique
    for (const p of points) {
      expect(Object.keys(p.vector)).toEqual(['text']);
      const { indices, values } = p.vector.text;
      expect(indices.length).toBe(values.length);
      for (let k = 1; k < indices.length; k++) expect(indices[k]!).toBeGreaterThan(indices[k - 1]!);
      for (const id of indices) expect(Number.isInteger(id) && id >= 0).toBe(true);
      const m = new Map(indices.map((id, k) => [opened.vocabulary.get(id)!, values[k]!] as const));
      expectVocabularyWeights(m);
      expect(m).toEqual(stored(p.payload.text));
    }
    expect(points.map((p) => p.payload.id).sort()).toEqual([...sectionIds].sort());
    const q = json(side('query.json'));
    expect(q.using).toBe('text');
    expect(q.limit).toBe(10);
    const { indices, values } = q.query as { indices: number[]; values: number[] };
    for (let k = 1; k < indices.length; k++) expect(indices[k]!).toBeGreaterThan(indices[k - 1]!);
    expect(new Map(indices.map((id, k) => [opened.vocabulary.get(id)!, values[k]!] as const))).toEqual(
      await exampleQuery(),
    );
  });
});

/** Reads back a literal written by vespaTensor: `{{t:'a'}:1.5,{t:"'"}:2}`. */
function parseVespaTensor(s: string): Map<string, number> {
  expect(s.startsWith('{') && s.endsWith('}')).toBe(true);
  const m = new Map<string, number>();
  const cell = /\{t:(?:'([^']*)'|"([^"]*)")\}:([-+0-9.eE]+)(,|$)/y;
  const body = s.slice(1, -1);
  cell.lastIndex = 0;
  while (cell.lastIndex < body.length) {
    const r = cell.exec(body);
    if (!r)
      throw new Error(
        `not a mapped tensor literal at ${cell.lastIndex}: ${body.slice(cell.lastIndex, cell.lastIndex + 30)}`,
      );
    m.set(r[1] ?? r[2]!, Number(r[3]));
  }
  return m;
}

describe('vespa', () => {
  it('schema with a tensor<float>(t{}) field and sum(query(q) * attribute(emb)); puts with mapped cells', async () => {
    const { file, side } = await exported('vespa');
    const sd = readFileSync(side('sd'), 'utf8');
    expect(sd).toMatch(/^schema section \{\n {2}document section \{/);
    expect(sd).toContain('field emb type tensor<float>(t{}) { indexing: attribute }');
    expect(sd).toMatch(/inputs \{ query\(q\) tensor<float>\(t\{\}\) \}/);
    expect(sd).toContain('first-phase { expression: sum(query(q) * attribute(emb)) }');
    expect(sd).not.toMatch(/field id type/); // `id` is reserved in Vespa schemas
    const puts = lines(file) as {
      put: string;
      fields: { section_id: string; text: string; emb: { cells: Record<string, number> } };
    }[];
    expect(puts.length).toBe(sectionIds.length);
    expect(new Set(puts.map((p) => p.put)).size).toBe(puts.length);
    for (const p of puts) {
      expect(p.put).toMatch(/^id:splade:section::\d+$/); // namespace splade, document type section
      expect(Object.keys(p.fields.emb)).toEqual(['cells']);
      const m = mapOf(p.fields.emb.cells);
      expectVocabularyWeights(m);
      expect(m).toEqual(stored(p.fields.text));
      // Every document field the put sets is declared in the schema.
      for (const f of Object.keys(p.fields)) expect(sd).toMatch(new RegExp(`field ${f} type `));
    }
    expect(puts.map((p) => p.fields.section_id).sort()).toEqual([...sectionIds].sort());
    const q = json(side('query.json'));
    expect(q.ranking).toBe('splade');
    expect(q.yql).toBe('select * from section where true');
    expect(typeof q['input.query(q)']).toBe('string');
    expect(parseVespaTensor(q['input.query(q)'])).toEqual(await exampleQuery());
  });

  it('quotes labels so punctuation tokens survive', () => {
    const cells = { '.': 1.5, "'": 2, ',': 0.25, '}': 3, '##s': 0.5 };
    expect(vespaTensor(cells)).toBe(`{{t:'.'}:1.5,{t:"'"}:2,{t:','}:0.25,{t:'}'}:3,{t:'##s'}:0.5}`);
    expect(parseVespaTensor(vespaTensor(cells))).toEqual(mapOf(cells));
  });
});

describe('the command line', () => {
  const cli = (...args: string[]) =>
    spawnSync(process.execPath, ['src/cli/bin.mjs', ...args], { encoding: 'utf8', timeout: 120_000 });

  it('writes the bulk file and names the side files; a wrong format or folder is a clear error', () => {
    let r = cli('export', out, '--format', 'qdrant', '--out', join(work, 'cli.ndjson'));
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`${sectionIds.length} documents as qdrant bulk input`));
    expect(r.stdout).toContain('cli.collection.json');
    r = cli('export', out, '--format', 'solr', '--out', join(work, 'x.ndjson'));
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--format "solr" is not one of opensearch, elasticsearch, qdrant, vespa/);
    r = cli('export', join(work, 'nothing-here'), '--format', 'vespa', '--out', join(work, 'x.ndjson'));
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/splade-entry\.json cannot be read/);
  }, 120_000);
});
