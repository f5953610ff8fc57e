/**
 * Indexing, off the main thread where it costs: the encoder runs in its Web Worker, IndexedDB
 * writes are asynchronous, and the page only packs each batch into a segment. Encoding batch k+1
 * overlaps writing batch k, so the page indexes at about the encoder's own rate.
 *
 * Each batch is one all-or-nothing `index.add`: Cancel (or a reload, or a crash) keeps every
 * committed batch and nothing of the one in flight. A file whose passages are not all in the index
 * is listed as partly indexed, and indexing it again adds only the passages it lacks.
 */
import type { IndexDocument } from '../src/browser.ts';
import { announce, byId, formatDuration } from './dom.ts';
import { app, describeError, emit } from './app.ts';
import { fileText, passagesOf, type FileRecord } from './files.ts';

/** Passages per encode call and per commit: small enough that a query typed meanwhile waits little. */
export const BATCH = 16;

interface Job {
  record: FileRecord;
}

const queue: Job[] = [];
let running = false;
let controller: AbortController | undefined;

export function passageId(fileId: string, n: number): string {
  return `${fileId}#${n}`;
}

export function fileOfPassage(id: string): string {
  const at = id.lastIndexOf('#');
  return at < 0 ? id : id.slice(0, at);
}

export function isIndexing(): boolean {
  return running;
}

/** Queue files for indexing with the current model (those already queued are not queued twice). */
export function enqueue(records: readonly FileRecord[]): void {
  for (const r of records) if (!queue.some((j) => j.record.id === r.id)) queue.push({ record: r });
  void drain();
}

export function cancelIndexing(): void {
  queue.length = 0;
  controller?.abort();
}

export interface IndexingProgress {
  file: string;
  done: number;
  total: number;
  perSecond: number;
  secondsLeft: number;
  queued: number;
}

/** Figures of the last file indexed and of the last whole queue, for the benchmark (window.spladeDemo). */
export const lastRun = { passages: 0, ms: 0, encodeMs: 0 };
export const lastDrain = { passages: 0, ms: 0, encodeMs: 0, files: 0, running: false };

async function drain(): Promise<void> {
  if (running) return;
  running = true;
  emit('indexing', true);
  const bar = byId<HTMLProgressElement>('index-progress');
  const text = byId('index-text');
  const cancel = byId<HTMLButtonElement>('cancel');
  const info = byId('encode-info');
  const box = byId('indexing');
  box.hidden = false;
  cancel.hidden = false;
  cancel.disabled = false;
  let lastAnnounce = 0;
  const drainStarted = performance.now();
  Object.assign(lastDrain, { passages: 0, ms: 0, encodeMs: 0, files: 0, running: true });
  const show = (p: IndexingProgress) => {
    bar.max = Math.max(1, p.total);
    bar.value = p.done;
    text.textContent = `${p.file}: ${p.done.toLocaleString('en')} / ${p.total.toLocaleString('en')} passages · ${p.perSecond.toFixed(1)} passages/s · ${formatDuration(p.secondsLeft)} left${p.queued ? ` · ${p.queued} more file${p.queued === 1 ? '' : 's'} queued` : ''}`;
    if (performance.now() - lastAnnounce > 5000) {
      lastAnnounce = performance.now();
      announce(`Indexing ${p.file}: ${p.done} of ${p.total} passages`);
    }
  };
  try {
    while (queue.length) {
      const job = queue.shift()!;
      controller = new AbortController();
      const started = performance.now();
      try {
        const n = await indexFile(job.record, controller.signal, (p) => show({ ...p, queued: queue.length }));
        lastDrain.passages += n;
        lastDrain.encodeMs += lastRun.encodeMs;
        lastDrain.files++;
        const secs = (performance.now() - started) / 1000;
        info.textContent = `${app.index?.count() ?? 0} documents (passages) in the index · “${job.record.name}”: ${n} new passages in ${secs.toFixed(1)} s`;
        announce(`Indexed ${job.record.name}: ${n} passages`);
      } catch (error) {
        const aborted = controller.signal.aborted || (error as { code?: string }).code === 'aborted';
        const kept = app.index ? (await app.index.ids({ file: job.record.id }).catch(() => [])).length : 0;
        if (aborted) {
          info.textContent = `Cancelled: “${job.record.name}” has ${kept} of ${job.record.passages} passages indexed (every one of them searchable). Index it again from the library to add the rest.`;
        } else {
          info.textContent = `Indexing “${job.record.name}” stopped: ${describeError(error)}. ${kept} of ${job.record.passages} passages were kept.`;
          reportStorageError(error);
        }
        announce(info.textContent);
        if (aborted) queue.length = 0;
      } finally {
        emit('library', undefined);
      }
    }
  } finally {
    lastDrain.ms = performance.now() - drainStarted;
    lastDrain.running = false;
    running = false;
    controller = undefined;
    cancel.hidden = true;
    box.hidden = true;
    emit('indexing', false);
  }
}

/** A storage failure during indexing is shown in the library's alert, with what to do. */
function reportStorageError(error: unknown): void {
  const code = (error as { code?: string }).code;
  const alert = document.getElementById('library-alert');
  if (!alert) return;
  if (code === 'quota-exceeded') {
    alert.hidden = false;
    alert.textContent = 'The browser refused to store more: the disk is full or this site’s storage quota is used up. Remove files you do not need (or Clear all), free disk space, then index the file again: what was committed before is kept.';
  } else if (code === 'index-missing') {
    alert.hidden = false;
    alert.textContent = 'The stored index was deleted while indexing (the browser evicted it, or site data was cleared). Reload the page to re-index your files.';
  }
}

async function indexFile(record: FileRecord, signal: AbortSignal, progress: (p: Omit<IndexingProgress, 'queued'>) => void): Promise<number> {
  const index = app.index;
  const encoder = app.encoder;
  if (!index || !encoder) throw new Error('no model is loaded');
  const text = await fileText(record.id);
  if (text === undefined) throw new Error(`the text of “${record.name}” is no longer stored; remove it and add the file again`);
  const { passages } = passagesOf(record.format, record.name, text, record.lines);
  const have = new Set(await index.ids({ file: record.id }));
  const todo = passages.map((p, n) => ({ p, n })).filter(({ n }) => !have.has(passageId(record.id, n)));
  const total = passages.length;
  let done = have.size;
  const started = performance.now();
  let encodeMs = 0;
  let written = 0;
  const report = () => {
    const secs = (performance.now() - started) / 1000;
    const rate = written / Math.max(secs, 1e-3);
    progress({ file: record.name, done, total, perSecond: rate, secondsLeft: rate > 0 ? (total - done) / rate : Infinity });
  };
  report();
  const encode = async (batch: typeof todo) => {
    const t = performance.now();
    const vectors = await encoder.encodeDocument(batch.map((b) => b.p.text), { spans: true, signal });
    encodeMs += performance.now() - t;
    return vectors;
  };
  let writing: Promise<void> | undefined;
  let next = todo.length ? encode(todo.slice(0, BATCH)) : undefined;
  for (let at = 0; at < todo.length; at += BATCH) {
    const batch = todo.slice(at, at + BATCH);
    const vectors = await next!;
    // Start the next batch's encode before this batch's write: the worker never waits for storage.
    next = at + BATCH < todo.length ? encode(todo.slice(at + BATCH, at + 2 * BATCH)) : undefined;
    // Unhandled until awaited: a cancelled encode must not surface as an unhandled rejection.
    next?.catch(() => {});
    await writing;
    const docs: IndexDocument[] = batch.map(({ p, n }, k) => ({
      id: passageId(record.id, n),
      text: p.text,
      vector: vectors[k]!,
      fields: { file: record.id, name: record.name, title: p.title, path: p.headings.join(' › '), start: p.start, end: p.end, ...(p.docId !== undefined ? { docId: p.docId } : {}) },
    }));
    writing = index.add(docs, { signal }).then(() => {
      done += docs.length;
      written += docs.length;
      report();
    });
    writing.catch(() => {});
  }
  await writing;
  lastRun.passages = written;
  lastRun.ms = performance.now() - started;
  lastRun.encodeMs = encodeMs;
  return written;
}
