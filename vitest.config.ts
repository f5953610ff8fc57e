import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    environment: 'node',
    testTimeout: 60_000,
    // The Node entry keeps downloads and built graphs in ~/.cache/splade-web by default; tests keep theirs here.
    env: { SPLADE_WEB_CACHE: '.test-output/splade-web-cache' },
  },
});
