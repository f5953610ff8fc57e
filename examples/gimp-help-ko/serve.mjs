#!/usr/bin/env node
// Serves examples/gimp-help-ko/dist as a static host does (examples/shared/serve.mjs): gzip (the
// .wasm and .onnx included), Range requests, content-hashed files and the model folder cacheable
// forever. `node serve.mjs [port]` (default 8080).
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { serve as serveRoot } from '../shared/serve.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), 'dist');
export const serve = (port) => serveRoot(ROOT, port);

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const port = Number(process.argv[2] ?? process.env.PORT ?? 8080);
  await serve(port);
  console.log(`gimp-help-ko search: http://127.0.0.1:${port}/ (Ctrl+C stops)`);
}
