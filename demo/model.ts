/**
 * The model panel: the bundled models, models of the Hugging Face hub by id (a list, or any id or
 * URL typed in), loaded in the encoder's Web Worker with per-file and total download progress; then
 * the backend in use and encode timings. A model not yet downloaded shows its download size and
 * dtype first (demo/download-size.ts: the hub's file listing, or HEAD requests; nothing big is
 * fetched) and downloads only once confirmed; the model in use keeps working meanwhile. The library
 * keeps the files (Cache API), so a model downloaded once loads offline, as the bundled ones do.
 * Loading is cancellable (choosing another model aborts the current load), and a failure says what
 * went wrong with a Retry button: the page never sits on a control that does nothing.
 *
 * `?hub=<URL>` sets the hub's base URL (default https://huggingface.co): a mirror, or the tests'
 * local copy of the fixture repositories.
 */
import { WorkerSparseEncoder, type BackendInfo, type EncoderDevice, type LoadProgress } from '../src/browser.ts';
import { announce, byId, formatBytes, h } from './dom.ts';
import { app, describeError, emit, type ModelInfo } from './app.ts';
import { estimateDownload, type DownloadEstimate } from './download-size.ts';
import { classifySource } from '../src/model/source.ts';
import { pauseIndexing } from './indexing.ts';

export interface ModelChoice {
  key: string;
  label: string;
  /** Resolved against the page, so the demo works under any base path. */
  source: string;
}

export const BUNDLED: ModelChoice[] = [
  {
    key: 'splade-tiny-en-if',
    label: 'English, inference-free queries (splade-tiny-en-if, bundled)',
    source: '../models/splade-tiny-en-if',
  },
  { key: 'splade-tiny-ko', label: 'Korean, symmetric (splade-tiny-ko, bundled)', source: '../models/splade-tiny-ko' },
];

/**
 * Real SPLADE models on the hub, offered by id. None ships ONNX: the library builds each model's
 * graph from config.json + safetensors in the page. Their size is looked up before a download.
 */
export const HUB_MODELS: ModelChoice[] = [
  {
    key: 'opensearch-project/opensearch-neural-sparse-encoding-doc-v3-gte',
    label: 'English, inference-free queries, GTE (opensearch-neural-sparse-encoding-doc-v3-gte)',
    source: 'opensearch-project/opensearch-neural-sparse-encoding-doc-v3-gte',
  },
  {
    key: 'opensearch-project/opensearch-neural-sparse-encoding-doc-v3-distill',
    label: 'English, inference-free queries, DistilBERT (opensearch-neural-sparse-encoding-doc-v3-distill)',
    source: 'opensearch-project/opensearch-neural-sparse-encoding-doc-v3-distill',
  },
  {
    key: 'telepix/PIXIE-Splade-Preview',
    label: 'Korean, symmetric, ModernBERT (telepix/PIXIE-Splade-Preview)',
    source: 'telepix/PIXIE-Splade-Preview',
  },
  { key: 'naver/splade-v3', label: 'English, symmetric, BERT (naver/splade-v3)', source: 'naver/splade-v3' },
];

const LAST_MODEL = 'splade-demo:last-model';
/** Models downloaded completely at least once (key -> bytes): they load without asking again. */
const DOWNLOADED = 'splade-demo:downloaded';

/** The hub's base URL: `?hub=` (resolved against the page, so `?hub=/hub` works), else the library's default. */
export function hubUrl(): string | undefined {
  const given = new URLSearchParams(location.search).get('hub');
  return given ? new URL(given, location.href).href.replace(/\/+$/, '') : undefined;
}

/** The language of a model's sample documents: Korean for the Korean models, else English. */
export function languageOf(key: string | undefined): 'en' | 'ko' {
  return key && (key.endsWith('-ko') || key === 'telepix/PIXIE-Splade-Preview') ? 'ko' : 'en';
}

function isBundled(choice: ModelChoice): boolean {
  return BUNDLED.some((b) => b.key === choice.key);
}

function downloadedModels(): Record<string, number> {
  try {
    const v = JSON.parse(localStorage.getItem(DOWNLOADED) ?? '{}') as unknown;
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, number>) : {};
  } catch {
    return {};
  }
}

/** What a download is remembered by: the model and the hub it came from (the cache keeps files by URL). */
function downloadKey(choice: ModelChoice): string {
  const hub = hubUrl();
  return hub && classifySource(choice.source) === 'hub' ? `${choice.key} from ${hub}` : choice.key;
}

function rememberDownload(choice: ModelChoice, bytes: number): void {
  localStorage.setItem(DOWNLOADED, JSON.stringify({ ...downloadedModels(), [downloadKey(choice)]: bytes }));
}

/** A model that loads without asking: bundled (served with the page), or downloaded once already. */
function needsNoConfirmation(choice: ModelChoice): boolean {
  return isBundled(choice) || downloadKey(choice) in downloadedModels();
}

let loading: AbortController | undefined;
/** Bumped per load: progress of an aborted load must not paint over the current one. */
let generation = 0;

export function choiceFromInput(value: string): ModelChoice | { error: string } {
  const v = value.trim();
  const listed = [...BUNDLED, ...HUB_MODELS].find((b) => b.key === v);
  if (listed) return listed;
  if (/^https?:\/\/\S+$/i.test(v))
    return { key: v.replace(/^https?:\/\//i, '').replace(/\/+$/, ''), label: v, source: v };
  if (/^[\w.-]+\/[\w.-]+$/.test(v)) return { key: v, label: `${v} (hub)`, source: v };
  return { error: `“${v}” is neither a hub id (owner/name) nor an http(s) URL of a model folder` };
}

function resolved(choice: ModelChoice): string {
  return choice.source.startsWith('../') ? new URL(choice.source, location.href).href : choice.source;
}

export function initialChoice(): ModelChoice {
  try {
    const saved = JSON.parse(localStorage.getItem(LAST_MODEL) ?? 'null') as ModelChoice | null;
    // A model never downloaded completely would need a confirmation first: open on the default then.
    if (
      saved &&
      typeof saved.key === 'string' &&
      typeof saved.source === 'string' &&
      typeof saved.label === 'string' &&
      needsNoConfirmation(saved)
    )
      return saved;
  } catch {
    // a damaged entry: start with the default
  }
  return BUNDLED[0]!;
}

/**
 * Shows the model's backend as the encoder reports it: WebGPU with the adapter's name, or WASM with
 * its threads; then the precision the session runs at.
 */
function backendText(info: BackendInfo | undefined): string {
  if (!info) return 'backend not known yet';
  const dtype = info.dtype ? `, ${info.dtype}` : '';
  if (info.device === 'webgpu') {
    const a = info.adapter;
    const name = [a?.vendor, a?.architecture, a?.description].filter(Boolean).join(' ') || 'unnamed adapter';
    return `WebGPU (${name})${dtype}`;
  }
  const threads = info.threads ?? 1;
  return `WASM, ${threads} thread${threads === 1 ? '' : 's'}, ${info.crossOriginIsolated ? 'cross-origin isolated' : 'not cross-origin isolated (one thread only)'}${dtype}`;
}

interface FileProgress {
  loaded: number;
  total: number | null;
  done: boolean;
  /** Bytes arrived or the file was read: until then it may turn out absent (an optional file). */
  started: boolean;
  fromCache?: boolean;
}

/** The size and dtype line shown before a download. */
export function describeEstimate(estimate: DownloadEstimate): string {
  const files = `${estimate.files.length} file${estimate.files.length === 1 ? '' : 's'}`;
  const unknown = estimate.unknown ? ` (${estimate.unknown} of them of unknown size)` : '';
  return `${formatBytes(estimate.bytes)} to download, ${files}${unknown}; runs as ${estimate.dtype}. Kept in this browser afterwards, for offline use.`;
}

export function initModelPanel(onLoaded: (previous: ModelInfo | undefined) => Promise<void>): {
  load(choice: ModelChoice): Promise<void>;
  choose(choice: ModelChoice): Promise<void>;
} {
  const select = byId<HTMLSelectElement>('model');
  const custom = byId<HTMLInputElement>('model-custom');
  const customRow = byId('model-custom-row');
  const device = byId<HTMLSelectElement>('device');
  const status = byId('status');
  const detail = byId('model-detail');
  const progressList = byId('model-files');
  const total = byId<HTMLProgressElement>('model-total');
  const totalText = byId('model-total-text');
  const retry = byId<HTMLButtonElement>('model-retry');
  const backend = byId('backend');
  const loadButton = byId<HTMLButtonElement>('model-load');
  const confirmBox = byId('model-confirm');
  const confirmText = byId('model-size');
  const downloadButton = byId<HTMLButtonElement>('model-download');
  const cancelButton = byId<HTMLButtonElement>('model-cancel');
  const hub = hubUrl();

  for (const b of BUNDLED) select.append(h('option', { attrs: { value: b.key }, text: b.label }));
  select.append(
    h(
      'optgroup',
      { attrs: { label: 'From the Hugging Face hub (size shown before downloading)' } },
      ...HUB_MODELS.map((m) => h('option', { attrs: { value: m.key }, text: m.label })),
    ),
  );
  select.append(h('option', { attrs: { value: 'custom' }, text: 'Another model: a hub id or URL…' }));

  let current = initialChoice();
  /** The model the page runs with (or last tried to load): where Cancel on a confirmation goes back to. */
  let inUse = current;
  const showChoice = (c: ModelChoice) => {
    const listed = [...BUNDLED, ...HUB_MODELS].some((b) => b.key === c.key);
    select.value = listed ? c.key : 'custom';
    customRow.hidden = listed;
    if (!listed) custom.value = c.source;
  };
  showChoice(current);

  /** The size lookup or confirmation in progress (a newer choice aborts it). */
  let asking: AbortController | undefined;
  const closeConfirm = () => {
    asking?.abort();
    asking = undefined;
    confirmBox.hidden = true;
    downloadButton.onclick = null;
  };

  /**
   * A model chosen in the picker: loaded at once when it needs no download (bundled, or downloaded
   * before), else its size is looked up and shown, and it downloads once confirmed.
   */
  const choose = async (choice: ModelChoice): Promise<void> => {
    closeConfirm();
    if (needsNoConfirmation(choice)) return load(choice);
    const controller = new AbortController();
    asking = controller;
    current = choice;
    showChoice(choice);
    confirmBox.hidden = false;
    downloadButton.hidden = true;
    confirmBox.dataset['state'] = 'checking';
    confirmText.textContent = `Looking up the download size of ${choice.label}…`;
    let estimate: DownloadEstimate;
    try {
      estimate = await estimateDownload(resolved(choice), {
        ...(hub ? { hubUrl: hub } : {}),
        signal: controller.signal,
      });
    } catch (error) {
      if (controller.signal.aborted) return;
      // Nothing was unloaded: the model in use keeps working; the box says why and offers Retry.
      confirmBox.dataset['state'] = 'error';
      confirmText.textContent = `Could not look up ${choice.label}: ${describeError(error)}. Check the hub id or URL and the network, then Retry, or Cancel to keep the model in use.`;
      downloadButton.textContent = 'Retry';
      downloadButton.hidden = false;
      downloadButton.onclick = () => void choose(choice);
      announce(confirmText.textContent);
      return;
    }
    if (controller.signal.aborted) return;
    confirmBox.dataset['state'] = 'confirm';
    confirmText.textContent = `${choice.label}: ${describeEstimate(estimate)}`;
    downloadButton.textContent = `Download ${formatBytes(estimate.bytes)}`;
    downloadButton.hidden = false;
    downloadButton.onclick = () => {
      closeConfirm();
      void load(choice, estimate);
    };
    // Focus stays on the picker (arrow keys there change the choice); the size is announced.
    announce(confirmText.textContent);
  };

  /** Says a model could not be loaded, with Retry; `aborted` for a load the user cancelled. */
  const fail = (choice: ModelChoice, why: string, aborted: boolean) => {
    status.textContent = aborted ? 'cancelled' : 'failed';
    status.dataset['state'] = 'failed';
    detail.textContent = aborted
      ? 'Loading was cancelled. Choose a model, or Retry.'
      : `Could not load ${choice.label}: ${why}. Check the hub id or URL (and the network for a model not yet cached), then Retry, or pick a bundled model.`;
    app.unavailable = aborted
      ? 'No model is loaded: choose one above.'
      : `No model is loaded (${choice.label} failed): Retry, or pick a bundled model above.`;
    retry.hidden = false;
    announce(detail.textContent);
    emit('model', undefined);
  };

  const load = async (choice: ModelChoice, estimate?: DownloadEstimate): Promise<void> => {
    closeConfirm();
    loading?.abort();
    // Indexing writes the old model's vectors into the old model's index: stop it (committed
    // batches stay there). The queue waits and goes on with the new model once its index is open.
    // Not awaited: app.encoder must be cleared in this same task, which is what ends the queue's run.
    void pauseIndexing();
    const controller = new AbortController();
    loading = controller;
    const mine = ++generation;
    const previous = app.model;
    current = choice;
    inUse = choice;
    app.chosenModel = choice.key;
    showChoice(choice);
    retry.hidden = true;
    status.textContent = 'loading…';
    status.dataset['state'] = 'loading';
    detail.textContent = `Loading ${choice.label}`;
    app.unavailable = `The model ${choice.label} is loading; search starts once it is ready.`;
    emit('model', undefined);
    const files = new Map<string, FileProgress>();
    progressList.replaceChildren();
    total.value = 0;
    total.removeAttribute('max');
    totalText.textContent = '';
    const paint = () => {
      if (mine !== generation) return;
      let loaded = 0;
      let size = 0;
      let known = true;
      const shown = [...files].filter(([, p]) => p.started);
      progressList.replaceChildren(
        ...shown.map(([file, p]) => {
          loaded += p.loaded;
          if (p.total === null) known = false;
          else size += p.total;
          const bar = h('progress', {
            attrs: {
              'aria-label': `download of ${file}`,
              ...(p.total ? { max: p.total, value: p.loaded } : p.done ? { max: 1, value: 1 } : {}),
            },
          });
          const what = p.done
            ? p.fromCache
              ? 'cached'
              : `${formatBytes(p.loaded)} done`
            : p.total
              ? `${formatBytes(p.loaded)} of ${formatBytes(p.total)}`
              : formatBytes(p.loaded);
          return h(
            'li',
            {},
            h('span', { class: 'file-name', text: file }),
            bar,
            h('span', { class: 'muted', text: what }),
          );
        }),
      );
      const done = shown.filter(([, p]) => p.done).length;
      if (estimate && estimate.bytes > 0) {
        // The size shown before the download: the bar moves towards it, file by file.
        total.max = Math.max(estimate.bytes, loaded);
        total.value = loaded;
        totalText.textContent = `${formatBytes(loaded)} of ${formatBytes(estimate.bytes)} (${done} of ${estimate.files.length} files)`;
      } else if (known && size > 0) {
        total.max = size;
        total.value = loaded;
        totalText.textContent = `${formatBytes(loaded)} of ${formatBytes(size)} (${shown.length} files)`;
      } else totalText.textContent = `${formatBytes(loaded)} so far (${shown.length} files)`;
    };
    const onProgress = (e: LoadProgress) => {
      // A file asked for may be absent (an optional one): it is listed once bytes arrive.
      if (e.status === 'initiate') files.set(e.file, { loaded: 0, total: null, done: false, started: false });
      else if (e.status === 'progress')
        files.set(e.file, { loaded: e.loaded, total: e.total, done: false, started: true });
      else if (e.status === 'done')
        files.set(e.file, { loaded: e.bytes, total: e.bytes, done: true, started: true, fromCache: e.fromCache });
      else return;
      paint();
    };
    try {
      const old = app.encoder;
      app.encoder = undefined;
      app.model = undefined;
      // The old worker goes first: a slow encode there must not hold up the new model.
      await old?.dispose();
      const started = performance.now();
      const encoder = await WorkerSparseEncoder.fromPretrained(resolved(choice), {
        ...(hub && !isBundled(choice) ? { hubUrl: hub } : {}),
        device: device.value as EncoderDevice | 'auto',
        onProgress,
        signal: controller.signal,
      });
      if (mine !== generation) {
        await encoder.dispose();
        return;
      }
      const loadMs = performance.now() - started;
      // One small document encode: compiles the model's kernels now rather than on the first file.
      const warm = performance.now();
      await encoder.encodeDocument(['warm up'], { signal: controller.signal });
      const warmMs = performance.now() - warm;
      if (mine !== generation) {
        await encoder.dispose();
        return;
      }
      app.encoder = encoder;
      app.model = {
        key: choice.key,
        label: choice.label,
        source: choice.source,
        vocabSize: encoder.vocabSize,
        inferenceFree: encoder.inferenceFree,
      };
      if (!isBundled(choice))
        rememberDownload(
          choice,
          [...files.values()].reduce((n, p) => n + (p.done ? p.loaded : 0), 0),
        );
      localStorage.setItem(LAST_MODEL, JSON.stringify(choice));
      backend.textContent = `${backendText(encoder.backendInfo)} · loaded in ${Math.round(loadMs)} ms, first encode ${Math.round(warmMs)} ms`;
      await onLoaded(previous);
      if (mine !== generation) return;
      app.unavailable = undefined;
      status.textContent = 'ready';
      status.dataset['state'] = 'ready';
      detail.textContent = `${choice.label}: vocabulary of ${encoder.vocabSize.toLocaleString('en')} tokens, ${encoder.inferenceFree ? 'inference-free queries (a static weight per query token, no model call)' : 'queries encoded by the model'}`;
      announce(`Model ${choice.label} ready`);
      emit('model', undefined);
    } catch (error) {
      if (mine !== generation) return;
      fail(choice, describeError(error), controller.signal.aborted);
    } finally {
      // Files asked for that never came were absent (optional files): they are not listed.
      if (mine === generation) for (const [file, p] of files) if (!p.started) files.delete(file);
      paint();
    }
  };

  select.addEventListener('change', () => {
    if (select.value === 'custom') {
      closeConfirm();
      customRow.hidden = false;
      custom.focus();
      return;
    }
    const c = [...BUNDLED, ...HUB_MODELS].find((b) => b.key === select.value);
    if (c) void choose(c);
  });
  cancelButton.addEventListener('click', () => {
    closeConfirm();
    current = inUse;
    showChoice(inUse);
    select.focus();
  });
  const loadCustom = () => {
    const c = choiceFromInput(custom.value);
    if ('error' in c) {
      detail.textContent = c.error;
      announce(c.error);
      return;
    }
    void choose(c);
  };
  loadButton.addEventListener('click', loadCustom);
  custom.addEventListener('keydown', (e) => {
    if (e.key === 'Enter') loadCustom();
  });
  device.addEventListener('change', () => void choose(inUse));
  retry.addEventListener('click', () => void choose(current));
  return { load, choose };
}
