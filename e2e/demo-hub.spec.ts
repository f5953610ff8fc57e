/**
 * The demo's model picker with models from the hub, on the BUILT demo (vite build, demo/serve.mjs:
 * its CSP, cross-origin isolation and service worker). The hub is https://hub.test, answered by a
 * Playwright route from the fixture repositories (e2e/support/hub-fixtures.ts: files with ETags and
 * CORS, and the hub's file listing), so the page reaches it as it would huggingface.co: another
 * origin, over https, allowed by the CSP's connect-src, not touched by the demo's service worker.
 * The page is opened with `?hub=https://hub.test`. Nothing else leaves the machine.
 *
 * A model not yet downloaded shows its size and dtype before anything big is fetched, downloads once
 * confirmed (progress per file and in total, a sharded checkpoint included), runs (the graph built
 * from safetensors in the page's worker), and loads again with the network off.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test, type BrowserContext, type Page } from '@playwright/test';
import { filesToDownload, type ListedFile } from '../demo/download-size.ts';
import { buildDemo, serveDemo, type DemoServer } from '../demo/serve.mjs';
import { hubAnswer } from './support/hub-fixtures.ts';

const HUB = 'https://hub.test';
const GTE = 'opensearch-project/opensearch-neural-sparse-encoding-doc-v3-gte';
let out: string;
let server: DemoServer;

test.beforeAll(async () => {
  test.setTimeout(240_000);
  out = mkdtempSync(join(tmpdir(), 'splade-web-demo-hub-'));
  buildDemo(out);
  server = await serveDemo({ dir: out, port: 4190 });
});

test.afterAll(async () => {
  await server?.close();
  if (out) rmSync(out, { recursive: true, force: true });
});

interface Hub {
  /** "METHOD path" of every request the hub got. */
  requests: string[];
  /** Cut the hub off (as the network going down does), or bring it back. */
  offline: boolean;
}

/** Routes https://hub.test to the fixture repositories and aborts everything else off the demo's server. */
async function routeHub(context: BrowserContext): Promise<Hub> {
  const hub: Hub = { requests: [], offline: false };
  const origin = new URL(server.url).origin;
  await context.route(
    (url) => !url.href.startsWith(origin),
    (route) => route.abort('internetdisconnected'),
  );
  await context.route(
    (url) => url.origin === HUB,
    async (route) => {
      const request = route.request();
      if (hub.offline) return route.abort('internetdisconnected');
      hub.requests.push(`${request.method()} ${new URL(request.url()).pathname}`);
      const answer = hubAnswer(request.url(), await request.allHeaders());
      if (!answer) return route.fulfill({ status: 404, body: 'Not found' });
      return route.fulfill({ status: answer.status, headers: answer.headers, body: answer.body });
    },
  );
  return hub;
}

async function visit(page: Page): Promise<{ errors: string[]; hub: Hub; violations: () => Promise<string[]> }> {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  if (process.env['E2E_CONSOLE']) page.on('console', (m) => console.log('[page]', m.text()));
  const hub = await routeHub(page.context());
  await page.addInitScript(() => {
    const w = window as unknown as { cspViolations: string[] };
    w.cspViolations = [];
    document.addEventListener('securitypolicyviolation', (e) =>
      w.cspViolations.push(`${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`),
    );
  });
  await page.goto(`${server.url}?hub=${encodeURIComponent(HUB)}`);
  await expect(page.locator('#status')).toHaveText('ready', { timeout: 120_000 });
  return {
    errors,
    hub,
    violations: () => page.evaluate(() => (window as unknown as { cspViolations: string[] }).cspViolations),
  };
}

/** The files (and bytes) a first load of fixture `id` downloads, from the hub's own listing. */
function expectedDownload(id: string): { files: ListedFile[]; bytes: number } {
  const listing = JSON.parse(hubAnswer(`/api/models/${id}/tree/main?recursive=true`)!.body.toString('utf8')) as {
    path: string;
    size: number;
  }[];
  const files = filesToDownload(listing.map((e) => ({ path: e.path, bytes: e.size })));
  return { files, bytes: files.reduce((n, f) => n + f.bytes!, 0) };
}

/** The demo's own byte count, as formatBytes writes it. */
function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}

/** A one-passage file: its passage is its text, so the page can encode the same text to pick a query. */
const NOTE = 'hub-note.txt';
const NOTE_TEXT = 'Rebase the feature branch onto main before you merge it, then push the result.';

/**
 * A word the passage matches. The fixtures' weights are random, so the words of the text need not
 * score: take the passage's highest-weighted whole-word tokens and keep one whose query vector meets it.
 */
async function matchingWord(page: Page): Promise<string> {
  return page.evaluate(async (text) => {
    interface Vector {
      indices: Uint32Array;
    }
    const encoder = (
      window as unknown as {
        spladeDemo: {
          app: {
            encoder: {
              encodeDocument(t: string): Promise<Vector>;
              encodeQuery(t: string): Promise<Vector>;
              decode(v: Vector, k: number): { token: string }[];
            };
          };
        };
      }
    ).spladeDemo.app.encoder;
    const passage = await encoder.encodeDocument(text);
    const inPassage = new Set(passage.indices);
    for (const { token } of encoder.decode(passage, 200)) {
      if (!/^[a-z]{3,}$/.test(token)) continue;
      const query = await encoder.encodeQuery(token);
      if (Array.from(query.indices).some((id) => inPassage.has(id))) return token;
    }
    throw new Error('no whole-word token of the passage matches it as a query');
  }, NOTE_TEXT);
}

async function search(page: Page, query: string): Promise<void> {
  await page.fill('#query', query);
  await expect(page.locator('#search-info')).toContainText(/passages in \d+ ms|No passage/);
}

test('a hub model from the picker: size and dtype before the download, confirm, progress, index, search, then offline', async ({
  page,
  context,
}) => {
  test.setTimeout(360_000);
  const watch = await visit(page);
  const expected = expectedDownload(GTE);
  await page.selectOption('#model', GTE);
  // The size, from the hub's listing; nothing but the listing was asked for.
  const size = page.locator('#model-size');
  await expect(size).toContainText(`${formatBytes(expected.bytes)} to download, ${expected.files.length} files`);
  await expect(size).toContainText('runs as fp32');
  expect(watch.hub.requests).toEqual([`GET /api/models/${GTE}/tree/main`]);
  // The bundled model is still the one in use while the user decides.
  await expect(page.locator('#status')).toHaveText('ready');
  const started = Date.now();
  await page.getByRole('button', { name: `Download ${formatBytes(expected.bytes)}` }).click();
  await expect(page.locator('#status')).toHaveText('ready', { timeout: 180_000 });
  const loadMs = Date.now() - started;
  await expect(page.locator('#model-detail')).toContainText('doc-v3-gte): vocabulary of 30,522 tokens');
  // Progress per file (every file listed, each done) and in total, against the size shown before.
  const listed = await page.locator('#model-files li .file-name').allTextContents();
  expect(listed.sort()).toEqual(expected.files.map((f) => f.path).sort());
  await expect(page.locator('#model-total-text')).toHaveText(
    `${formatBytes(expected.bytes)} of ${formatBytes(expected.bytes)} (${expected.files.length} of ${expected.files.length} files)`,
  );
  const bar = await page.locator('#model-total').evaluate((p: HTMLProgressElement) => [p.value, p.max]);
  expect(bar).toEqual([expected.bytes, expected.bytes]);
  console.log(`doc-v3-gte fixture: ${expected.bytes} bytes in ${expected.files.length} files, loaded in ${loadMs} ms`);
  // The precision shown before the download is the one the session runs at.
  await expect(page.locator('#backend')).toContainText(/, fp32 · loaded in \d+ ms/);

  // Index a file with the hub model and search it (for a word its random weights give the passage).
  await page.setInputFiles('#files', [{ name: NOTE, mimeType: 'text/plain', buffer: Buffer.from(NOTE_TEXT) }]);
  await expect(page.locator('#indexing')).toBeHidden({ timeout: 120_000 });
  await expect(page.locator('#library-summary')).toContainText(/\b1 passages? indexed/, { timeout: 60_000 });
  const word = await matchingWord(page);
  await search(page, word);
  await expect(page.locator('#results li').first().locator('.hit-file')).toHaveText(NOTE);

  // Offline: the demo from its service worker, the model's files from the library's cache.
  await page.waitForFunction(() => !!navigator.serviceWorker.controller);
  await context.setOffline(true);
  watch.hub.offline = true;
  try {
    await page.reload();
    await expect(page.locator('#status')).toHaveText('ready', { timeout: 120_000 });
    await expect(page.locator('#model')).toHaveValue(GTE);
    await expect(page.locator('#model-confirm')).toBeHidden();
    await search(page, word);
    await expect(page.locator('#results li').first().locator('.hit-file')).toHaveText(NOTE);
  } finally {
    await context.setOffline(false);
  }
  expect(watch.errors).toEqual([]);
  expect(await watch.violations()).toEqual([]);
});

test('a sharded checkpoint typed in by id: both shards in the progress list; Cancel keeps the model in use', async ({
  page,
}) => {
  test.setTimeout(300_000);
  const watch = await visit(page);
  // Cancel: nothing downloaded, the picker back on the model in use.
  await page.selectOption('#model', 'telepix/PIXIE-Splade-Preview');
  await expect(page.locator('#model-size')).toContainText('to download');
  await page.getByRole('button', { name: 'Cancel' }).click();
  await expect(page.locator('#model-confirm')).toBeHidden();
  await expect(page.locator('#model')).toHaveValue('splade-tiny-en-if');
  expect(watch.hub.requests.filter((r) => !r.startsWith('GET /api/'))).toEqual([]);

  // A sharded BERT checkpoint, typed in: index + two shards, each with its own progress.
  const expected = expectedDownload('naver/splade-v3');
  expect(expected.files.map((f) => f.path)).toContain('model-00002-of-00002.safetensors');
  await page.selectOption('#model', 'custom');
  await page.fill('#model-custom', 'naver/splade-v3');
  await page.click('#model-load');
  await page.getByRole('button', { name: `Download ${formatBytes(expected.bytes)}` }).click();
  await expect(page.locator('#status')).toHaveText('ready', { timeout: 180_000 });
  for (const shard of ['model-00001-of-00002.safetensors', 'model-00002-of-00002.safetensors']) {
    const row = page.locator('#model-files li', { has: page.locator('.file-name', { hasText: shard }) });
    await expect(row.locator('progress')).toHaveAttribute('aria-label', `download of ${shard}`);
    const size = expected.files.find((f) => f.path === shard)!.bytes!;
    await expect(row.locator('.muted')).toHaveText(`${formatBytes(size)} done`);
  }
  await expect(page.locator('#model-total-text')).toHaveText(
    `${formatBytes(expected.bytes)} of ${formatBytes(expected.bytes)} (${expected.files.length} of ${expected.files.length} files)`,
  );
  // Downloaded once: choosing it again loads it without asking.
  await page.selectOption('#model', 'splade-tiny-en-if');
  await expect(page.locator('#status')).toHaveText('ready', { timeout: 120_000 });
  const lookups = watch.hub.requests.filter((r) => r.startsWith('GET /api/')).length;
  await page.selectOption('#model', 'custom');
  await page.fill('#model-custom', 'naver/splade-v3');
  await page.click('#model-load');
  await expect(page.locator('#model-detail')).toContainText('naver/splade-v3): vocabulary', { timeout: 180_000 });
  await expect(page.locator('#status')).toHaveText('ready');
  await expect(page.locator('#model-confirm')).toBeHidden();
  expect(watch.hub.requests.filter((r) => r.startsWith('GET /api/')).length).toBe(lookups);
  expect(watch.errors).toEqual([]);
  expect(await watch.violations()).toEqual([]);
});
