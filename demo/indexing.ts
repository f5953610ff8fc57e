/**
 * Indexing, off the main thread where it costs: the encoder runs in its Web Worker, IndexedDB
 * writes are asynchronous, and the page only packs each batch into a segment. Encoding batch k+1
 * overlaps writing batch k, so the page indexes at about the encoder's own rate.
 *
 * Each batch is one all-or-nothing `index.add`: Cancel (or a reload, or a crash) keeps every
 * committed batch and nothing of the one in flight. A file whose passages are not all in the index
 * is listed as partly indexed, and indexing it again adds only the passages it lacks.
 *
 * The queue is what the user asked to index and has not got yet. It does not need a model: files
 * added while the model loads (the file input works at once) wait in it and are indexed as soon as
 * the model's index is open. It is kept in localStorage, so a page closed before the model was
 * ready, or in the middle of the queue, goes on with it on the next visit. A model switch pauses it
 * (the file in flight is indexed whole in the new model's index). Files leave it when done, on
 * Cancel, when removed, or when indexing one fails (so a failure is not retried on every visit).
 */
import type { IndexDocument } from '../src/browser.ts';
import { announce, byId, formatDuration } from './dom.ts';
import { app, describeError, emit } from './app.ts';
import { fileText, listFiles, passagesOf, type FileRecord } from './files.ts';

/** Passages per encode call and per commit: small enough that a query typed meanwhile waits little. */
export const BATCH = 16;

const QUEUE_KEY = 'splade-demo:queue';

/** Ids of the files to index, in order; the one in flight stays first until it is done. */
let queue: string[] = readQueue();
/** Records of queued files; those queued on an earlier visit are looked up when indexing starts. */
const records = new Map<string, FileRecord>();
let running = false;
let controller: AbortController | undefined;
/** Why the file in flight was stopped: each reason keeps a different part of the queue. */
let stopping: 'cancel' | 'pause' | 'remove' | undefined;
/** The file in flight and its job, which settles once nothing more of it can be written. */
let inFlight: { id: string; settled: Promise<unknown> } | undefined;

function readQueue(): string[] {
  try {
    const v = JSON.parse(localStorage.getItem(QUEUE_KEY) ?? '[]') as unknown;
    return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
  } catch {
    return [];
  }
}

function saveQueue(): void {
  try {
    localStorage.setItem(QUEUE_KEY, JSON.stringify(queue));
  } catch {
    // Storage refused (private mode, quota): the queue still runs, it just does not outlive the page.
  }
}

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

/** Whether indexing can run now: a model is loaded and its index is open. */
export function canIndex(): boolean {
  return !!(app.index && app.encoder);
}

/** Whether the file waits in the queue (or is being indexed). */
export function isQueued(fileId: string): boolean {
  return queue.includes(fileId);
}

/** Files in the queue, the one in flight included. */
export function queuedFiles(): number {
  return queue.length;
}

/**
 * Queues files for indexing (those already queued are not queued twice). They are indexed at once
 * when a model is ready, else as soon as one is.
 */
export function enqueue(list: readonly FileRecord[]): void {
  for (const r of list) {
    records.set(r.id, r);
    if (!queue.includes(r.id)) queue.push(r.id);
  }
  saveQueue();
  void drain();
}

/** Starts the queue if a model is ready (a new index was opened), or shows what it waits for. */
export function resumeIndexing(): void {
  void drain();
}

/** Cancel: empties the queue and stops the file in flight (its committed batches stay). */
export function cancelIndexing(): Promise<void> {
  queue = [];
  saveQueue();
  if (!running) {
    showWaiting();
    emit('library', undefined);
  }
  return stop('cancel');
}

/**
 * A model switch: the file in flight stops (its batches so far stay in the old model's index) and
 * the queue waits for the new model, which indexes that file and the rest.
 */
export function pauseIndexing(): Promise<void> {
  return stop('pause');
}

/** A file leaves the queue (it is being removed); resolves once nothing more of it can be written. */
export function dequeue(fileId: string): Promise<void> {
  queue = queue.filter((id) => id !== fileId);
  saveQueue();
  records.delete(fileId);
  return inFlight?.id === fileId ? stop('remove') : Promise.resolve();
}

function stopReason(): typeof stopping {
  return stopping;
}

function stop(why: NonNullable<typeof stopping>): Promise<void> {
  if (!inFlight) return Promise.resolve();
  stopping = why;
  controller?.abort();
  return inFlight.settled.then(
    () => {},
    () => {},
  );
}

/** The indexing box while the queue waits for a model: what is queued, and Cancel. */
function showWaiting(): void {
  const box = byId('indexing');
  const cancel = byId<HTMLButtonElement>('cancel');
  if (!queue.length) {
    box.hidden = true;
    cancel.hidden = true;
    return;
  }
  const bar = byId<HTMLProgressElement>('index-progress');
  // No value: an indeterminate bar, as nothing is measured yet.
  bar.removeAttribute('value');
  const n = queue.length;
  byId('index-text').textContent =
    `${n} file${n === 1 ? '' : 's'} queued: indexing starts as soon as the model is ready.`;
  box.hidden = false;
  cancel.hidden = false;
  cancel.disabled = false;
}

/** Records of the queued files: those of this visit are known, the rest are read from the store. */
async function queuedRecord(id: string): Promise<FileRecord | undefined> {
  if (!records.has(id)) for (const r of await listFiles()) if (queue.includes(r.id)) records.set(r.id, r);
  return records.get(id);
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
  if (!canIndex() || !queue.length) {
    showWaiting();
    return;
  }
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
    // A model switch clears app.encoder in the same task that pauses the queue: the loop ends there.
    while (queue.length && canIndex()) {
      const id = queue[0]!;
      const record = await queuedRecord(id).catch(() => undefined);
      // While the record was read, the model may have changed, or the queue been cancelled.
      if (!canIndex()) break;
      if (queue[0] !== id) continue;
      if (!record) {
        // No longer in the library (removed on another visit, or unreadable): nothing to index.
        done(id);
        continue;
      }
      controller = new AbortController();
      stopping = undefined;
      const started = performance.now();
      const job = indexFile(record, controller.signal, (p) => show({ ...p, queued: queue.length - 1 }));
      inFlight = { id, settled: job };
      try {
        const n = await job;
        lastDrain.passages += n;
        lastDrain.encodeMs += lastRun.encodeMs;
        lastDrain.files++;
        const secs = (performance.now() - started) / 1000;
        info.textContent = `${app.index?.count() ?? 0} documents (passages) in the index · “${record.name}”: ${n} new passages in ${secs.toFixed(1)} s`;
        announce(`Indexed ${record.name}: ${n} passages`);
        done(id);
      } catch (error) {
        // Read through a call: TypeScript would keep `stopping` narrowed to its value before the await.
        const aborted = controller.signal.aborted || (error as { code?: string }).code === 'aborted';
        const why = stopReason() ?? (aborted ? 'cancel' : undefined);
        if (why === 'pause') {
          // It stays first in the queue: the next model indexes it whole, in its own index.
          const more = queue.length > 1 ? ` and ${queue.length - 1} more` : '';
          info.textContent = `Indexing paused while the model changes: “${record.name}”${more} will be indexed with the new model.`;
        } else if (why !== 'remove') {
          done(id);
          const kept = app.index ? (await app.index.ids({ file: record.id }).catch(() => [])).length : 0;
          if (why === 'cancel') {
            info.textContent = `Cancelled: “${record.name}” has ${kept} of ${record.passages} passages indexed (every one of them searchable). Index it again from the library to add the rest.`;
          } else {
            info.textContent = `Indexing “${record.name}” stopped: ${describeError(error)}. ${kept} of ${record.passages} passages were kept.`;
            reportStorageError(error);
          }
          announce(info.textContent);
        }
      } finally {
        inFlight = undefined;
        controller = undefined;
        stopping = undefined;
        emit('library', undefined);
      }
    }
  } finally {
    lastDrain.ms = performance.now() - drainStarted;
    lastDrain.running = false;
    running = false;
    cancel.hidden = true;
    box.hidden = true;
    emit('indexing', false);
    // Files queued while the last one finished, or a model that became ready as a switch wound
    // this run down: go on; else show what the queue waits for.
    void drain();
  }
}

/** A file leaves the queue: indexed, or stopped for good (an error is not retried on every visit). */
function done(id: string): void {
  queue = queue.filter((q) => q !== id);
  records.delete(id);
  saveQueue();
}

/** A storage failure during indexing is shown in the library's alert, with what to do. */
function reportStorageError(error: unknown): void {
  const code = (error as { code?: string }).code;
  const alert = document.getElementById('library-alert');
  if (!alert) return;
  if (code === 'quota-exceeded') {
    alert.hidden = false;
    alert.textContent =
      'The browser refused to store more: the disk is full or this site’s storage quota is used up. Remove files you do not need (or Clear all), free disk space, then index the file again: what was committed before is kept.';
  } else if (code === 'index-missing') {
    alert.hidden = false;
    alert.textContent =
      'The stored index was deleted while indexing (the browser evicted it, or site data was cleared). Reload the page to re-index your files.';
  }
}

async function indexFile(
  record: FileRecord,
  signal: AbortSignal,
  progress: (p: Omit<IndexingProgress, 'queued'>) => void,
): Promise<number> {
  const index = app.index;
  const encoder = app.encoder;
  if (!index || !encoder) throw new Error('no model is loaded');
  const text = await fileText(record.id);
  if (text === undefined)
    throw new Error(`the text of “${record.name}” is no longer stored; remove it and add the file again`);
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
    progress({
      file: record.name,
      done,
      total,
      perSecond: rate,
      secondsLeft: rate > 0 ? (total - done) / rate : Infinity,
    });
  };
  report();
  const encode = async (batch: typeof todo) => {
    const t = performance.now();
    const vectors = await encoder.encodeDocument(
      batch.map((b) => b.p.text),
      { spans: true, signal },
    );
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
      fields: {
        file: record.id,
        name: record.name,
        title: p.title,
        path: p.headings.join(' › '),
        start: p.start,
        end: p.end,
        ...(p.docId !== undefined ? { docId: p.docId } : {}),
      },
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
