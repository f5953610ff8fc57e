/**
 * splade-engine.js: what <splade-search source="page"> and source="idb" load when first opened.
 * It holds the encoder client (the model runs in a Web Worker, onnxruntime-web inside), the
 * SparseIndex, and idb-keyval for the page source's vector cache. Built apart from the element
 * (bundle.config.ts): a site searching a static index never downloads it.
 */
import { createStore, getMany, setMany } from 'idb-keyval';
import type { EncodedVector } from '../encode/merge.ts';
import { WorkerSparseEncoder } from '../encode/worker/client.ts';
import { SparseIndex } from '../index/engine/sparse-index.ts';
import { openMemoryStore } from '../index/store/memory.ts';
import type { Hit } from '../results/hits.ts';
import { pageSections } from './page-sections.ts';
import type { IndexSourceOptions, PageSourceOptions, WidgetEngine } from './sources.ts';
import type { SearchSource, WidgetHit } from './types.ts';

/** Sections encoded per call: the worker reports between batches, and a page stays responsive. */
const ENCODE_BATCH = 16;

/** Vectors of page sections, by model and text hash: a revisit (or an unchanged page) encodes nothing. */
let vectorStore: ReturnType<typeof createStore> | undefined;

const encoders = new Map<string, Promise<WorkerSparseEncoder>>();
/** One encoder per model (and hub): two widgets of a page searching with one model share it. */
function encoderFor(model: string, hubUrl: string | undefined): Promise<WorkerSparseEncoder> {
  const key = `${hubUrl ?? ''}\u0000${model}`;
  let e = encoders.get(key);
  if (!e) {
    e = WorkerSparseEncoder.fromPretrained(model, hubUrl ? { hubUrl } : {});
    e.catch(() => encoders.delete(key));
    encoders.set(key, e);
  }
  return e;
}

/** SHA-256 of `text` (hex); a 53-bit FNV-style hash where SubtleCrypto is missing (plain http pages). */
async function textHash(text: string): Promise<string> {
  const bytes = new TextEncoder().encode(text);
  if (globalThis.crypto?.subtle) {
    const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
    return Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('');
  }
  let h1 = 0x811c9dc5;
  let h2 = 0x01000193;
  for (const b of bytes) {
    h1 = Math.imul(h1 ^ b, 0x01000193);
    h2 = Math.imul(h2 ^ b, 0x5bd1e995);
  }
  return `fnv-${(h1 >>> 0).toString(16)}${(h2 >>> 0).toString(16)}-${bytes.length}`;
}

async function pageSource({ model, hubUrl, root, ignore }: PageSourceOptions): Promise<SearchSource> {
  const encoder = await encoderFor(model, hubUrl);
  // Passage limits are in the model's tokens, counted by its own tokenizer (in the worker).
  const countTokens = (texts: string[]) => Promise.all(texts.map(async (t) => (await encoder.tokens(t)).ids.length));
  const sections = await pageSections(document, { root, ignore, countTokens });
  vectorStore ??= createStore('splade-web-page-vectors', 'vectors');
  const keys = await Promise.all(
    sections.map(async (s) => `${model}\u0000${encoder.vocabSize}\u0000${await textHash(s.text)}`),
  );
  let cached: (EncodedVector | undefined)[];
  try {
    cached = await getMany<EncodedVector>(keys, vectorStore);
  } catch {
    cached = keys.map(() => undefined); // IndexedDB unavailable (private mode, say): encode, keep nothing
  }
  const missing = sections.map((_, k) => k).filter((k) => !cached[k]);
  for (let k = 0; k < missing.length; k += ENCODE_BATCH) {
    const batch = missing.slice(k, k + ENCODE_BATCH);
    const vectors = await encoder.encodeDocument(
      batch.map((j) => sections[j]!.text),
      { spans: true },
    );
    batch.forEach((j, n) => (cached[j] = vectors[n]));
    await setMany(
      batch.map((j) => [keys[j]!, cached[j]!]),
      vectorStore,
    ).catch(() => {});
  }
  const index = await SparseIndex.openStore(openMemoryStore(), { name: 'page', tokenOf: (id) => encoder.token(id) });
  await index.add(
    sections.map((s, k) => ({
      id: String(k),
      text: s.text,
      fields: { title: s.title, path: s.path, passage: s.passage },
      vector: cached[k]!,
    })),
  );
  const page = document.title.trim() || location.pathname;
  return {
    key: `page:${location.pathname}:${model}`,
    stats: { sections: sections.length, encoded: missing.length, reused: sections.length - missing.length },
    async search(query, { limit, signal }) {
      const vector = await encoder.encodeQuery(query);
      const hits = await index.search(vector, { limit, explain: true, signal });
      return hits.map((hit) => {
        const s = sections[Number(hit.id)]!;
        return {
          ...toWidgetHit(hit, page),
          url: s.anchor ? `#${encodeURIComponent(s.anchor)}` : location.href,
          title: s.title,
          path: s.path,
          target: s.target,
        };
      });
    },
    dispose() {
      void index.dispose();
    },
  };
}

async function indexSource({ name, model, hubUrl }: IndexSourceOptions): Promise<SearchSource> {
  const [encoder, index] = await Promise.all([encoderFor(model, hubUrl), SparseIndex.open(name)]);
  return {
    key: `idb:${name}`,
    async search(query, { limit, signal }) {
      const vector = await encoder.encodeQuery(query);
      return (await index.search(vector, { limit, explain: true, signal })).map((hit) => toWidgetHit(hit, name));
    },
    dispose() {
      void index.dispose();
    },
  };
}

/** An index hit as the widget shows it: url, title, path and page from its fields where it has them. */
function toWidgetHit(hit: Hit, fallbackPage: string): WidgetHit {
  const f = hit.fields;
  const text = (k: string) => (typeof f[k] === 'string' ? (f[k] as string) : undefined);
  const path = Array.isArray(f['path']) ? (f['path'] as unknown[]).map(String) : [];
  const title = text('title') ?? path[path.length - 1] ?? text('name') ?? text('file') ?? hit.id;
  const out: WidgetHit = {
    id: hit.id,
    url: text('url') ?? hit.id,
    title,
    path: path.length ? path : [title],
    score: hit.score,
    page: text('page') ?? text('file') ?? path[0] ?? fallbackPage,
    fields: f,
  };
  if (hit.snippet) out.snippet = hit.snippet;
  if (hit.contributions) out.contributions = hit.contributions;
  return out;
}

const engine: WidgetEngine = { pageSource, indexSource };
export { pageSource, indexSource };
export default engine;
