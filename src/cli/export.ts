/**
 * `splade-web export <dir> --format opensearch|elasticsearch|qdrant|vespa --out <file>`: the
 * documents of a built index as an engine's bulk input (NDJSON), with the mapping or collection
 * definition and an example query beside it, in the shapes each engine documents:
 *
 *   opensearch     rank_features field; bulk action + source lines; neural_sparse query_tokens
 *   elasticsearch  sparse_vector field; bulk action + source lines; sparse_vector query_vector
 *   qdrant         sparse vector "text" (indices / values); one point per line; points/query body
 *   vespa          tensor<float>(t{}) field; one put per line (mapped cells); schema with sum(query(q) * attribute); query tensor as a literal
 *
 * Token keys are the model's vocabulary strings where the engine keys features by string (all but
 * Qdrant, which takes the vocabulary ids). The index is read from the built folder itself, through
 * the engine (SparseIndex over the pack files), so what is exported is what the browser searches.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { SpladeError } from '../errors.ts';
import { SparseIndex } from '../index/engine/sparse-index.ts';
import { locate, type PackDirectory } from '../index/store/pack.ts';
import type { ReadableStore } from '../index/store/types.ts';
import { ENTRY_FILE, SITE_FORMAT, type SiteEntry } from '../query/site.ts';
import { ShardedWordPiece, type WordPieceConfig, type WordPieceShard } from '../query/wordpiece.ts';

export const EXPORT_FORMATS = ['opensearch', 'elasticsearch', 'qdrant', 'vespa'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export interface ExportOptions {
  dir: string;
  format: string;
  out: string;
  /** Name of the vector field (default "emb"; Qdrant's sparse vector name defaults to "text"). */
  field?: string;
  /** Query text for the example query (default: the first section's heading). */
  query?: string;
}

export interface OpenedSite {
  entry: SiteEntry;
  index: SparseIndex;
  /** Vocabulary id -> token string. */
  vocabulary: Map<number, string>;
  tokenizer?: ShardedWordPiece;
}

/** Opens a built index folder from disk (the same files a browser reads). */
export async function openBuiltSite(dir: string): Promise<OpenedSite> {
  const root = resolve(dir);
  const readText = async (name: string) => {
    try {
      return await readFile(join(root, name), 'utf8');
    } catch {
      throw new SpladeError('invalid-input', `${join(dir, name)} cannot be read; pass a folder written by \`splade-web build --out\``, { file: name });
    }
  };
  const entry = JSON.parse(await readText(ENTRY_FILE)) as SiteEntry;
  if (entry?.format !== SITE_FORMAT) throw new SpladeError('invalid-input', `${join(dir, ENTRY_FILE)} is not a splade-web site index`, { file: ENTRY_FILE });
  const directory = JSON.parse(await readText(entry.directory)) as PackDirectory;
  const places = locate(directory, entry.directory);
  const files = new Map<number, Promise<Buffer>>();
  const read = async (key: string) => {
    const loc = places.get(key);
    if (!loc) return undefined;
    let f = files.get(loc.file);
    if (!f) files.set(loc.file, (f = readFile(join(root, directory.files[loc.file]!.name))));
    const b = await f;
    return new Uint8Array(b.buffer, b.byteOffset + loc.offset, loc.length);
  };
  const store: ReadableStore = { get: read, getMany: (keys) => Promise.all(keys.map(read)), close() {} };
  const vocabulary = new Map<number, string>();
  let tokenizer: ShardedWordPiece | undefined;
  if (entry.query.kind === 'static') {
    const q = entry.query;
    const config = JSON.parse(await readText(q.tokenizer)) as WordPieceConfig;
    const shards = await Promise.all((config.files ?? []).map(async (name) => JSON.parse(await readText(name)) as WordPieceShard));
    for (const s of shards) s.ids.forEach((id, k) => vocabulary.set(id, s.tokens[k]!));
    tokenizer = new ShardedWordPiece(config, async (k) => shards[k]!);
  }
  const index = await SparseIndex.openStore(store, { name: 'site', tokenOf: (id) => vocabulary.get(id) ?? `#${id}` });
  return { entry, index, vocabulary, ...(tokenizer ? { tokenizer } : {}) };
}

export async function exportIndex(options: ExportOptions): Promise<{ documents: number; out: string; extra: string[] }> {
  const format = options.format as ExportFormat;
  if (!EXPORT_FORMATS.includes(format)) throw new SpladeError('invalid-option', `--format ${JSON.stringify(options.format)} is not one of ${EXPORT_FORMATS.join(', ')}`);
  const site = await openBuiltSite(options.dir);
  const snapshot = await site.index.export();
  const field = options.field ?? (format === 'qdrant' ? 'text' : 'emb');
  const name = (id: number) => {
    const t = site.vocabulary.get(id);
    if (t === undefined) throw new SpladeError('invalid-input', `the index holds term ${id}, which the model's vocabulary does not have; was it built with another model?`);
    return t;
  };
  const asMap = (indices: ArrayLike<number>, values: ArrayLike<number>) => {
    // No prototype: a vocabulary string such as "__proto__" must stay an ordinary key.
    const o: Record<string, number> = Object.create(null) as Record<string, number>;
    for (let k = 0; k < indices.length; k++) if (values[k]! > 0) o[name(indices[k]!)] = values[k]!;
    return o;
  };
  // Qdrant takes indices in any order but stores them sorted; sorting here keeps the file canonical
  // (and equal to what Qdrant returns), and drops non-positive weights as the other formats do.
  const ascending = (indices: ArrayLike<number>, values: ArrayLike<number>) => {
    const order = Array.from(indices, (_, k) => k).filter((k) => values[k]! > 0).sort((a, b) => indices[a]! - indices[b]!);
    return { indices: order.map((k) => indices[k]!), values: order.map((k) => values[k]!) };
  };
  const source = (d: (typeof snapshot.documents)[number]) => {
    const f = d.fields as { url?: string; path?: string[]; page?: string };
    const path = Array.isArray(f.path) ? f.path : [];
    return { url: f.url ?? d.id, title: path[path.length - 1] ?? f.page ?? '', path, text: d.text };
  };
  const lines: string[] = [];
  snapshot.documents.forEach((d, n) => {
    if (format === 'opensearch' || format === 'elasticsearch') {
      lines.push(JSON.stringify({ index: { _index: 'splade', _id: d.id } }));
      lines.push(JSON.stringify({ ...source(d), [field]: asMap(d.vector.indices, d.vector.values) }));
    } else if (format === 'qdrant') {
      lines.push(JSON.stringify({ id: n, vector: { [field]: ascending(d.vector.indices, d.vector.values) }, payload: { id: d.id, ...source(d) } }));
    } else {
      // `section_id`, not `id`: Vespa reserves `id` (it clashes with the document id in generated
      // classes, vespa-engine/vespa#33316). The tensor in its single-mapped-dimension form, under "cells".
      const { url, title, path, text } = source(d);
      lines.push(JSON.stringify({ put: `id:splade:section::${n}`, fields: { section_id: d.id, url, title, path: path.join(' > '), text, [field]: { cells: asMap(d.vector.indices, d.vector.values) } } }));
    }
  });
  const out = resolve(options.out);
  await writeFile(out, lines.length ? `${lines.join('\n')}\n` : '');
  // The example query: a section heading, encoded as the browser would.
  const queryText = options.query ?? String(source(snapshot.documents[0] ?? { id: '', text: '', fields: {}, vector: { indices: [], values: [] } }).title || 'search');
  const q = site.tokenizer ? await site.tokenizer.encodeQuery(queryText) : { indices: new Uint32Array(0), values: new Float32Array(0) };
  const qMap = asMap(q.indices, q.values);
  const extra: string[] = [];
  const side = async (suffix: string, value: unknown) => {
    const path = `${out.replace(/\.(nd)?json$/i, '')}.${suffix}`;
    await writeFile(path, typeof value === 'string' ? value : `${JSON.stringify(value, null, 2)}\n`);
    extra.push(path);
  };
  const text = { type: 'text' };
  if (format === 'opensearch') {
    await side('mapping.json', { mappings: { properties: { [field]: { type: 'rank_features' }, url: { type: 'keyword' }, title: text, path: text, text } } });
    await side('query.json', { query: { neural_sparse: { [field]: { query_tokens: qMap } } }, _source: ['url', 'title'] });
  } else if (format === 'elasticsearch') {
    await side('mapping.json', { mappings: { properties: { [field]: { type: 'sparse_vector' }, url: { type: 'keyword' }, title: text, path: text, text } } });
    await side('query.json', { query: { sparse_vector: { field, query_vector: qMap } }, _source: ['url', 'title'] });
  } else if (format === 'qdrant') {
    await side('collection.json', { sparse_vectors: { [field]: {} } });
    await side('query.json', { query: ascending(q.indices, q.values), using: field, limit: 10, with_payload: ['url', 'title'] });
  } else {
    await side(
      'sd',
      `schema section {
  document section {
    field section_id type string { indexing: summary | attribute }
    field url type string { indexing: summary | attribute }
    field title type string { indexing: summary | index }
    field path type string { indexing: summary | index }
    field text type string { indexing: summary | index }
    field ${field} type tensor<float>(t{}) { indexing: attribute }
  }
  rank-profile splade {
    inputs { query(q) tensor<float>(t{}) }
    first-phase { expression: sum(query(q) * attribute(${field})) }
  }
}
`,
    );
    // A query tensor goes in as a tensor literal string: in a JSON query body an object value would
    // be read as nested parameters (input.query(q).<token>), not as the tensor.
    await side('query.json', { yql: 'select * from section where true', ranking: 'splade', 'input.query(q)': vespaTensor(qMap), hits: 10 });
  }
  site.index.close();
  return { documents: snapshot.documents.length, out, extra };
}

/**
 * A mapped tensor in Vespa's literal form, `{{t:'hello'}:3.32,...}`. Labels are quoted because
 * vocabulary strings hold punctuation (`.`, `:`, `,`, `}`); a WordPiece token never holds both
 * quote characters, so the one it lacks quotes it.
 */
export function vespaTensor(cells: Record<string, number>): string {
  const label = (t: string) => (t.includes("'") ? `"${t}"` : `'${t}'`);
  return `{${Object.entries(cells)
    .map(([t, w]) => `{t:${label(t)}}:${w}`)
    .join(',')}}`;
}
