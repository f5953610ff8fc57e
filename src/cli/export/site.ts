/**
 * A built index folder read back from disk, the same files a browser reads: the entry, the index
 * (SparseIndex over the pack files), the model's vocabulary (id -> token string) and the query
 * encoder (the static tokenizer's table, or the copied model on onnxruntime-node). What `export`
 * writes for every engine, and what the tests and benchmarks search outside a browser.
 */
import { readFile, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { SpladeError } from '../../errors.ts';
import { SparseIndex } from '../../index/engine/sparse-index.ts';
import { checkLayout, packStore } from '../../index/store/pack.ts';
import type { ReadableStore } from '../../index/store/types.ts';
import type { SparseEncoder } from '../../node.ts';
import { ENTRY_FILE, SITE_FORMAT, type ModelQuery, type SiteEntry } from '../../site/site.ts';
import { ShardedWordPiece } from '../../site/wordpiece.ts';
import { readWordPieceConfig, type WordPieceShard } from '../../site/wordpiece-format.ts';

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
  const layout = checkLayout(entry.index, join(dir, ENTRY_FILE));
  const files = new Map<string, Promise<Uint8Array>>();
  const readPackFile = (name: string) => {
    let f = files.get(name);
    if (!f)
      files.set(name, (f = readFile(join(root, name)).then((b) => new Uint8Array(b.buffer, b.byteOffset, b.length))));
    return f;
  };
  const store: ReadableStore = packStore(layout, readPackFile, dir);
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
  const { SparseEncoder: NodeEncoder } = await import('../../node.ts');
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
