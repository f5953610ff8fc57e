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

/** What encodeLosingDevice saw. */
export interface DeviceLossRun {
  /** The documents' vectors, as plain arrays. */
  vectors: { indices: number[]; values: number[] }[];
  /** The document tokenizer's special ids (the references zero them). */
  specialIds: number[];
  /** The encoder's lastStats after the encode (`recovered`: batches redone after the loss). */
  stats: any;
  /** The device the encoder ended on. */
  device: string;
  /** backendInfo.pooling before the encode and after it. */
  before: string | undefined;
  after: string | undefined;
  /** How many documents were done when the device was destroyed (-1: no batch ran on WebGPU). */
  lostAt: number;
}

/**
 * Loads `model` on WebGPU in the harness page (batches of 2, so that a batch follows the first) and
 * encodes `texts` as documents, destroying the GPU device once the first batch is done on WebGPU: the
 * next batch meets a lost device. The encoder is disposed before this returns.
 */
export async function encodeLosingDevice(
  page: Page,
  model: string,
  options: Record<string, unknown>,
  texts: string[],
): Promise<DeviceLossRun> {
  return page.evaluate(
    async ({ model, options, texts }) => {
      const { SparseEncoder } = window.splade;
      const ort = (window as any).ort;
      const enc = await SparseEncoder.fromPretrained(model, { ...options, device: 'webgpu', batchSize: 2 });
      try {
        const before = enc.backendInfo?.pooling;
        let lostAt = -1;
        const vectors = await enc.encodeDocument(texts, {
          onBatch: async ({ done, device }: any) => {
            if (lostAt < 0 && device === 'webgpu') {
              lostAt = done;
              (await ort.env.webgpu.device).destroy(); // the next batch meets a lost device
            }
          },
        });
        return {
          vectors: vectors.map((v: any) => ({ indices: Array.from(v.indices), values: Array.from(v.values) })),
          specialIds: Array.from(enc.spec.document.tokenizer.specialIds as ArrayLike<number>),
          stats: enc.lastStats,
          device: enc.device,
          before,
          after: enc.backendInfo?.pooling,
          lostAt,
        };
      } finally {
        await enc.dispose();
      }
    },
    { model, options, texts },
  );
}
