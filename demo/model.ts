/**
 * The model panel: the bundled models or any hub id / URL, loaded in the encoder's Web Worker with
 * per-file and total download progress; then the backend in use and encode timings. Loading is
 * cancellable (choosing another model aborts the current load), and a failure says what went
 * wrong with a Retry button: the page never sits on a control that does nothing.
 */
import { WorkerSparseEncoder, type BackendInfo, type EncoderDevice, type LoadProgress } from '../src/browser.ts';
import { announce, byId, formatBytes, h } from './dom.ts';
import { app, describeError, emit, type ModelInfo } from './app.ts';
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

const LAST_MODEL = 'splade-demo:last-model';

let loading: AbortController | undefined;
/** Bumped per load: progress of an aborted load must not paint over the current one. */
let generation = 0;

export function choiceFromInput(value: string): ModelChoice | { error: string } {
  const v = value.trim();
  const bundled = BUNDLED.find((b) => b.key === v);
  if (bundled) return bundled;
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
    if (saved && typeof saved.key === 'string' && typeof saved.source === 'string' && typeof saved.label === 'string')
      return saved;
  } catch {
    // a damaged entry: start with the default
  }
  return BUNDLED[0]!;
}

/** Shows the model's backend as the encoder reports it: WebGPU with the adapter's name, or WASM with its threads. */
function backendText(info: BackendInfo | undefined): string {
  if (!info) return 'backend not known yet';
  if (info.device === 'webgpu') {
    const a = info.adapter;
    const name = [a?.vendor, a?.architecture, a?.description].filter(Boolean).join(' ') || 'unnamed adapter';
    return `WebGPU (${name})`;
  }
  const threads = info.threads ?? 1;
  return `WASM, ${threads} thread${threads === 1 ? '' : 's'}, ${info.crossOriginIsolated ? 'cross-origin isolated' : 'not cross-origin isolated (one thread only)'}`;
}

interface FileProgress {
  loaded: number;
  total: number | null;
  done: boolean;
  fromCache?: boolean;
}

export function initModelPanel(onLoaded: (previous: ModelInfo | undefined) => Promise<void>): {
  load(choice: ModelChoice): Promise<void>;
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

  for (const b of BUNDLED) select.append(h('option', { attrs: { value: b.key }, text: b.label }));
  select.append(h('option', { attrs: { value: 'custom' }, text: 'Another model: a hub id or URL…' }));

  let current = initialChoice();
  const showChoice = (c: ModelChoice) => {
    const bundled = BUNDLED.some((b) => b.key === c.key);
    select.value = bundled ? c.key : 'custom';
    customRow.hidden = bundled;
    if (!bundled) custom.value = c.source;
  };
  showChoice(current);

  const load = async (choice: ModelChoice): Promise<void> => {
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
      progressList.replaceChildren(
        ...[...files].map(([file, p]) => {
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
      if (known && size > 0) {
        total.max = size;
        total.value = loaded;
        totalText.textContent = `${formatBytes(loaded)} of ${formatBytes(size)} (${files.size} files)`;
      } else totalText.textContent = `${formatBytes(loaded)} so far (${files.size} files)`;
    };
    const onProgress = (e: LoadProgress) => {
      if (e.status === 'initiate') files.set(e.file, { loaded: 0, total: null, done: false });
      else if (e.status === 'progress') files.set(e.file, { loaded: e.loaded, total: e.total, done: false });
      else if (e.status === 'done')
        files.set(e.file, { loaded: e.bytes, total: e.bytes, done: true, fromCache: e.fromCache });
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
      const aborted = controller.signal.aborted;
      status.textContent = aborted ? 'cancelled' : 'failed';
      status.dataset['state'] = 'failed';
      detail.textContent = aborted
        ? 'Loading was cancelled. Choose a model, or Retry.'
        : `Could not load ${choice.label}: ${describeError(error)}. Check the hub id or URL (and the network for a model not yet cached), then Retry, or pick a bundled model.`;
      app.unavailable = aborted
        ? 'No model is loaded: choose one above.'
        : `No model is loaded (${choice.label} failed): Retry, or pick a bundled model above.`;
      retry.hidden = false;
      announce(detail.textContent);
      emit('model', undefined);
    }
  };

  select.addEventListener('change', () => {
    if (select.value === 'custom') {
      customRow.hidden = false;
      custom.focus();
      return;
    }
    const c = BUNDLED.find((b) => b.key === select.value);
    if (c) void load(c);
  });
  const loadCustom = () => {
    const c = choiceFromInput(custom.value);
    if ('error' in c) {
      detail.textContent = c.error;
      announce(c.error);
      return;
    }
    void load(c);
  };
  loadButton.addEventListener('click', loadCustom);
  custom.addEventListener('keydown', (e) => {
    if (e.key === 'Enter') loadCustom();
  });
  device.addEventListener('change', () => void load(current));
  retry.addEventListener('click', () => void load(current));
  return { load };
}
