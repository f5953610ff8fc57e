/**
 * The demo page, as a person uses it: the bundled model loads offline, documents are encoded,
 * a query ranks them with explanations, and document text is shown as text, never as HTML.
 */
import { expect, test } from '@playwright/test';

test('the demo page encodes documents, searches and explains, offline, rendering documents as text', async ({ page, context }) => {
  // Offline: anything that is not this local server fails.
  await context.route(/^(?!http:\/\/127\.0\.0\.1:5173\/).*/, (route) => route.abort('internetdisconnected'));
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto('/demo/');
  await expect(page.locator('#status')).toHaveText('ready', { timeout: 120_000 });
  await page.fill('#docs', ['Use git rebase to replay commits onto another branch.', 'git stash saves local changes.', '<img src=x onerror="window.pwned=1"> rebase <b>bold</b>'].join('\n'));
  await page.click('#encode');
  await expect(page.locator('#encode-info')).toContainText('3 documents');
  await page.fill('#query', 'rebase a branch');
  await page.press('#query', 'Enter');
  const results = page.locator('#results li');
  await expect(results.first()).toContainText('rebase');
  await expect(page.locator('#query-vector .token').first()).toBeVisible();
  // Contributions are listed under each hit.
  await expect(results.first().locator('.token.match').first()).toBeVisible();
  // The HTML document is shown literally: no element was created from it and nothing ran.
  await expect(page.locator('#results')).toContainText('<img src=x onerror="window.pwned=1">');
  expect(await page.locator('#results img, #results b').count()).toBe(0);
  expect(await page.evaluate(() => (window as unknown as { pwned?: number }).pwned)).toBeUndefined();
  expect(errors).toEqual([]);
  await page.screenshot({ path: 'test-results/demo.png', fullPage: true });
});
