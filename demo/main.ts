/**
 * The demo page: encode the documents typed (or the bundled sample), encode a query, rank by dot
 * product and show why each hit matched. Document text is untrusted: it only ever reaches the page
 * through textContent, never innerHTML.
 */
import { WorkerSparseEncoder, dot, type EncodedVector, type EncoderDevice } from '../src/browser.ts';

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const modelSelect = $<HTMLSelectElement>('model');
const deviceSelect = $<HTMLSelectElement>('device');
const statusEl = $('status');
const docsEl = $<HTMLTextAreaElement>('docs');
const queryEl = $<HTMLInputElement>('query');
const resultsEl = $('results');
const queryVectorEl = $('query-vector');
const encodeInfo = $('encode-info');

let encoder: WorkerSparseEncoder | undefined;
let docs: { text: string; vector: EncodedVector }[] = [];

async function sampleDocs(model: string): Promise<string[]> {
  const lang = model.endsWith('-ko') ? 'ko' : 'en';
  try {
    const res = await fetch(`/demo-docs/${lang}.json`);
    if (!res.ok) throw new Error(String(res.status));
    const list = (await res.json()) as { title: string; text: string }[];
    return list.slice(0, 25).map((d) => `${d.title}: ${d.text}`.replace(/\s+/g, ' ').slice(0, 400));
  } catch {
    return lang === 'ko' ? ['레이어를 복사하고 붙여넣는 방법', '이미지 크기를 조절하는 방법', '브러시로 그림을 그리는 방법'] : ['Branches let you work on features in isolation.', 'A commit records a snapshot of the project.', 'Use git clone to copy a repository.'];
  }
}

function setStatus(text: string): void {
  statusEl.textContent = text;
}

async function loadModel(): Promise<void> {
  await encoder?.dispose();
  encoder = undefined;
  docs = [];
  resultsEl.replaceChildren();
  queryVectorEl.replaceChildren();
  const model = modelSelect.value;
  setStatus(`loading ${model}…`);
  docsEl.value = (await sampleDocs(model)).join('\n');
  try {
    encoder = await WorkerSparseEncoder.fromPretrained(model, {
      device: deviceSelect.value as EncoderDevice | 'auto',
      onProgress: (e) => {
        if (e.status === 'progress' && e.total) setStatus(`downloading ${e.file}: ${Math.round((100 * e.loaded) / e.total)}%`);
      },
    });
    setStatus(`ready (${encoder.inferenceFree ? 'inference-free queries' : 'symmetric'}, vocabulary ${encoder.vocabSize})`);
    await encodeDocs();
  } catch (error) {
    setStatus((error as Error).message);
  }
}

async function encodeDocs(): Promise<void> {
  if (!encoder) return;
  const texts = docsEl.value.split('\n').map((t) => t.trim()).filter((t) => t !== '');
  setStatus('encoding documents…');
  const started = performance.now();
  try {
    const vectors = await encoder.encodeDocument(texts, { onBatch: ({ done, total }) => setStatus(`encoding documents… ${done}/${total} windows`) });
    docs = texts.map((text, k) => ({ text, vector: vectors[k]! }));
    const nnz = vectors.map((v) => v.indices.length);
    encodeInfo.textContent = `${texts.length} documents in ${Math.round(performance.now() - started)} ms on ${encoder.device ?? 'static'}; non-zeros per document ${Math.min(...nnz)}–${Math.max(...nnz)}`;
    setStatus('ready');
    if (queryEl.value) await search();
  } catch (error) {
    setStatus((error as Error).message);
  }
}

function tokenChip(label: string, weight: number, match = false): HTMLElement {
  const chip = document.createElement('span');
  chip.className = match ? 'token match' : 'token';
  chip.textContent = label;
  const w = document.createElement('small');
  w.textContent = weight.toFixed(2);
  chip.append(w);
  return chip;
}

async function search(): Promise<void> {
  if (!encoder) return;
  const query = await encoder.encodeQuery(queryEl.value);
  queryVectorEl.replaceChildren(...encoder.decode(query, 20).map((t) => tokenChip(t.token, t.weight)));
  const ranked = docs.map((d, k) => ({ k, score: dot(query, d.vector) })).filter((r) => r.score > 0).sort((a, b) => b.score - a.score || a.k - b.k).slice(0, 10);
  resultsEl.replaceChildren(
    ...ranked.map(({ k, score }) => {
      const li = document.createElement('li');
      const head = document.createElement('div');
      const s = document.createElement('span');
      s.className = 'score';
      s.textContent = score.toFixed(3);
      head.append(s);
      const text = document.createElement('p');
      text.className = 'doc-text';
      text.textContent = docs[k]!.text;
      const why = document.createElement('div');
      why.className = 'tokens';
      why.setAttribute('aria-label', 'Contributions');
      for (const c of encoder!.explain(query, docs[k]!.vector).contributions.slice(0, 8)) why.append(tokenChip(`${c.token} ${c.queryWeight.toFixed(2)}×${c.documentWeight.toFixed(2)}`, c.product, true));
      li.append(head, text, why);
      return li;
    }),
  );
  if (ranked.length === 0) {
    const li = document.createElement('li');
    li.textContent = 'No document shares a term with this query.';
    resultsEl.append(li);
  }
}

modelSelect.addEventListener('change', () => void loadModel());
deviceSelect.addEventListener('change', () => void loadModel());
$('encode').addEventListener('click', () => void encodeDocs());
$('search-form').addEventListener('submit', (e) => {
  e.preventDefault();
  void search();
});
void loadModel();
