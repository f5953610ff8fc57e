/**
 * `splade-web export` of a site built with a symmetric model (public/models/splade-tiny-ko, a
 * Unigram vocabulary): token keys are the Korean model's vocabulary strings (checked against its
 * tokenizer.json, read here on its own), every document carries the vector the build stored, the
 * example query is the model's own query vector (SparseEncoder on onnxruntime-node), and a broken
 * folder (no entry, no model folder) fails from the command line with one line and a non-zero
 * exit code, without hanging.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { build } from '../src/cli/build.ts';
import {
  exportIndex,
  openBuiltSite,
  tokenizerVocabulary,
  vespaQuotable,
  vespaTensor,
  type OpenedSite,
} from '../src/cli/export.ts';
import { SparseEncoder } from '../src/node.ts';
import type { ModelQuery } from '../src/site/site.ts';

const MODEL = 'public/models/splade-tiny-ko';
const work = mkdtempSync(join(tmpdir(), 'splade-export-model-'));
const site = join(work, 'site');
const out = join(work, 'out');
const cache = join(work, 'cache');
let opened: OpenedSite;
let sectionIds: string[];
/** The Korean model's vocabulary, id -> string, from its tokenizer.json (Unigram: [token, score] at position id). */
let vocab: string[];
/** Section text -> token -> weight, as the build's vector cache holds it. */
let stored: (text: string) => Map<string, number>;
let firstHeading: string;

const page = (title: string, sections: [string, string, string][]) =>
  `<!DOCTYPE html><html lang="ko"><head><meta charset="utf-8"><title>${title}</title></head><body><main><h1>${title}</h1>${sections.map(([id, h, p]) => `<h2 id="${id}">${h}</h2><p>${p}</p>`).join('')}</main></body></html>`;

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
const HANGUL = /[\uac00-\ud7a3]/;

beforeAll(async () => {
  mkdirSync(join(site, 'tools'), { recursive: true });
  writeFileSync(
    join(site, 'layers.html'),
    page('레이어', [
      ['new', '새 레이어 만들기', '레이어 메뉴에서 새 레이어를 만들고 이름과 크기를 정합니다.'],
      ['mask', '레이어 마스크', '마스크를 추가하면 레이어의 일부를 투명하게 만들 수 있습니다.'],
    ]),
  );
  writeFileSync(
    join(site, 'tools', 'crop.html'),
    page('자르기 도구', [
      ['use', '이미지 자르기', '자르기 도구로 이미지의 가장자리를 잘라 냅니다.'],
      ['keys', '단축키', 'Shift+C 를 누르면 자르기 도구가 선택됩니다.'],
    ]),
  );
  writeFileSync(
    join(site, 'filters.html'),
    page('필터', [['blur', '흐림 효과', '가우시안 흐림 필터는 이미지를 부드럽게 만듭니다.']]),
  );
  await build({ site, out, model: MODEL, cache });
  const t = JSON.parse(readFileSync(join(MODEL, 'tokenizer.json'), 'utf8')) as {
    model: { type: string; vocab: [string, number][] };
    added_tokens: { id: number; content: string }[];
  };
  expect(t.model.type).toBe('Unigram');
  vocab = t.model.vocab.map(([token]) => token);
  for (const a of t.added_tokens) vocab[a.id] = a.content;
  opened = await openBuiltSite(out);
  expect(opened.entry.query.kind).toBe('model');
  const documents = (await opened.index.export()).documents;
  sectionIds = documents.map((d) => d.id);
  const path = (documents[0]!.fields as { path: string[] }).path;
  firstHeading = path[path.length - 1]!;
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
    const entry = entries[createHash('sha256').update(text).digest('base64url').slice(0, 32)];
    if (!entry) throw new Error(`no cached vector for a section text starting ${JSON.stringify(text.slice(0, 40))}`);
    const indices = new Uint32Array(aligned(entry[0]));
    const values = new Float32Array(aligned(entry[1]));
    const m = new Map<string, number>();
    indices.forEach((id, k) => {
      if (values[k]! > 0) m.set(vocab[id]!, values[k]!);
    });
    return m;
  };
}, 300_000);
afterAll(async () => {
  await opened?.close();
  rmSync(work, { recursive: true, force: true });
});

/** The example query as the browser makes it on a model site: the first heading through the model (here on onnxruntime-node). */
async function exampleQuery(): Promise<Map<string, number>> {
  const encoder = await SparseEncoder.fromPretrained(join(process.cwd(), MODEL));
  try {
    const q = await encoder.encodeQuery(firstHeading);
    const m = new Map<string, number>();
    q.indices.forEach((id, k) => {
      if (q.values[k]! > 0) m.set(vocab[id]!, q.values[k]!);
    });
    return m;
  } finally {
    await encoder.dispose();
  }
}

function expectKoreanVocabulary(m: Map<string, number>) {
  expect(m.size).toBeGreaterThan(0);
  const strings = new Set(vocab);
  for (const [token, w] of m) {
    expect(strings.has(token), token).toBe(true);
    expect(Number.isFinite(w) && w > 0).toBe(true);
    expect(Math.fround(w)).toBe(w);
  }
  expect([...m.keys()].some((t) => HANGUL.test(t))).toBe(true);
}

async function exported(format: string) {
  const file = join(work, `${format}.ndjson`);
  const r = await exportIndex({ dir: out, format, out: file });
  expect(r.documents).toBe(sectionIds.length);
  return { file, side: (suffix: string) => join(work, `${format}.${suffix}`) };
}

describe('a symmetric model site', () => {
  it('reads the vocabulary from the model folder build copied: the tokenizer.json strings, id for id', () => {
    const folder = join(out, (opened.entry.query as ModelQuery).model);
    expect(readFileSync(join(folder, 'tokenizer.json')).equals(readFileSync(join(MODEL, 'tokenizer.json')))).toBe(true);
    expect(opened.vocabulary.size).toBe(vocab.length);
    vocab.forEach((token, id) => expect(opened.vocabulary.get(id)).toBe(token));
    expect(opened.encoder).toBeDefined();
  });

  it.each(['opensearch', 'elasticsearch'] as const)(
    '%s: Korean vocabulary keys, the stored vectors, the model query',
    async (format) => {
      const { file, side } = await exported(format);
      expect(json(side('mapping.json')).mappings.properties.emb).toEqual({
        type: format === 'opensearch' ? 'rank_features' : 'sparse_vector',
      });
      const rows = lines(file);
      expect(rows.length).toBe(2 * sectionIds.length);
      const seen: string[] = [];
      for (let k = 0; k < rows.length; k += 2) {
        const action = rows[k] as { index: { _index: string; _id: string } };
        expect(action.index._index).toBe('splade');
        const source = rows[k + 1] as { url: string; text: string; emb: Record<string, number> };
        expect(action.index._id.startsWith(source.url)).toBe(true);
        expectKoreanVocabulary(mapOf(source.emb));
        expect(mapOf(source.emb)).toEqual(stored(source.text));
        seen.push(action.index._id);
      }
      expect(seen.sort()).toEqual([...sectionIds].sort());
      const body = json(side('query.json'));
      const tokens =
        format === 'opensearch' ? body.query.neural_sparse.emb.query_tokens : body.query.sparse_vector.query_vector;
      expectKoreanVocabulary(mapOf(tokens));
      expect(mapOf(tokens)).toEqual(await exampleQuery());
    },
    120_000,
  );

  it('qdrant: ascending vocabulary ids of the Korean model, the stored values, the model query', async () => {
    const { file, side } = await exported('qdrant');
    expect(json(side('collection.json'))).toEqual({ sparse_vectors: { text: {} } });
    const points = lines(file) as {
      id: number;
      vector: { text: { indices: number[]; values: number[] } };
      payload: { id: string; text: string };
    }[];
    expect(points.length).toBe(sectionIds.length);
    for (const p of points) {
      const { indices, values } = p.vector.text;
      for (let k = 1; k < indices.length; k++) expect(indices[k]!).toBeGreaterThan(indices[k - 1]!);
      for (const id of indices) expect(Number.isInteger(id) && id >= 0 && id < vocab.length).toBe(true);
      const m = new Map(indices.map((id, k) => [vocab[id]!, values[k]!] as const));
      expectKoreanVocabulary(m);
      expect(m).toEqual(stored(p.payload.text));
    }
    const q = json(side('query.json'));
    expect(q.using).toBe('text');
    const { indices, values } = q.query as { indices: number[]; values: number[] };
    for (let k = 1; k < indices.length; k++) expect(indices[k]!).toBeGreaterThan(indices[k - 1]!);
    expect(new Map(indices.map((id, k) => [vocab[id]!, values[k]!] as const))).toEqual(await exampleQuery());
  }, 120_000);

  it('vespa: mapped cells keyed by the Korean strings; the model query as a tensor literal', async () => {
    const { file, side } = await exported('vespa');
    expect(readFileSync(side('sd'), 'utf8')).toContain('first-phase { expression: sum(query(q) * attribute(emb)) }');
    const puts = lines(file) as { put: string; fields: { text: string; emb: { cells: Record<string, number> } } }[];
    expect(puts.length).toBe(sectionIds.length);
    for (const p of puts) {
      expect(p.put).toMatch(/^id:splade:section::\d+$/);
      expectKoreanVocabulary(mapOf(p.fields.emb.cells));
      expect(mapOf(p.fields.emb.cells)).toEqual(stored(p.fields.text));
    }
    const literal = json(side('query.json'))['input.query(q)'] as string;
    const cells = new Map<string, number>();
    for (const r of literal.slice(1, -1).matchAll(/\{t:(?:'([^']*)'|"([^"]*)")\}:([-+0-9.eE]+)(?:,|$)/g))
      cells.set(r[1] ?? r[2]!, Number(r[3]));
    const expected = await exampleQuery();
    // Labels holding both quote characters have no literal form; the export leaves them out (none here, most likely).
    for (const t of [...expected.keys()]) if (t.includes("'") && t.includes('"')) expected.delete(t);
    expect(cells).toEqual(expected);
  }, 120_000);
});

describe('tokenizerVocabulary', () => {
  it('reads WordPiece / BPE ({token: id}) and Unigram ([[token, score]]) vocabularies, added tokens on top', () => {
    expect(
      tokenizerVocabulary(
        { model: { type: 'BPE', vocab: { a: 0, Ġthe: 1 } }, added_tokens: [{ id: 2, content: '<mask>' }] },
        't.json',
      ),
    ).toEqual(
      new Map([
        [0, 'a'],
        [1, 'Ġthe'],
        [2, '<mask>'],
      ]),
    );
    expect(
      tokenizerVocabulary(
        {
          model: {
            type: 'Unigram',
            vocab: [
              ['[PAD]', 0],
              ['▁레이어', -8.1],
            ],
          },
        },
        't.json',
      ),
    ).toEqual(
      new Map([
        [0, '[PAD]'],
        [1, '▁레이어'],
      ]),
    );
    expect(() => tokenizerVocabulary({ model: { type: 'WordLevel' } }, 'm/tokenizer.json')).toThrow(
      /m\/tokenizer\.json has no model\.vocab .*accepted: model\.vocab as \{token: id\}/,
    );
  });
});

describe('vespaTensor with a Unigram vocabulary', () => {
  it('quotes with the quote character a label lacks, and refuses a label holding both (the Korean model has some)', () => {
    const both = vocab.filter((t) => !vespaQuotable(t));
    expect(both.length).toBeGreaterThan(0);
    expect(vespaTensor({ '▁"': 1, "'s": 2 })).toBe(`{{t:'▁"'}:1,{t:"'s"}:2}`);
    expect(() => vespaTensor({ [both[0]!]: 1 })).toThrow(
      /holds both ' and ", which a Vespa tensor literal cannot quote/,
    );
  });
});

describe('the command line on a model site', () => {
  const cli = (...args: string[]) =>
    spawnSync(process.execPath, ['src/cli/bin.mjs', ...args], { encoding: 'utf8', timeout: 60_000 });
  /** A copy of the built folder without the files `drop` picks. */
  const broken = (name: string, drop: (path: string) => boolean) => {
    const dir = join(work, name);
    cpSync(out, dir, { recursive: true, filter: (src) => !drop(src.slice(out.length + 1)) });
    return dir;
  };
  const expectOneLineFailure = (r: ReturnType<typeof cli>, message: RegExp) => {
    expect(r.error).toBeUndefined(); // not killed by the timeout: the process exited by itself
    expect(r.signal).toBeNull();
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(message);
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
  };

  it('exports, and fails with one line and exit code 1 on a folder without its entry or its model folder', () => {
    let r = cli('export', out, '--format', 'elasticsearch', '--out', join(work, 'cli.ndjson'));
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`${sectionIds.length} documents as elasticsearch bulk input`));
    const model = (opened.entry.query as ModelQuery).model.replace(/\/$/, '');
    r = cli(
      'export',
      broken('no-entry', (p) => p === 'splade-entry.json'),
      '--format',
      'opensearch',
      '--out',
      join(work, 'x.ndjson'),
    );
    expectOneLineFailure(
      r,
      /^splade-web: .*no-entry\/splade-entry\.json cannot be read; pass a folder written by `splade-web build --out`/,
    );
    r = cli(
      'export',
      broken('no-model', (p) => p === model || p.startsWith(`${model}/`)),
      '--format',
      'vespa',
      '--out',
      join(work, 'x.ndjson'),
    );
    expectOneLineFailure(
      r,
      new RegExp(
        `^splade-web: .*no-model/${model.replace('.', '\\.')}/? \\(the model folder splade-entry\\.json names in query\\.model\\) is not a folder`,
      ),
    );
    r = cli(
      'export',
      broken('no-tokenizer', (p) => p === `${model}/tokenizer.json`),
      '--format',
      'qdrant',
      '--out',
      join(work, 'x.ndjson'),
    );
    expectOneLineFailure(
      r,
      /^splade-web: the model folder .*no-tokenizer\/model\.[0-9a-f]+\/ cannot be loaded: no tokenizer/,
    );
  }, 240_000);
});
