/**
 * What a user's page does with the installed package: load the model in a worker, encode documents
 * and a query, index and search. The outcome goes to #status (and window.outcome for the test).
 */
import { SparseIndex, SpladeError, WorkerSparseEncoder, type Hit } from 'splade-web';
import { define, type SearchSource, type WidgetHit } from 'splade-web/widget';
import type { Outcome } from './outcome';

declare global {
  interface Window {
    outcome?: Outcome;
  }
}

const status = document.getElementById('status')!;
const docs = [
  { id: 'rebase', text: 'Use git rebase to replay commits onto another branch.' },
  { id: 'stash', text: 'git stash saves local changes without committing them.' },
  { id: 'clone', text: 'git clone copies a repository from a remote.' },
];

async function run(): Promise<Outcome> {
  // ?device=webgpu runs the WGSL pooling kernel (the test uses SwiftShader's WebGPU).
  const device = new URLSearchParams(location.search).get('device') === 'webgpu' ? 'webgpu' : 'wasm';
  const encoder = await WorkerSparseEncoder.fromPretrained('/models/splade-tiny-en-if', { device });
  const vectors = await encoder.encodeDocument(docs.map((d) => d.text));
  const query = await encoder.encodeQuery('rebase a branch');
  const name = `consumer-${Date.now()}`;
  const index = await SparseIndex.open(name, { encoder });
  await index.add(docs.map((d, k) => ({ ...d, vector: vectors[k]! })));
  const hits: Hit[] = await index.search(query, { limit: 3 });
  const widget = await searchBox(index, encoder);
  await index.dispose();
  await SparseIndex.delete(name);
  await encoder.dispose();
  return {
    ok: true,
    isolated: crossOriginIsolated,
    ...(encoder.device ? { device: encoder.device } : {}),
    queryTerms: query.indices.length,
    documentTerms: vectors.map((v) => v.indices.length),
    hits: hits.map((h) => ({ id: h.id, score: h.score })),
    widget,
  };
}

/** The widget as a bundler user adds it: define(), an element, and a source over the app's own index. */
async function searchBox(index: SparseIndex, encoder: WorkerSparseEncoder): Promise<NonNullable<Outcome['widget']>> {
  const element = define();
  const box = document.createElement('splade-search');
  box.setAttribute('mode', 'inline');
  const source: SearchSource = {
    key: 'consumer',
    async search(query, { limit, signal }) {
      const found = await index.search(await encoder.encodeQuery(query), { limit, signal, explain: true });
      return found.map((h): WidgetHit => ({
        id: h.id,
        url: `#${h.id}`,
        title: h.id,
        path: [],
        score: h.score,
        ...(h.snippet ? { snippet: h.snippet } : {}),
      }));
    },
  };
  box.source = source;
  document.body.append(box);
  const shown = new Promise<string[]>((resolve, reject) => {
    box.addEventListener('splade-search:results', (e) => resolve(e.detail.hits.map((h) => h.title)));
    box.addEventListener('splade-search:error', (e) => reject(e.detail.error));
  });
  box.search('rebase a branch');
  return { defined: customElements.get('splade-search') === element, shown: await shown };
}

run()
  .catch((error: unknown): Outcome => {
    const e = error as Error;
    return {
      ok: false,
      isolated: crossOriginIsolated,
      error: { name: e.name, ...(error instanceof SpladeError ? { code: error.code } : {}), message: e.message },
    };
  })
  .then((outcome) => {
    window.outcome = outcome;
    status.textContent = outcome.ok ? `done: ${outcome.hits!.map((h) => h.id).join(', ')}` : outcome.error!.message;
    const list = document.getElementById('hits')!;
    for (const hit of outcome.hits ?? []) {
      const li = document.createElement('li');
      li.textContent = `${hit.id} ${hit.score.toFixed(3)}`;
      list.append(li);
    }
  });
