/** Text the widget shows, and the links it follows: pure functions (unit-tested in Node). */
import { isSpladeError, type SpladeErrorCode } from '../errors.ts';
import type { WidgetStrings } from './types.ts';

export function fill(template: string, values: Record<string, string | number>): string {
  return template.replace(/\{(\w+)\}/g, (all, k: string) => (k in values ? String(values[k]) : all));
}

/** A token as a reader would read it (WordPiece "##ing", BPE "Ġword", SentencePiece "▁word"). */
export function readable(token: string): string {
  return token.replace(/^##/, '…').replace(/^[Ġ▁]/, '');
}

/** A hit's URL, if following it is safe: http(s) only (never javascript:, data:, blob:, ...). */
export function safeUrl(url: string, base: string): URL | undefined {
  try {
    const u = new URL(url, base);
    return u.protocol === 'http:' || u.protocol === 'https:' ? u : undefined;
  } catch {
    return undefined;
  }
}

/** An error's message, as the widget shows it inside its own sentences ("Search failed: {message}"). */
export function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Codes that mean the index (or the model that searches it) could not be loaded, not that one search failed. */
const LOAD_FAILURES: ReadonlySet<SpladeErrorCode> = new Set<SpladeErrorCode>([
  'network',
  'model-not-found',
  'model-file-invalid',
  'unsupported-module',
  'model-unsupported',
  'index-schema',
  'index-missing',
  'index-model',
  'storage-unavailable',
]);

/**
 * What the status line says when a search fails, by the error's code (errors from the runtime and
 * the engine are SpladeErrors of their own bundles: isSpladeError, not instanceof). `offline` is
 * `navigator.onLine === false`: a download that failed then is the offline case.
 */
export function failureText(error: unknown, strings: WidgetStrings, offline: boolean): string {
  const message = errorText(error);
  if (!isSpladeError(error)) return fill(strings.error, { message });
  if (error.code === 'network' && offline) return strings.offline;
  if (LOAD_FAILURES.has(error.code)) return fill(strings.unreachable, { message });
  return fill(strings.error, { message });
}
