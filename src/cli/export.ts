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
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { SpladeError } from '../errors.ts';
import { SparseIndex } from '../index/engine/sparse-index.ts';
import { locate, type PackDirectory } from '../index/store/pack.ts';
import type { ReadableStore } from '../index/store/types.ts';
import type { SparseEncoder } from '../node.ts';
import { ENTRY_FILE, SITE_FORMAT, type ModelQuery, type SiteEntry } from '../site/site.ts';
import { ShardedWordPiece } from '../site/wordpiece.ts';
import { readWordPieceConfig, type WordPieceShard } from '../site/wordpiece-format.ts';

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
  /** Vocabulary id -> token string (the static tokenizer's shards, or the model's tokenizer.json). */
  vocabulary: Map<number, string>;
  /** The sharded query tokenizer of an inference-free site. */
  tokenizer?: ShardedWordPiece;
  /** The query encoder of a symmetric site: the copied model folder on onnxruntime-node. */
  encoder?: SparseEncoder;
  /** A query as the browser encodes it: the static tokenizer's table, or the model. */
  encodeQuery(text: string): Promise<{ indices: ArrayLike<number>; values: ArrayLike<number> }>;
  /** Closes the index and frees the encoder; without it the index's channel keeps Node running. */
  close(): Promise<void>;
}

/** The subset of tokenizer.json (Hugging Face tokenizers) the vocabulary is read from. */
interface TokenizerJson {
  model?: { type?: string; vocab?: Record<string, number> | [string, number][] };
  added_tokens?: { id: number; content: string }[];
}

/**
 * Vocabulary id -> token string of a tokenizer.json: `model.vocab` is token -> id for WordPiece,
 * BPE and WordLevel, and a list of [token, score] (id = position) for Unigram; `added_tokens`
 * (the special tokens, and any added later) are added on top. The strings are the model's own
 * (BPE's byte-level "Ġ", Unigram's "▁", WordPiece's "##"), as the engines must key them.
 */
export function tokenizerVocabulary(json: unknown, file: string): Map<number, string> {
  const t = json as TokenizerJson | null;
  const vocab = t?.model?.vocab;
  const vocabulary = new Map<number, string>();
  const bad = (what: string) =>
    new SpladeError(
      'model-file-invalid',
      `${file} ${what}; accepted: model.vocab as {token: id} (WordPiece, BPE, WordLevel) or [[token, score], ...] (Unigram), and added_tokens as [{id, content}, ...]`,
      { file },
    );
  if (Array.isArray(vocab)) {
    vocab.forEach((row, id) => {
      if (!Array.isArray(row) || typeof row[0] !== 'string')
        throw bad(`has a model.vocab entry ${id} that is not [token, score]`);
      vocabulary.set(id, row[0]);
    });
  } else if (vocab && typeof vocab === 'object') {
    for (const [token, id] of Object.entries(vocab)) {
      if (!Number.isInteger(id) || id < 0)
        throw bad(`gives the token ${JSON.stringify(token)} the id ${JSON.stringify(id)}, not an integer >= 0`);
      vocabulary.set(id, token);
    }
  } else {
    throw bad(`has no model.vocab (its model is ${JSON.stringify(t?.model?.type ?? null)})`);
  }
  for (const a of t?.added_tokens ?? []) {
    if (!Number.isInteger(a?.id) || a.id < 0 || typeof a.content !== 'string')
      throw bad(`has an added_tokens entry ${JSON.stringify(a)} without an integer id and a content string`);
    vocabulary.set(a.id, a.content);
  }
  return vocabulary;
}

/** Opens a built index folder from disk (the same files a browser reads). Call close() when done. */
export async function openBuiltSite(dir: string): Promise<OpenedSite> {
  const root = resolve(dir);
  const readText = async (name: string) => {
    try {
      return await readFile(join(root, name), 'utf8');
    } catch {
      throw new SpladeError(
        'invalid-input',
        `${join(dir, name)} cannot be read; pass a folder written by \`splade-web build --out\``,
        { file: name },
      );
    }
  };
  const parse = (text: string, name: string): unknown => {
    try {
      return JSON.parse(text);
    } catch (error) {
      throw new SpladeError(
        'invalid-input',
        `${join(dir, name)} is not JSON (${error instanceof Error ? error.message : String(error)}); pass a folder written by \`splade-web build --out\``,
        { file: name },
      );
    }
  };
  const entry = parse(await readText(ENTRY_FILE), ENTRY_FILE) as SiteEntry;
  if (entry?.format !== SITE_FORMAT)
    throw new SpladeError('invalid-input', `${join(dir, ENTRY_FILE)} is not a splade-web site index`, {
      file: ENTRY_FILE,
    });
  const kind = (entry.query as { kind?: unknown } | undefined)?.kind;
  if (kind !== 'static' && kind !== 'model') {
    throw new SpladeError(
      'invalid-input',
      `${join(dir, ENTRY_FILE)} has query.kind ${JSON.stringify(kind ?? null)}; accepted: "static" (inference-free) or "model" (symmetric)`,
      { file: ENTRY_FILE },
    );
  }
  const directory = parse(await readText(entry.directory), entry.directory) as PackDirectory;
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
  let vocabulary = new Map<number, string>();
  let tokenizer: ShardedWordPiece | undefined;
  let encoder: SparseEncoder | undefined;
  if (entry.query.kind === 'static') {
    const q = entry.query;
    const config = readWordPieceConfig(parse(await readText(q.tokenizer), q.tokenizer), join(dir, q.tokenizer));
    const shards = await Promise.all(
      config.files!.map(async (name) => parse(await readText(name), name) as WordPieceShard),
    );
    for (const s of shards) s.ids.forEach((id, k) => vocabulary.set(id, s.tokens[k]!));
    tokenizer = new ShardedWordPiece(config, async (k) => shards[k]!);
  } else {
    ({ encoder, vocabulary } = await openSiteModel(dir, entry.query, parse));
  }
  try {
    const index = await SparseIndex.openStore(store, { name: 'site', tokenOf: (id) => vocabulary.get(id) ?? `#${id}` });
    const empty = { indices: new Uint32Array(0), values: new Float32Array(0) };
    return {
      entry,
      index,
      vocabulary,
      ...(tokenizer ? { tokenizer } : {}),
      ...(encoder ? { encoder } : {}),
      encodeQuery: async (text) =>
        tokenizer ? tokenizer.encodeQuery(text) : encoder ? encoder.encodeQuery(text) : empty,
      async close() {
        await index.dispose();
        await encoder?.dispose();
      },
    };
  } catch (error) {
    await encoder?.dispose();
    throw error;
  }
}

/**
 * A symmetric site's model folder (the files build copied, the ones the loader reads): the query
 * encoder on onnxruntime-node, and the vocabulary from the tokenizer.json the document route reads
 * (its module folder's, else the folder's own, as the loader looks).
 */
async function openSiteModel(
  dir: string,
  q: ModelQuery,
  parse: (text: string, name: string) => unknown,
): Promise<{ encoder: SparseEncoder; vocabulary: Map<number, string> }> {
  const named = join(dir, q.model ?? '');
  const folder = typeof q.model === 'string' && q.model !== '' ? resolve(dir, q.model) : undefined;
  if (
    !folder ||
    !(await stat(folder).then(
      (s) => s.isDirectory(),
      () => false,
    ))
  ) {
    throw new SpladeError(
      'invalid-input',
      `${named} (the model folder ${ENTRY_FILE} names in query.model) is not a folder; pass a folder written by \`splade-web build --out\` with a symmetric model, which copies the model there`,
      { file: q.model ?? ENTRY_FILE },
    );
  }
  const { SparseEncoder: NodeEncoder } = await import('../node.ts');
  let encoder: SparseEncoder;
  try {
    encoder = await NodeEncoder.fromPretrained(folder);
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    throw new SpladeError(
      error instanceof SpladeError ? error.code : 'model-not-found',
      `the model folder ${named} cannot be loaded: ${why}; pass a folder written by \`splade-web build --out\` (it copies the model's files there)`,
      { cause: error, file: q.model },
    );
  }
  try {
    const base = encoder.spec.document.dir;
    for (const sub of base ? [base, ''] : ['']) {
      const name = join(q.model, sub, 'tokenizer.json');
      const text = await readFile(join(folder, sub, 'tokenizer.json'), 'utf8').catch(() => undefined);
      if (text !== undefined) return { encoder, vocabulary: tokenizerVocabulary(parse(text, name), join(dir, name)) };
    }
    throw new SpladeError(
      'model-not-found',
      `the model folder ${named} has no tokenizer.json${base ? ` (looked in ${base}/ and the folder itself)` : ''}; pass a folder written by \`splade-web build --out\``,
      { file: join(q.model, base, 'tokenizer.json') },
    );
  } catch (error) {
    await encoder.dispose();
    throw error;
  }
}

export async function exportIndex(
  options: ExportOptions,
): Promise<{ documents: number; out: string; extra: string[]; notes: string[] }> {
  const format = options.format as ExportFormat;
  if (!EXPORT_FORMATS.includes(format))
    throw new SpladeError(
      'invalid-option',
      `--format ${JSON.stringify(options.format)} is not one of ${EXPORT_FORMATS.join(', ')}`,
    );
  const site = await openBuiltSite(options.dir);
  try {
    const snapshot = await site.index.export();
    const field = options.field ?? (format === 'qdrant' ? 'text' : 'emb');
    const name = (id: number) => {
      const t = site.vocabulary.get(id);
      if (t === undefined)
        throw new SpladeError(
          'invalid-input',
          `the index holds term ${id}, which the model's vocabulary does not have; was it built with another model?`,
        );
      return t;
    };
    const asMap = (indices: ArrayLike<number>, values: ArrayLike<number>) => {
      // No prototype: a vocabulary string such as "__proto__" must stay an ordinary key.
      const o: Record<string, number> = Object.create(null) as Record<string, number>;
      const idOf = new Map<string, number>();
      for (let k = 0; k < indices.length; k++) {
        if (!(values[k]! > 0)) continue;
        const token = name(indices[k]!);
        const other = idOf.get(token);
        if (other !== undefined && other !== indices[k]) {
          throw new SpladeError(
            'invalid-input',
            `the vocabulary gives ids ${other} and ${indices[k]} the same string ${JSON.stringify(token)}, so ${format} (which keys features by string) would merge them; export --format qdrant, which takes the ids`,
          );
        }
        idOf.set(token, indices[k]!);
        o[token] = values[k]!;
      }
      return o;
    };
    // Qdrant takes indices in any order but stores them sorted; sorting here keeps the file canonical
    // (and equal to what Qdrant returns), and drops non-positive weights as the other formats do.
    const ascending = (indices: ArrayLike<number>, values: ArrayLike<number>) => {
      const order = Array.from(indices, (_, k) => k)
        .filter((k) => values[k]! > 0)
        .sort((a, b) => indices[a]! - indices[b]!);
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
        lines.push(
          JSON.stringify({
            id: n,
            vector: { [field]: ascending(d.vector.indices, d.vector.values) },
            payload: { id: d.id, ...source(d) },
          }),
        );
      } else {
        // `section_id`, not `id`: Vespa reserves `id` (it clashes with the document id in generated
        // classes, vespa-engine/vespa#33316). The tensor in its single-mapped-dimension form, under "cells".
        const { url, title, path, text } = source(d);
        lines.push(
          JSON.stringify({
            put: `id:splade:section::${n}`,
            fields: {
              section_id: d.id,
              url,
              title,
              path: path.join(' > '),
              text,
              [field]: { cells: asMap(d.vector.indices, d.vector.values) },
            },
          }),
        );
      }
    });
    const out = resolve(options.out);
    const write = async (path: string, data: string) => {
      try {
        await writeFile(path, data);
      } catch (error) {
        const why = (error as NodeJS.ErrnoException).code ?? (error instanceof Error ? error.message : String(error));
        throw new SpladeError(
          'invalid-input',
          `${path} cannot be written (${why}); pass --out a file path in an existing, writable folder`,
          { cause: error },
        );
      }
    };
    await write(out, lines.length ? `${lines.join('\n')}\n` : '');
    // The example query: a section heading, encoded as the browser would.
    const queryText =
      options.query ??
      String(
        source(snapshot.documents[0] ?? { id: '', text: '', fields: {}, vector: { indices: [], values: [] } }).title ||
          'search',
      );
    const q = await site.encodeQuery(queryText);
    const qMap = asMap(q.indices, q.values);
    const extra: string[] = [];
    const notes: string[] = [];
    const side = async (suffix: string, value: unknown) => {
      const path = `${out.replace(/\.(nd)?json$/i, '')}.${suffix}`;
      await write(path, typeof value === 'string' ? value : `${JSON.stringify(value, null, 2)}\n`);
      extra.push(path);
    };
    const text = { type: 'text' };
    if (format === 'opensearch') {
      await side('mapping.json', {
        mappings: {
          properties: { [field]: { type: 'rank_features' }, url: { type: 'keyword' }, title: text, path: text, text },
        },
      });
      await side('query.json', {
        query: { neural_sparse: { [field]: { query_tokens: qMap } } },
        _source: ['url', 'title'],
      });
    } else if (format === 'elasticsearch') {
      await side('mapping.json', {
        mappings: {
          properties: { [field]: { type: 'sparse_vector' }, url: { type: 'keyword' }, title: text, path: text, text },
        },
      });
      await side('query.json', { query: { sparse_vector: { field, query_vector: qMap } }, _source: ['url', 'title'] });
    } else if (format === 'qdrant') {
      await side('collection.json', { sparse_vectors: { [field]: {} } });
      await side('query.json', {
        query: ascending(q.indices, q.values),
        using: field,
        limit: 10,
        with_payload: ['url', 'title'],
      });
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
      // A label holding both quote characters has no literal form here; such cells are left out of
      // the example query (and named), the documents keep them (their cells are JSON keys).
      const unquotable = Object.keys(qMap).filter((t) => !vespaQuotable(t));
      for (const t of unquotable) delete qMap[t];
      if (unquotable.length)
        notes.push(
          `the example query leaves out ${unquotable.map((t) => JSON.stringify(t)).join(', ')}: a Vespa tensor literal label cannot hold both ' and "`,
        );
      await side('query.json', {
        yql: 'select * from section where true',
        ranking: 'splade',
        'input.query(q)': vespaTensor(qMap),
        hits: 10,
      });
    }
    return { documents: snapshot.documents.length, out, extra, notes };
  } finally {
    // Always: the index's BroadcastChannel would keep Node running after an error.
    await site.close();
  }
}

/** Whether a label can be quoted in a Vespa tensor literal: it lacks one of the two quote characters. */
export function vespaQuotable(label: string): boolean {
  return !(label.includes("'") && label.includes('"'));
}

/**
 * A mapped tensor in Vespa's literal form, `{{t:'hello'}:3.32,...}`. Labels are quoted because
 * vocabulary strings hold punctuation (`.`, `:`, `,`, `}`); the quote character a label lacks
 * quotes it. A WordPiece token never holds both; Unigram and BPE vocabularies can (`'")`), and
 * such a label is refused (vespaQuotable), not written ambiguously.
 */
export function vespaTensor(cells: Record<string, number>): string {
  const label = (t: string) => {
    if (!vespaQuotable(t))
      throw new SpladeError(
        'invalid-input',
        `the tensor label ${JSON.stringify(t)} holds both ' and ", which a Vespa tensor literal cannot quote; accepted: labels without one of them`,
      );
    return t.includes("'") ? `"${t}"` : `'${t}'`;
  };
  return `{${Object.entries(cells)
    .map(([t, w]) => `{t:${label(t)}}:${w}`)
    .join(',')}}`;
}
