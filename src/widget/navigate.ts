/**
 * Where a chosen hit takes the reader: its element on this page (a page source), an anchor on this
 * page, or another page; only http(s) links are followed. The section reached is marked for a moment.
 */
import { safeUrl } from './format.ts';
import { constructed, PAGE_CSS } from './styles.ts';
import type { WidgetHit } from './types.ts';

let pageSheetAdopted = false;

/**
 * Takes the reader to `hit`, calling `close` first where they stay on this page. Returns why the
 * hit's link was refused (nothing happened), or undefined.
 */
export function followHit(hit: WidgetHit, close: () => void): string | undefined {
  if (hit.target?.isConnected) {
    close();
    const id = hit.target.id;
    if (id) history.pushState(null, '', `#${encodeURIComponent(id)}`);
    markTarget(hit.target);
    return undefined;
  }
  const url = safeUrl(hit.url, document.baseURI);
  if (!url) return `refused to follow ${JSON.stringify(hit.url.slice(0, 80))}: only http and https links are followed`;
  const here = new URL(location.href);
  if (url.origin === here.origin && url.pathname === here.pathname && url.search === here.search) {
    close();
    if (url.hash) {
      location.hash = url.hash;
      const target = document.getElementById(decodeURIComponent(url.hash.slice(1)));
      if (target) markTarget(target);
    } else {
      // The page's own lead section (a page's hit without an anchor): its top, without reloading
      // the page the reader is on (location.assign to the same URL would).
      if (here.hash) history.pushState(null, '', url.pathname + url.search);
      const smooth = !matchMedia('(prefers-reduced-motion: reduce)').matches;
      window.scrollTo({ top: 0, behavior: smooth ? 'smooth' : 'auto' });
    }
    return undefined;
  }
  location.assign(url.href);
  return undefined;
}

/** Scrolls to the element a hit leads to and marks it for a moment (a document-level constructed sheet). */
function markTarget(target: Element): void {
  if (!pageSheetAdopted) {
    document.adoptedStyleSheets = [...document.adoptedStyleSheets, constructed(PAGE_CSS)];
    pageSheetAdopted = true;
  }
  for (const el of document.querySelectorAll('[data-splade-target]')) el.removeAttribute('data-splade-target');
  target.setAttribute('data-splade-target', '');
  const smooth = !matchMedia('(prefers-reduced-motion: reduce)').matches;
  target.scrollIntoView({ behavior: smooth ? 'smooth' : 'auto', block: 'start' });
  setTimeout(() => target.removeAttribute('data-splade-target'), 4000);
}
