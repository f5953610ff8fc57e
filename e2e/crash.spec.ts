/**
 * The browser process killed in the middle of a large add (persistent profile, relaunch): the index
 * opens at the last commit, every acknowledged document is there, nothing half-written is visible.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, expect, test } from '@playwright/test';
import config, { chromiumArgs, origin } from '../playwright.config.ts';

const executable = (config.use?.launchOptions as { executablePath: string }).executablePath;

async function launch(
  profile: string,
): Promise<{ proc: ChildProcess; browser: Awaited<ReturnType<typeof chromium.connectOverCDP>> }> {
  const proc = spawn(
    executable,
    ['--headless=new', ...chromiumArgs, `--user-data-dir=${profile}`, '--remote-debugging-port=0', 'about:blank'],
    { detached: true, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  const ws = await new Promise<string>((resolve, reject) => {
    let buffer = '';
    const timer = setTimeout(() => reject(new Error(`chromium did not start: ${buffer}`)), 30_000);
    proc.stderr!.on('data', (d: Buffer) => {
      buffer += d.toString();
      const m = /DevTools listening on (ws:\/\/\S+)/.exec(buffer);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
  });
  return { proc, browser: await chromium.connectOverCDP(ws) };
}

const BATCH = 300;

test('killing the browser during a large add loses no acknowledged document and shows nothing half-written', async () => {
  const profile = mkdtempSync(join(tmpdir(), 'splade-web-crash-'));
  try {
    const first = await launch(profile);
    const page = first.browser.contexts()[0]!.pages()[0] ?? (await first.browser.contexts()[0]!.newPage());
    await page.goto(`${origin}/e2e/harness.html`);
    await expect(page.locator('#status')).toHaveText('ready');
    const acked: number[] = [];
    let resolveEnough: () => void;
    const enough = new Promise<void>((r) => (resolveEnough = r));
    page.on('console', (m) => {
      const match = /^ack (\d+)$/.exec(m.text());
      if (match) {
        acked.push(Number(match[1]));
        if (acked.length >= 4) resolveEnough();
      }
    });
    void page
      .evaluate(async (batch) => {
        const index = await (window as any).splade.SparseIndex.open('crash', { commitSize: batch });
        for (let k = 0; k < 1000; k++) {
          await index.add((window as any).synthetic.syntheticDocuments(batch, 11, {}, k * batch));
          console.log(`ack ${k}`);
        }
      }, BATCH)
      .catch(() => {});
    await enough;
    // Let the next commit get under way, then kill every browser process at once.
    await new Promise((r) => setTimeout(r, 150));
    process.kill(-first.proc.pid!, 'SIGKILL');
    await new Promise((r) => first.proc.once('exit', r));
    const ackedCount = acked.length;

    const second = await launch(profile);
    try {
      const page2 = await second.browser.contexts()[0]!.newPage();
      await page2.goto(`${origin}/e2e/harness.html`);
      await expect(page2.locator('#status')).toHaveText('ready');
      const r = await page2.evaluate(async () => {
        const index = await (window as any).splade.SparseIndex.open('crash');
        const snapshot = await index.export();
        const bad = await index.verify();
        const q = (window as any).synthetic.syntheticQueries(1, 30, 11)[0];
        const pruned = (await index.search(q, { limit: 10 })).map((h: any) => h.id);
        const full = (await index.search(q, { limit: 10, exhaustive: true })).map((h: any) => h.id);
        const count = index.count();
        // The killed commit may have left keys no manifest references; the next commit sweeps them.
        await index.add((window as any).synthetic.syntheticDocuments(1, 11, {}, 10_000_000));
        const afterCommit = await index.verify();
        return { count, ids: snapshot.documents.map((d: any) => d.id), bad: bad.damaged, pruned, full, afterCommit };
      });
      const ids = new Set(r.ids);
      expect(r.count).toBe(r.ids.length);
      // Every acknowledged batch is there, whole.
      for (let k = 0; k < ackedCount; k++)
        for (let j = 0; j < BATCH; j++) expect(ids.has(`d${k * BATCH + j}`)).toBe(true);
      // Nothing half-written: only whole batches (at most one unacknowledged, committed just before the kill).
      expect(r.count % BATCH).toBe(0);
      expect(r.count / BATCH).toBeGreaterThanOrEqual(ackedCount);
      expect(r.count / BATCH).toBeLessThanOrEqual(ackedCount + 1);
      expect(r.bad).toEqual([]);
      expect(r.afterCommit).toEqual({ damaged: [], unreferenced: [] });
      expect(r.pruned).toEqual(r.full);
    } finally {
      await second.browser.close();
      try {
        process.kill(-second.proc.pid!, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  } finally {
    rmSync(profile, { recursive: true, force: true });
  }
});
