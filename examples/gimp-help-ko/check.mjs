#!/usr/bin/env node
// Checks the built example in the system Chromium (examples/shared/check.mjs): the page loads the
// Korean model and searches under its CSP ('wasm-unsafe-eval' added for onnxruntime-web), results
// are DOM text, search and a visited result page work offline after one visit.
// `node examples/gimp-help-ko/check.mjs` after build.mjs; CHROMIUM_PATH overrides /usr/bin/chromium.
// The bundled model is an untrained test model: no relevance is asserted, only that queries find pages.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkExample } from '../shared/check.mjs';

const failures = await checkExample({
  root: join(dirname(fileURLToPath(import.meta.url)), 'dist'),
  first: { query: '레이어 마스크', what: 'results' },
  second: '이미지 크기 조절',
  fresh: '브러시 만들기',
});
process.exitCode = failures.length ? 1 : 0;
