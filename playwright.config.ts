import { execSync } from 'node:child_process';
import { defineConfig } from '@playwright/test';

/** The system Chromium (Playwright cannot download browsers here); CHROMIUM_PATH overrides. */
function chromiumPath(): string {
  if (process.env['CHROMIUM_PATH']) return process.env['CHROMIUM_PATH'];
  for (const name of ['chromium', 'chromium-browser', 'google-chrome']) {
    try {
      return execSync(`command -v ${name}`, { encoding: 'utf8' }).trim();
    } catch {
      // try the next name
    }
  }
  throw new Error('splade-web tests need Chromium: install it (apt-get install chromium) or set CHROMIUM_PATH');
}

/** WebGPU without a GPU: SwiftShader's Vulkan driver, which Debian's chromium ships. */
export const chromiumArgs = [
  '--no-sandbox',
  '--enable-unsafe-webgpu',
  '--use-webgpu-adapter=swiftshader',
  '--enable-features=Vulkan',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-quic',
  '--no-first-run',
];

/**
 * The dev server the tests use: port 5173, or E2E_PORT (a second checkout or a benchmark may hold
 * 5173). E2E_NO_HMR=1 serves without hot reload, so editing files never reloads a page mid-test.
 */
const port = Number(process.env['E2E_PORT'] ?? 5173);
export const origin = `http://127.0.0.1:${port}`;

export default defineConfig({
  testDir: 'e2e',
  testMatch: '**/*.spec.ts',
  timeout: 180_000,
  expect: { timeout: 30_000 },
  workers: 1,
  retries: 0,
  reporter: [['list'], ['json', { outputFile: '.test-output/e2e.json' }]],
  use: {
    baseURL: origin,
    launchOptions: { executablePath: chromiumPath(), args: chromiumArgs },
  },
  webServer: {
    command: `npx vite --logLevel warn --port ${port} --strictPort`,
    url: `${origin}/e2e/harness.html`,
    reuseExistingServer: !process.env['CI'],
    timeout: 120_000,
  },
});
