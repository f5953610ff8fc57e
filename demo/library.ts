/**
 * The library panel: the user's files with their passage counts in the current model's index,
 * remove one, clear all, the storage used and a request for persistent storage. It also opens the
 * model's index and turns every storage failure into a message with a way out: a damaged index is
 * repaired, an index of another version restarted from the stored files, an evicted one re-indexed.
 *
 * Files the user added are indexed without asking (they wait in the queue, indexing.ts, until a
 * model is ready). What the library offers a button for is what the user did not ask for yet:
 * files indexed with another model than the one loaded now (a switch re-encodes nothing on its own:
 * that can take minutes on a big library, and the user may only be trying the model), and files
 * the user stopped with Cancel.
 */
import { SparseIndex } from '../src/browser.ts';
import { announce, byId, formatBytes, h } from './dom.ts';
import { app, describeError, emit, indexName, knownModels, on, rememberModel } from './app.ts';
import { deleteAllFiles, deleteFile, listFiles, type FileRecord } from './files.ts';
import {
  cancelIndexing,
  dequeue,
  enqueue,
  fileOfPassage,
  isIndexing,
  isQueued,
  queuedFiles,
  resumeIndexing,
} from './indexing.ts';

const FILES_MARK = 'splade-demo:had-files';
const passagesMark = (key: string) => `splade-demo:passages:${key}`;

let files: FileRecord[] = [];
/** Passages in the current index, per file id. */
let counts = new Map<string, number>();

function alertBox(message: string, actions: { label: string; run: () => void | Promise<void> }[] = []): void {
  const box = byId('library-alert');
  box.hidden = false;
  box.replaceChildren(
    h('p', { text: message }),
    ...actions.map((a) =>
      h('button', {
        attrs: { type: 'button' },
        text: a.label,
        on: { click: () => void Promise.resolve(a.run()).catch((e) => alertBox(describeError(e))) },
      }),
    ),
  );
  announce(message);
}

function clearAlert(): void {
  const box = byId('library-alert');
  box.hidden = true;
  box.replaceChildren();
}

/** Opens (or reopens) the current model's index; on failure says what happened and how to recover. */
export async function openIndex(): Promise<void> {
  void app.index?.dispose();
  app.index = undefined;
  const model = app.model;
  if (!model || !app.encoder) return;
  const name = indexName(model.key);
  const options = { encoder: app.encoder, model: model.key };
  try {
    app.index = await SparseIndex.open(name, options);
    rememberModel(model.key);
    clearAlert();
    // Files added while no model was ready (on this visit or an earlier one) are indexed now.
    resumeIndexing();
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === 'index-corrupt') {
      alertBox(
        `The stored index of ${model.label} is damaged (${describeError(error)}). Repair rebuilds it from the passages it still holds; Re-index starts it over from your files.`,
        [
          {
            label: 'Repair the index',
            run: async () => {
              const { index, dropped } = await SparseIndex.repair(name, options);
              app.index = index;
              resumeIndexing();
              alertBox(
                dropped.length
                  ? `Repaired; ${dropped.length} damaged passages were dropped. Index their files again from the library to restore them.`
                  : 'Repaired: every passage was kept.',
              );
              emit('library', undefined);
            },
          },
          { label: 'Re-index from my files', run: () => restart(name, options) },
        ],
      );
    } else if (code === 'index-schema' || code === 'index-model') {
      alertBox(
        `The stored index cannot be read by this version (${describeError(error)}). Your files are kept: re-index them to search again.`,
        [{ label: 'Re-index from my files', run: () => restart(name, options) }],
      );
    } else if (code === 'storage-unavailable') {
      alertBox(
        `This browser does not let the page store an index (${describeError(error)}). A private window or disabled site storage does this: open the demo in a normal window.`,
      );
    } else
      alertBox(
        `Could not open the index: ${describeError(error)}. Reload the page; if it happens again, Re-index starts over from your files.`,
        [{ label: 'Re-index from my files', run: () => restart(name, options) }],
      );
  }
  emit('library', undefined);
}

async function restart(
  name: string,
  options: { encoder: NonNullable<typeof app.encoder>; model: string },
): Promise<void> {
  await SparseIndex.delete(name);
  app.index = await SparseIndex.open(name, options);
  clearAlert();
  enqueue(await listFiles());
  emit('library', undefined);
}

/** Recounts passages per file and repaints the panel. */
export async function refreshLibrary(): Promise<void> {
  try {
    files = await listFiles();
  } catch (error) {
    alertBox(`The list of your files could not be read: ${describeError(error)}. Reload the page.`);
    return;
  }
  counts = new Map();
  const index = app.index;
  if (index) {
    try {
      for (const id of await index.ids()) {
        const f = fileOfPassage(id);
        counts.set(f, (counts.get(f) ?? 0) + 1);
      }
    } catch (error) {
      if ((error as { code?: string }).code === 'index-missing') {
        alertBox(
          'The index was deleted by the browser while the page was open (storage pressure, or site data cleared). Your files are listed below: re-index them.',
          [{ label: 'Re-index all files', run: () => openIndex().then(async () => enqueue(await listFiles())) }],
        );
      } else alertBox(`The index could not be read: ${describeError(error)}.`);
    }
  }
  checkEviction(index);
  paint();
  void showStorage();
}

/** Tells when the browser deleted data: the files list or the index is empty though it was not. */
function checkEviction(index: SparseIndex | undefined): void {
  const hadFiles = Number(localStorage.getItem(FILES_MARK) ?? 0);
  if (files.length === 0 && hadFiles > 0) {
    alertBox(
      `Your library of ${hadFiles} file${hadFiles === 1 ? '' : 's'} is gone: the browser deleted this site’s storage (to free disk space, or site data was cleared). Add your files again; Keep my library asks the browser not to delete it again.`,
      [
        { label: 'Keep my library (persistent storage)', run: requestPersistence },
        // The indexes may still hold passages of the lost files: a new library starts them empty too.
        {
          label: 'Start a new library',
          run: async () => {
            await clearAll();
            clearAlert();
          },
        },
      ],
    );
    return;
  }
  localStorage.setItem(FILES_MARK, String(files.length));
  if (!index || !app.model) return;
  const key = passagesMark(app.model.key);
  const had = Number(localStorage.getItem(key) ?? 0);
  const now = index.count();
  if (had > 0 && now === 0 && files.length > 0 && !isIndexing()) {
    alertBox(
      `The index of ${app.model.label} held ${had} passages and is now empty: the browser deleted it. Your ${files.length} files are still here: re-index them.`,
      [
        {
          label: 'Re-index all files',
          run: async () => {
            localStorage.setItem(key, '0');
            clearAlert();
            enqueue(files);
          },
        },
      ],
    );
    return;
  }
  localStorage.setItem(key, String(now));
}

function paint(): void {
  const list = byId('file-list');
  const summary = byId('library-summary');
  const model = app.model;
  // Queued files are on their way: no button for them.
  const missing = files.filter((f) => (counts.get(f.id) ?? 0) < f.passages && !isQueued(f.id));
  const total = [...counts.values()].reduce((a, b) => a + b, 0);
  const queued = queuedFiles();
  const queueLine = queued ? ` ${queued} in the indexing queue.` : '';
  summary.textContent =
    files.length === 0
      ? 'No files yet: add some above, or load the samples.'
      : `${files.length} file${files.length === 1 ? '' : 's'}, ${total.toLocaleString('en')} passages indexed${model ? ` with ${model.key}` : ''}.${queueLine}`;
  list.replaceChildren(
    ...files.map((f) => {
      const n = counts.get(f.id) ?? 0;
      const all = `${f.passages} passage${f.passages === 1 ? '' : 's'}`;
      const queued = isQueued(f.id);
      const state =
        n >= f.passages
          ? all
          : queued
            ? n === 0
              ? `${all}, queued for indexing`
              : `${n} of ${all} indexed, queued`
            : n === 0
              ? `${all}, not indexed with this model`
              : `${n} of ${all} indexed`;
      const row = h(
        'li',
        { attrs: { 'data-file': f.id } },
        h('span', { class: 'file-name', text: f.name }),
        h('span', { class: 'muted', text: ` ${f.format} · ${formatBytes(f.size)} · ` }),
        h('span', { class: 'file-count', text: state }),
      );
      if (n < f.passages && app.index && !queued)
        row.append(
          h('button', {
            attrs: { type: 'button', 'aria-label': `Index the rest of ${f.name}` },
            text: n === 0 ? 'Index' : 'Resume',
            on: { click: () => enqueue([f]) },
          }),
        );
      row.append(
        h('button', {
          attrs: { type: 'button', 'aria-label': `Remove ${f.name}` },
          text: 'Remove',
          on: { click: () => void removeFile(f) },
        }),
      );
      return row;
    }),
  );
  const reindex = byId('reindex');
  reindex.replaceChildren();
  if (model && app.index && missing.length && !isIndexing()) {
    reindex.append(
      h('p', {
        text: `${missing.length} of your files ${missing.length === 1 ? 'is' : 'are'} not fully indexed with ${model.label}.`,
      }),
      h('button', {
        attrs: { type: 'button' },
        text: `Index ${missing.length === 1 ? 'it' : 'them'} with ${model.key}`,
        on: { click: () => enqueue(missing) },
      }),
    );
  }
  byId<HTMLButtonElement>('clear').disabled = files.length === 0;
}

async function removeFile(f: FileRecord): Promise<void> {
  // Only this file leaves the queue; once its job (if in flight) has settled, none of it is written.
  await dequeue(f.id);
  // Its passages go from every model's index, so none keeps a file the library no longer lists.
  for (const key of knownModels()) {
    const index =
      key === app.model?.key && app.index ? app.index : await SparseIndex.open(indexName(key)).catch(() => undefined);
    if (!index) continue;
    try {
      const ids = await index.ids({ file: f.id });
      if (ids.length) await index.remove(ids);
    } finally {
      if (index !== app.index) void index.dispose();
    }
  }
  await deleteFile(f.id);
  announce(`Removed ${f.name}`);
  emit('library', undefined);
}

async function clearAll(): Promise<void> {
  await cancelIndexing();
  for (const key of knownModels()) {
    if (key === app.model?.key && app.index) await app.index.clear();
    else await SparseIndex.delete(indexName(key)).catch(() => {});
  }
  await deleteAllFiles();
  localStorage.setItem(FILES_MARK, '0');
  announce('The library is empty');
  emit('library', undefined);
}

async function showStorage(): Promise<void> {
  const el = byId('storage');
  if (!navigator.storage?.estimate) {
    el.textContent = 'This browser does not report storage use.';
    return;
  }
  const [estimate, persisted] = await Promise.all([
    navigator.storage.estimate(),
    navigator.storage.persisted?.() ?? Promise.resolve(false),
  ]);
  el.textContent = `Storage used: ${formatBytes(estimate.usage ?? 0)} of ${formatBytes(estimate.quota ?? 0)} available to this site. ${persisted ? 'Persistent: the browser will not delete it to free space.' : 'Not persistent: the browser may delete it when disk space runs low.'}`;
  byId<HTMLButtonElement>('persist').hidden = persisted;
}

async function requestPersistence(): Promise<void> {
  const granted = (await navigator.storage?.persist?.()) ?? false;
  const message = granted
    ? 'Persistent storage granted: the browser will keep your library.'
    : 'The browser declined persistent storage (browsers grant it to sites you use often, bookmark or install). Your library is stored, but may be deleted when disk space runs low.';
  announce(message);
  byId('storage-note').textContent = message;
  void showStorage();
}

export function initLibrary(): void {
  byId('clear').addEventListener('click', () => {
    // A real confirmation, keyboard reachable: the button turns into "Really clear?".
    const b = byId<HTMLButtonElement>('clear');
    if (b.dataset['armed'] !== '1') {
      b.dataset['armed'] = '1';
      b.textContent = 'Click again to delete every file and passage';
      setTimeout(() => {
        b.dataset['armed'] = '';
        b.textContent = 'Clear all';
      }, 5000);
      return;
    }
    b.dataset['armed'] = '';
    b.textContent = 'Clear all';
    void clearAll().catch((e) => alertBox(`Clearing failed: ${describeError(e)}`));
  });
  byId('persist').addEventListener('click', () => void requestPersistence());
  on('library', () => void refreshLibrary());
  on('indexing', () => void refreshLibrary());
}
