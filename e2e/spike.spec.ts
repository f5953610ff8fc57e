import { expect, test } from '@playwright/test';

test('spike: webgpu vs wasm', async ({ page }) => {
  page.on('console', (m) => console.log('[page]', m.text()));
  await page.goto('/e2e/harness.html');
  await expect(page.locator('#status')).toHaveText('ready');
  const out = await page.evaluate(async () => {
    const s = (window as any).splade;
    const text = 'w1 w2 w3 w4 w5 w6 w7 w8 w9 w10 w11 w12 w13 w14 w15 w16 w17 w18 w19 w20 w21 w22 w23 w24 w25 w26 w27 w28 w29 w30';
    const g = await s.SparseEncoder.fromPretrained('/spike', { device: 'webgpu' });
    const t0 = performance.now();
    const vg = await g.encodeDocument([text, 'w5 w6'], { positions: true });
    const t1 = performance.now();
    const w = await s.SparseEncoder.fromPretrained('/spike', { device: 'wasm' });
    const vw = await w.encodeDocument([text, 'w5 w6'], { positions: true });
    const ad = await (navigator as any).gpu.requestAdapter();
    return { gpu: vg.map((v: any) => [Array.from(v.indices), Array.from(v.values), Array.from(v.positions)]), wasm: vw.map((v: any) => [Array.from(v.indices), Array.from(v.values), Array.from(v.positions)]), stats: g.lastStats, ms: t1 - t0, arch: ad.info.architecture, coi: crossOriginIsolated };
  });
  console.log(JSON.stringify(out.stats), out.ms, out.arch, out.coi, out.gpu[0][0].length, out.gpu[1][0].length);
  expect(out.gpu[0][0]).toEqual(out.wasm[0][0]);
  expect(out.gpu[0][2]).toEqual(out.wasm[0][2]);
  const diff = Math.max(...out.gpu[0][1].map((x: number, i: number) => Math.abs(x - out.wasm[0][1][i])));
  console.log('maxdiff', diff);
  expect(diff).toBeLessThan(1e-4);
});
