/**
 * The demo page: search your own documents offline, and see why each one matched. This file only
 * wires the panels together; each lives in its own module:
 *   model.ts      model picker, download progress, backend and timings
 *   ingest.ts     files, folders, drop, paste -> files.ts (stored) -> passages.ts (split)
 *   indexing.ts   encode in the worker, commit batches to the SparseIndex, progress, cancel
 *   library.ts    the files and their passages, remove, clear, storage, recovery
 *   search.ts     search as you type, hits with highlighted snippets
 *   explainer.ts  the token-contribution explainer
 *   offline.ts    service worker registration (public/sw.js)
 */
import { app, type ModelInfo } from './app.ts';
import { byId } from './dom.ts';
import { initIngest } from './ingest.ts';
import { lastDrain, lastRun, resumeIndexing } from './indexing.ts';
import { initLibrary, openIndex, refreshLibrary } from './library.ts';
import { initialChoice, initModelPanel } from './model.ts';
import { initOffline } from './offline.ts';
import { initSearch, searchStats } from './search.ts';

/** When the model changes, the old index stays as it is; say why this one differs. */
function noteModelSwitch(previous: ModelInfo | undefined): void {
  const note = byId('model-note');
  const model = app.model;
  note.replaceChildren();
  if (!previous || !model || previous.key === model.key) return;
  note.textContent =
    previous.vocabSize !== model.vocabSize
      ? `${model.key} has another vocabulary (${model.vocabSize.toLocaleString('en')} tokens; ${previous.key} has ${previous.vocabSize.toLocaleString('en')}): its vectors cannot be scored against ${previous.key}’s, so it keeps its own index. Files not yet indexed with it are listed in the library, with a button to index them.`
      : `${model.key} has the same vocabulary size as ${previous.key} but other weights: scores of two models do not compare, so it keeps its own index. Files not yet indexed with it can be indexed from the library.`;
}

async function start(): Promise<void> {
  initLibrary();
  initIngest();
  initSearch();
  // Open with the library listed at once, before any model is ready, and the files a closed page
  // left in the indexing queue shown as waiting for the model.
  void refreshLibrary();
  resumeIndexing();
  await initOffline();
  const panel = initModelPanel(async (previous) => {
    await openIndex();
    noteModelSwitch(previous);
  });
  await panel.load(initialChoice());
}

// A handle for the browser console, the tests and the benchmark: the loaded encoder and index.
Object.assign(globalThis, { spladeDemo: { app, searchStats, lastRun, lastDrain } });
void start();
