/**
 * What the element's attributes say: the strings it shows (`strings` JSON, `placeholder`, `label`,
 * over the `strings` property and the defaults), the source it searches (`source` with `index`,
 * `name`, `model`, `hub-url`, `root`, `engine`) and how many hits it asks for (`limit`).
 */
import { SpladeError } from '../errors.ts';
import { errorText } from './format.ts';
import { indexSource, pageSource, staticSource } from './sources.ts';
import { DEFAULT_STRINGS, type SearchSource, type WidgetStrings } from './types.ts';

const DEFAULT_LIMIT = 10;

/** The attributes that name the source: changing one makes a new source on the next search. */
export const SOURCE_ATTRIBUTES: readonly string[] = ['index', 'source', 'model', 'hub-url', 'name', 'engine', 'root'];
/** The other attributes the element watches: changing one rebuilds its parts (what was typed is kept). */
export const PART_ATTRIBUTES: readonly string[] = [
  'mode',
  'placeholder',
  'label',
  'shortcuts',
  'strings',
  'limit',
  'recent',
];

/** The `limit` attribute: an integer from 1 to 100, else the default. */
export function limitOf(el: Element): number {
  const n = Number(el.getAttribute('limit') ?? DEFAULT_LIMIT);
  return Number.isInteger(n) && n > 0 && n <= 100 ? n : DEFAULT_LIMIT;
}

/** Every string, from (later wins) the defaults, the `strings` attribute, the `strings` property, `placeholder` and `label`. */
export function stringsOf(el: Element, property: Partial<WidgetStrings>): WidgetStrings {
  let fromAttribute: Partial<WidgetStrings> = {};
  const json = el.getAttribute('strings');
  if (json) {
    try {
      fromAttribute = JSON.parse(json) as Partial<WidgetStrings>;
    } catch (error) {
      console.warn(
        `splade-web: <splade-search strings> is not JSON (${errorText(error)}); it takes an object of strings, e.g. {"placeholder":"Suchen…"}`,
      );
    }
  }
  const own: Partial<WidgetStrings> = {};
  const placeholder = el.getAttribute('placeholder');
  const label = el.getAttribute('label');
  if (placeholder !== null) own.placeholder = placeholder;
  if (label !== null) own.label = label;
  const merged = { ...DEFAULT_STRINGS };
  for (const part of [fromAttribute, property, own]) {
    for (const [k, v] of Object.entries(part))
      if (k in DEFAULT_STRINGS && typeof v === 'string') merged[k as keyof WidgetStrings] = v;
  }
  return merged;
}

/**
 * The source the attributes name; `scriptUrl` is where the widget's script was loaded from (the
 * default index folder, and where splade-engine.js is). A misconfigured element gets a source whose
 * searches fail saying what is missing.
 */
export function sourceOf(el: Element, scriptUrl: string): SearchSource {
  const kind = el.getAttribute('source') ?? 'static';
  const engine = el.getAttribute('engine') ?? new URL('splade-engine.js', scriptUrl).href;
  const model = el.getAttribute('model');
  // `model` may be a hub id ("owner/name"): `hub-url` names the hub it comes from (a mirror, or a copy
  // on the site itself), resolved against the page; default https://huggingface.co.
  const hub = el.getAttribute('hub-url');
  const hubUrl = hub ? { hubUrl: new URL(hub, document.baseURI).href.replace(/\/+$/, '') } : {};
  const need = (what: string) =>
    new SpladeError('invalid-option', `<splade-search source="${kind}"> needs a ${what} attribute`);
  if (kind === 'static') return staticSource(el.getAttribute('index') ?? new URL('./', scriptUrl).href);
  if (kind === 'page') {
    if (!model)
      return failing(need('model (a model folder URL or hub id; hub-url="…" for a hub other than huggingface.co)'));
    const selector = el.getAttribute('root');
    const root = selector ? document.querySelector(selector) : null;
    if (selector && !root)
      return failing(
        new SpladeError('invalid-option', `<splade-search root="${selector}"> matches no element of this page`),
      );
    return pageSource(engine, { model, ...hubUrl, ...(root ? { root } : {}) });
  }
  if (kind === 'idb') {
    const name = el.getAttribute('name');
    if (!name) return failing(need('name (the SparseIndex name)'));
    if (!model) return failing(need('model (the model the index was encoded with)'));
    return indexSource(engine, { name, model, ...hubUrl });
  }
  return failing(
    new SpladeError(
      'invalid-option',
      `<splade-search source="${kind}"> is not a source; use "static" (with index="…"), "idb" (with name and model) or "page" (with model)`,
    ),
  );
}

/** A source whose every search fails with `error` (a misconfigured element says so when searched). */
function failing(error: Error): SearchSource {
  return { key: 'invalid', search: () => Promise.reject(error) };
}
