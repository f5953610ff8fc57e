/**
 * Registers <splade-search>. Importing this module defines nothing; call `define()` (the script
 * tag's bundle, script.ts, does). A page that already has an element of that name keeps it.
 */
import { SpladeSearchElement } from './element.ts';
import type { SpladeSearchEventMap } from './types.ts';

export function define(
  tag = 'splade-search',
  registry: CustomElementRegistry = customElements,
): typeof SpladeSearchElement {
  const existing = registry.get(tag);
  if (existing) return existing as typeof SpladeSearchElement;
  // One class per tag: the registry refuses a constructor registered twice.
  const element = tag === 'splade-search' ? SpladeSearchElement : class extends SpladeSearchElement {};
  registry.define(tag, element);
  return element;
}

export { SpladeSearchElement };
export type { SpladeSearchEventMap };

declare global {
  interface HTMLElementTagNameMap {
    'splade-search': SpladeSearchElement;
  }
}

// For pages with a bundler: the idb and page sources built here (the bundler emits the encoder
// worker and onnxruntime-web's files), set on `element.source`.
export { indexSource as createIndexSource, pageSource as createPageSource } from './engine.ts';
export type { SearchSource, SourceAnswer, UnmatchedWord, WidgetHit, WidgetStrings } from './types.ts';
