/** Opens the test harness page, which exposes the library as window.splade. */
import { expect, type Page } from '@playwright/test';

declare global {
  interface Window {
    /** The library's public entry (src/browser.ts), as the harness page exposes it. */
    splade: any;
    /** Synthetic corpora and plain reference code (bench/synthetic.ts). */
    synthetic: any;
  }
}

export async function openHarness(page: Page): Promise<void> {
  page.on('pageerror', (e) => console.log('[pageerror]', e.message));
  if (process.env['E2E_CONSOLE']) page.on('console', (m) => console.log('[page]', m.text()));
  await page.goto('/e2e/harness.html');
  await expect(page.locator('#status')).toHaveText('ready');
}

/** Code run in the page turns vectors into plain arrays before returning them. */
export const PLAIN = `(v) => ({ indices: Array.from(v.indices), values: Array.from(v.values), ...(v.positions ? { positions: Array.from(v.positions) } : {}) })`;
