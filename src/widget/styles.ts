/**
 * The element's stylesheet, adopted by its shadow root as a constructed CSSStyleSheet: under a
 * `style-src 'self'` policy no <style> element or style attribute may be added, but CSSOM may.
 * Theming: the custom properties below (set them on `splade-search`), `::part()` for the rest.
 */
export const CSS = `
:host{--splade-font:inherit;--splade-bg:#fff;--splade-fg:#1b1f24;--splade-muted:#59636e;--splade-border:#d1d9e0;--splade-accent:#0b5cad;--splade-active-bg:#e8f0fb;--splade-mark-bg:#fff3a3;--splade-mark-fg:inherit;--splade-backdrop:rgb(0 0 0/.45);--splade-radius:10px;--splade-width:min(42rem,calc(100vw - 2rem));display:inline-block;font-family:var(--splade-font);color:var(--splade-fg)}
:host([mode=inline]){display:block}
:host([hidden]){display:none}
@media (prefers-color-scheme:dark){:host(:not([theme=light])){--splade-bg:#161b22;--splade-fg:#e6edf3;--splade-muted:#9aa5b1;--splade-border:#3d444d;--splade-accent:#6cb6ff;--splade-active-bg:#1f3450;--splade-mark-bg:#5b4a00;--splade-backdrop:rgb(0 0 0/.6)}}
:host([theme=dark]){--splade-bg:#161b22;--splade-fg:#e6edf3;--splade-muted:#9aa5b1;--splade-border:#3d444d;--splade-accent:#6cb6ff;--splade-active-bg:#1f3450;--splade-mark-bg:#5b4a00;--splade-backdrop:rgb(0 0 0/.6)}
*{box-sizing:border-box}
.trigger{display:inline-flex;align-items:center;gap:.6em;font:inherit;color:var(--splade-fg);background:var(--splade-bg);border:1px solid var(--splade-border);border-radius:var(--splade-radius);padding:.4em .7em;cursor:pointer}
.trigger:focus-visible,input:focus-visible,button:focus-visible{outline:2px solid var(--splade-accent);outline-offset:2px}
kbd{font:.8em ui-monospace,monospace;color:var(--splade-muted);border:1px solid var(--splade-border);border-radius:4px;padding:0 .3em}
dialog{padding:0;border:1px solid var(--splade-border);border-radius:var(--splade-radius);background:var(--splade-bg);color:var(--splade-fg);width:var(--splade-width);max-height:min(40rem,calc(100vh - 4rem));margin:4rem auto auto;box-shadow:0 12px 40px rgb(0 0 0/.3)}
dialog::backdrop{background:var(--splade-backdrop,rgb(0 0 0/.45))}
@media (prefers-reduced-motion:no-preference){dialog[open]{animation:splade-in .12s ease-out}}
@keyframes splade-in{from{opacity:0;transform:translateY(-6px)}}
.panel{display:flex;flex-direction:column;max-height:inherit;background:var(--splade-bg);color:var(--splade-fg)}
:host([mode=inline]) .panel{border:1px solid var(--splade-border);border-radius:var(--splade-radius)}
.bar{display:flex;gap:.5em;align-items:center;padding:.6em .75em;border-bottom:1px solid var(--splade-border)}
input[type=search]{flex:1;min-width:0;font:inherit;font-size:1.05em;color:inherit;background:transparent;border:0;padding:.35em .2em}
button{font:inherit;color:inherit;background:transparent;border:1px solid var(--splade-border);border-radius:6px;padding:.2em .5em;cursor:pointer}
.status{padding:.4em .9em;color:var(--splade-muted);font-size:.9em}
.status:empty{display:none}
.status.error{color:#b3261e}
.no-match{padding:0 .9em .4em;font-size:.9em}
.no-match:empty{display:none}
.no-match p{margin:.2em 0}
.no-match button{color:var(--splade-accent);font-weight:600;padding:0 .35em;margin:0 .1em}
[role=listbox]{overflow-y:auto;padding:0 .4em .4em;flex:1}
[role=listbox]:empty{display:none}
.group-label{font-size:.8em;font-weight:600;color:var(--splade-muted);padding:.7em .5em .25em;text-transform:none}
[role=option]{display:block;padding:.45em .6em;border-radius:6px;cursor:pointer;border-left:3px solid transparent}
[role=option][aria-selected=true]{background:var(--splade-active-bg);border-left-color:var(--splade-accent)}
.title{font-weight:600;color:var(--splade-accent)}
.path,.why{font-size:.8em;color:var(--splade-muted);overflow:hidden;text-overflow:ellipsis;white-space:nowrap}
.snippet{font-size:.9em;margin:.15em 0;overflow-wrap:anywhere;display:-webkit-box;-webkit-line-clamp:3;-webkit-box-orient:vertical;overflow:hidden}
mark{background:var(--splade-mark-bg);color:var(--splade-mark-fg);border-radius:2px}
.footer{display:flex;gap:1em;justify-content:space-between;align-items:center;flex-wrap:wrap;padding:.45em .9em;border-top:1px solid var(--splade-border);font-size:.8em;color:var(--splade-muted)}
.footer label{display:inline-flex;gap:.4em;align-items:center}
.visually-hidden{position:absolute;width:1px;height:1px;overflow:hidden;clip-path:inset(50%);white-space:nowrap}
`;

/** Marks the section a hit led to on the host page (adopted by the document, CSSOM again). */
export const PAGE_CSS = `[data-splade-target]{outline:2px solid #0b5cad;outline-offset:4px;border-radius:2px}
@media (prefers-reduced-motion:no-preference){[data-splade-target]{animation:splade-target 2s ease-out}}
@keyframes splade-target{from{background:rgb(255 243 163/.8)}}`;

/** A constructed stylesheet of `css` (adoptedStyleSheets: no <style> element, so `style-src 'self'` allows it). */
export function constructed(css: string): CSSStyleSheet {
  const sheet = new CSSStyleSheet();
  sheet.replaceSync(css);
  return sheet;
}
