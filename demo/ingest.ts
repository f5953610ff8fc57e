/**
 * Adding documents: the file picker (several files), the folder picker, a drop anywhere on the
 * page, and pasted text. Files are read, split into passages, stored (so they survive reloads and
 * can be re-indexed with another model) and queued for indexing, whether or not a model is ready:
 * the queue waits for one (indexing.ts).
 */
import { announce, byId } from './dom.ts';
import { app, describeError, emit } from './app.ts';
import { droppedFiles, fromText, readUserFile, saveFile, type ReadFile } from './files.ts';
import { canIndex, cancelIndexing, enqueue } from './indexing.ts';
import { languageOf } from './model.ts';

let pasted = 0;

async function accept(results: ReadFile[]): Promise<void> {
  const info = byId('add-info');
  const ok = results.filter((r): r is Extract<ReadFile, { ok: true }> => r.ok);
  const bad = results.filter((r): r is Extract<ReadFile, { ok: false }> => !r.ok);
  const lines: string[] = [];
  try {
    for (const r of ok) await saveFile(r.record, r.text);
  } catch (error) {
    const code = (error as { name?: string }).name;
    info.textContent =
      code === 'QuotaExceededError'
        ? 'The browser refused to store the files: the disk is full or the site’s quota is used up. Remove files from the library, or free disk space, and add them again.'
        : `The files could not be stored: ${describeError(error)}. Reload the page and add them again.`;
    announce(info.textContent);
    return;
  }
  if (ok.length)
    lines.push(
      `Added ${ok.length} file${ok.length === 1 ? '' : 's'} (${ok.reduce((n, r) => n + r.passages.length, 0)} passages).`,
    );
  for (const r of ok) for (const w of r.warnings) lines.push(`${r.record.name}: ${w}`);
  for (const r of bad) lines.push(`Skipped ${r.name}: ${r.reason}.`);
  if (ok.length && !canIndex()) {
    lines.push(
      `${ok.length === 1 ? 'It waits' : 'They wait'} in the indexing queue and will be indexed as soon as the model is ready.`,
    );
  }
  info.textContent = lines.join(' ');
  announce(info.textContent);
  // Queued before the library repaints, so it lists them as queued rather than as not indexed.
  enqueue(ok.map((r) => r.record));
  emit('library', undefined);
}

export async function addFiles(list: { file: File; path: string }[]): Promise<void> {
  await accept(await Promise.all(list.map(({ file, path }) => readUserFile(file, path))));
}

export function initIngest(): void {
  const files = byId<HTMLInputElement>('files');
  const folder = byId<HTMLInputElement>('folder');
  files.addEventListener('change', () => {
    const list = Array.from(files.files ?? []).map((file) => ({ file, path: file.name }));
    files.value = '';
    void addFiles(list);
  });
  folder.addEventListener('change', () => {
    // A folder pick lists every file under it; take the readable ones, keep their paths.
    const list = Array.from(folder.files ?? []).map((file) => ({ file, path: file.webkitRelativePath || file.name }));
    folder.value = '';
    void addFiles(list.filter(({ file }) => /\.(txt|text|md|markdown|html?|xhtml|jsonl|ndjson)$/i.test(file.name)));
  });

  const zone = byId('drop-overlay');
  let depth = 0;
  document.addEventListener('dragenter', (e) => {
    if (!e.dataTransfer?.types.includes('Files')) return;
    depth++;
    zone.hidden = false;
  });
  document.addEventListener('dragleave', () => {
    depth = Math.max(0, depth - 1);
    if (depth === 0) zone.hidden = true;
  });
  document.addEventListener('dragover', (e) => {
    if (e.dataTransfer?.types.includes('Files')) e.preventDefault();
  });
  document.addEventListener('drop', (e) => {
    depth = 0;
    zone.hidden = true;
    if (!e.dataTransfer) return;
    e.preventDefault();
    const taking = droppedFiles(e.dataTransfer);
    void taking.then(addFiles).catch((error) => {
      byId('add-info').textContent =
        `The dropped files could not be read: ${describeError(error)}. Try the file picker instead.`;
    });
  });

  const text = byId<HTMLTextAreaElement>('docs');
  const lines = byId<HTMLInputElement>('paste-lines');
  byId('encode').addEventListener('click', () => {
    const value = text.value;
    if (!value.trim()) {
      byId('add-info').textContent = 'Nothing to add: paste or type some text first.';
      return;
    }
    pasted++;
    // Without blank lines, pasted text reads as a list of notes: a passage per line.
    const perLine = lines.checked || !/\n[ \t]*\n/.test(value);
    const r = fromText(
      `pasted text ${new Date().toISOString().slice(0, 19).replace('T', ' ')}${pasted > 1 ? ` (${pasted})` : ''}`,
      'txt',
      value,
      value.length,
      perLine,
    );
    void accept([r]).then(() => {
      if (r.ok) text.value = '';
    });
  });
  byId('samples').addEventListener('click', () => void addSamples());
  byId('cancel').addEventListener('click', () => {
    byId<HTMLButtonElement>('cancel').disabled = true;
    void cancelIndexing();
    announce('Cancelling: the batch in progress is dropped, committed passages stay');
  });
}

/** The bundled sample documents of the model's language (git manual pages, or the GIMP manual). */
async function addSamples(): Promise<void> {
  // The chosen model's language, loaded or still loading (the samples then wait in the queue).
  const lang = languageOf(app.model?.key ?? app.chosenModel);
  const info = byId('add-info');
  try {
    const res = await fetch(new URL(`../demo-docs/${lang}.json`, location.href));
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    const docs = (await res.json()) as { title: string; text: string; url?: string }[];
    const jsonl = docs
      .map((d, k) => JSON.stringify({ _id: d.url ?? String(k), title: d.title, text: d.text }))
      .join('\n');
    await accept([fromText(`samples-${lang}.jsonl`, 'jsonl', jsonl)]);
  } catch (error) {
    info.textContent = `The samples could not be loaded (${describeError(error)}). Add your own files instead.`;
  }
}
