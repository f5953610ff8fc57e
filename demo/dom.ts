/**
 * The demo's DOM helpers. Elements are made only by src/widget/dom.ts (createElement + textContent
 * + setAttribute: indexed text, file names and titles are hostile, an XSS corpus is part of the
 * tests), shared with the <splade-search> widget.
 */

export { append, h, markedText, type Child, type Mark, type Props } from '../src/widget/dom.ts';

export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const el = document.getElementById(id);
  if (!el) throw new Error(`demo: #${id} is missing from index.html`);
  return el as T;
}

/** Polite announcement for screen readers (the visually hidden live region in index.html). */
export function announce(message: string): void {
  const region = document.getElementById('announcer');
  if (!region) return;
  // Clearing first makes a repeated message be read again.
  region.textContent = '';
  requestAnimationFrame(() => {
    region.textContent = message;
  });
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  if (n < 1024 ** 3) return `${(n / 1024 / 1024).toFixed(1)} MiB`;
  return `${(n / 1024 ** 3).toFixed(2)} GiB`;
}

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '—';
  if (seconds < 60) return `${Math.max(0, Math.round(seconds))} s`;
  const m = Math.floor(seconds / 60);
  return `${m} min ${Math.round(seconds - 60 * m)} s`;
}
